"""Code that speaks real wire protocols (ESC/POS printers, the RS-485 bus) and nothing else."""
