"""HTTP and WebSocket routes of `/api/v1` and `/ws` (DESIGN.md, "Contracts")."""
