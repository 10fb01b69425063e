"""Reports computed from stored visits and the event log, never from counters in memory."""
