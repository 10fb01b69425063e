"""A software ESC/POS ticket printer: decodes what the driver sends, answers status queries,
and takes faults (paper out, near end, cover open, offline, no answer) from tests or a file.

`PrinterSimulator` is the device; `TcpPrinterServer` / `PtyPrinterServer` put it on a line.
"""
