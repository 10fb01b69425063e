"""The queue engine: pure functions and state machines, no I/O.

Storage and the API call these to decide; they never decide themselves. Everything here takes
plain values (states, times, configs) and returns values or raises an `EngineError`.
"""
