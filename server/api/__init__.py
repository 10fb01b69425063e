"""HTTP and WebSocket routes of `/api/v1` and `/ws` (docs/design.md, "Contracts")."""
