"""RS-485 device bus, Modbus display, their simulators and `layso sim`."""
