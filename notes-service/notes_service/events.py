"""What a note change tells webhooks-service: its type, sequence, data and trace.

The repository writes each event in the statement of the change itself
(repository.INSERT_RECORDED and its kin: one round trip, one transaction);
notes_service.publisher sends them, in webhooks-service's form
(webhooks_client.py).

A note's sequence is its version after the write: 1 when created, one more
per update (the UPDATE's row lock serialises concurrent writes, so each gets
its own, in commit order), one more than the last for its deletion.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from notes_service.schemas import NoteRead
from platform_common import telemetry

EventType = Literal["note.created", "note.updated", "note.deleted"]
NOTE_CREATED: Final = "note.created"
NOTE_UPDATED: Final = "note.updated"
NOTE_DELETED: Final = "note.deleted"
# What an event's data holds of the note: the answer's fields (note.deleted: the id).
ANSWER_FIELDS = tuple(NoteRead.model_fields)
DELETED_FIELDS = ("id",)


def trace_context() -> dict[str, str | None]:
    """The request's W3C trace context (its span's; the caller's when untraced)."""
    carrier = telemetry.carrier()
    return {"traceparent": carrier.get("traceparent"), "tracestate": carrier.get("tracestate")}


def wire_data(event_type: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The note as the API answered it: the stored columns (Postgres' JSON of
    them) read and written by the answer's model, as routes.py does."""
    if event_type == NOTE_DELETED:
        return stored
    return NoteRead.model_validate(stored).model_dump(mode="json")
