"""The citizen kiosk: a pygame touchscreen app that issues and prints queue tickets.

It talks to the queue server only over HTTP and `WS /ws/hall`, prints through
`drivers.printer`, and keeps its screens in a pure state machine (`kiosk.machine`) so the
flow can be tested without a window.
"""
