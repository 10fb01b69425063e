"""The device manager: the hall's serial devices driven from the queue, and back.

`DeviceManager(hall)` (manager.py) starts one line master per port of the hall file, keeps
every LED panel, hall board, Modbus display and rating box in step with the event bus
(state.py decides what each should show), turns key presses into queue actions (actions.py),
and reports each device's health (health.py). docs/serial-bus.md, "In the server", says how.
"""
