"""Software stand-ins for every device, speaking the same bytes over a pty or a TCP socket."""
