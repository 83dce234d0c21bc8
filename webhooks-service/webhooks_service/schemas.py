"""Request and answer bodies: the ingest contract (notes-service → here), the
purge, and the endpoints API."""

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

NoteEventType = Literal["note.created", "note.updated", "note.deleted"]
NOTE_EVENT_TYPES: tuple[NoteEventType, ...] = ("note.created", "note.updated", "note.deleted")
TEST_EVENT_TYPE = "webhook.test"
MAX_SEQUENCE = 2**63 - 1
MAX_EVENTS_PER_BATCH = 500
# W3C trace context: version, trace id, parent id, flags.
TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
# The form str(uuid) writes: one spelling per id in paths.
CANONICAL_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _canonical_uuid(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(CANONICAL_UUID, value):
        raise PydanticCustomError(
            "uuid_parsing", "Input should be a valid UUID in its lower-case hyphenated form"
        )
    return value


CanonicalUuid = Annotated[uuid.UUID, BeforeValidator(_canonical_uuid)]


class IncomingEvent(BaseModel):
    """One note change, as notes-service's outbox publishes it."""

    id: uuid.UUID = Field(description="The outbox row's id: events are deduplicated on it")
    type: NoteEventType
    owner_id: uuid.UUID
    note_id: int = Field(ge=1, le=MAX_SEQUENCE, description="The note's id (notes-service's)")
    sequence: int = Field(ge=1, le=MAX_SEQUENCE, description="Per note, increasing")
    occurred_at: AwareDatetime
    data: dict[str, Any] = Field(
        description='The note as the API answers it; for note.deleted: {"id": ...}'
    )
    traceparent: str | None = Field(
        default=None,
        max_length=55,
        pattern=TRACEPARENT,
        description=(
            "The change's W3C trace context: its deliveries continue the trace "
            "(absent: the call's traceparent header)"
        ),
    )


class EventBatch(BaseModel):
    events: list[IncomingEvent] = Field(max_length=MAX_EVENTS_PER_BATCH)


class IngestResult(BaseModel):
    accepted: int = Field(description="Events not seen before")
    duplicates: int = Field(description="Events already received (by id)")


class EndpointsPurgeResult(BaseModel):
    deleted: int = Field(description="Endpoints deleted")


# Endpoints API.
EventTypes = Annotated[list[NoteEventType], Field(min_length=1, max_length=3)]
Description = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]
Url = Annotated[str, Field(min_length=1, max_length=2048)]


class EndpointCreate(BaseModel):
    url: Url = Field(description="https:// or http:// on port 443 or 80")
    event_types: EventTypes = Field(default_factory=lambda: list(NOTE_EVENT_TYPES))
    description: Description = ""
    enabled: bool = True


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class EndpointUpdate(BaseModel):
    """PATCH: the fields given replace the endpoint's; `null` is refused."""

    url: Url = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]
    event_types: EventTypes = Field(default=None, json_schema_extra=_no_default)  # type: ignore[arg-type]
    description: Description = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]
    enabled: bool = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]


class EndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    disabled_reason: str | None = Field(
        description="`gone` (the URL answered 410) or `failing` (no success for 5 days)"
        " when the service disabled it"
    )
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointRead):
    """The answer to a creation or rotation: the only time the secret is shown."""

    secret: str = Field(description="`whsec_` and base64: verify deliveries with it")


class SecretRotation(BaseModel):
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries carry a signature with the previous secret too"
    )


class RotatedEndpoint(EndpointWithSecret, SecretRotation):
    pass


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    outcome: str
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryRead(BaseModel):
    id: uuid.UUID = Field(description="Sent as `webhook-id`")
    event_id: uuid.UUID
    event_type: str
    state: Literal["pending", "delivered", "failed"]
    next_attempt_at: datetime | None
    created_at: datetime
    attempts: list[AttemptRead]


class DeliveryQueued(BaseModel):
    """A delivery due now (a test event, a retry): see its attempts in the deliveries list."""

    id: uuid.UUID
    state: Literal["pending"]
    next_attempt_at: datetime
