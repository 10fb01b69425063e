"""The published contract of the hall's live feed: the JSON Schema of every event type.

Public, like `/openapi.json`: a board, a kiosk or an integrator written in another language
reads the shapes from here instead of from Layso's code.
"""

from __future__ import annotations

from fastapi import APIRouter

from contracts.events import events_schema

router = APIRouter(prefix="/api/v1", tags=["hall"])
_SCHEMA = events_schema()


@router.get("/schema/events", summary="JSON Schema of the WebSocket events after the snapshot")
async def schema_of_events() -> dict:
    return _SCHEMA
