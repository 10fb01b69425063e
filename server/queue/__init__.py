"""The queue's actions and views over storage: the engine decides, these read and write.

Each action runs inside one transaction (`Tx`) and records the events it caused; the events
get their sequence numbers in that same transaction and are published only after commit.
"""
