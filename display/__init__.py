"""The hall display board (pygame) and the voice announcer (`display.voice`).

The board talks to the queue server only over HTTP and WebSocket (`contracts.events`); it
never imports `server/`.
"""
