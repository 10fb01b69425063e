"""The voice announcer: number words, clip packs, call scripts, the queue that speaks them."""
