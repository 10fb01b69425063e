"""Modbus RTU number displays: the framing (rtu) and a line master (display)."""
