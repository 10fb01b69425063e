"""The ground floor: small helpers every other folder may use, the typeface and its check
(`fonts`), the device-token options of the board and the kiosk (`device_token`), and the
periodic screenshots of a pygame app with no screen (`live_shots`).

Nothing here imports another folder of ours (not even `contracts/`), so anything may import
it without pulling a higher floor in; tests/trust/test_import_floors.py holds that rule.
"""
