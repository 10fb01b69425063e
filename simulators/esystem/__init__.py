"""`layso sim esystem`: a one-stop e-system speaking OpenCPS's REST shape, for tests and the
demo (no real province system is reachable from a test machine)."""
