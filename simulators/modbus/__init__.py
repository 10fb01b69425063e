"""A simulated Modbus RTU number display, on the same simulated line as the bus devices."""
