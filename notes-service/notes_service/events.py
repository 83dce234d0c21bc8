"""What a note change tells webhooks-service: its type, sequence, data and trace.

The events are written to the outbox by service.py in the transaction of the
change (repository.record_event) and sent by notes_service.publisher; their
wire form is webhooks-service's `POST /internal/events` (webhooks_client.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from notes_service.schemas import NoteRead
from platform_common import telemetry

if TYPE_CHECKING:  # the repository writes NoteChange: no import cycle at run time
    from notes_service.repository import Row

EventType = Literal["note.created", "note.updated", "note.deleted"]
NOTE_CREATED: Final = "note.created"
NOTE_UPDATED: Final = "note.updated"
NOTE_DELETED: Final = "note.deleted"


@dataclass(frozen=True, slots=True)
class NoteChange:
    """An outbox row's values before it is written (its id and time are the database's)."""

    type: EventType
    note_id: int
    sequence: int
    data: dict[str, Any]
    traceparent: str | None
    tracestate: str | None


def _change(kind: EventType, row: Row, sequence: int, data: dict[str, Any]) -> NoteChange:
    # The request's W3C trace context (its span's; the caller's when untraced).
    trace = telemetry.carrier()
    return NoteChange(
        kind, row["id"], sequence, data, trace.get("traceparent"), trace.get("tracestate")
    )


def _answer(row: Row) -> dict[str, Any]:
    """The note as the API answers it (routes.py serialises the same model)."""
    return NoteRead.model_validate(dict(row)).model_dump(mode="json")


# A note's sequence is its version after the write: 1 when created, one more
# per update (the UPDATE's row lock serialises concurrent writes, so each gets
# its own), and one more than the last for its deletion.
def created(row: Row) -> NoteChange:
    return _change(NOTE_CREATED, row, row["version"], _answer(row))


def updated(row: Row) -> NoteChange:
    return _change(NOTE_UPDATED, row, row["version"], _answer(row))


def deleted(row: Row) -> NoteChange:
    return _change(NOTE_DELETED, row, row["version"] + 1, {"id": row["id"]})
