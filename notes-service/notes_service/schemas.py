import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError


def _storable(value: str) -> str:
    """Text UTF-8 can encode: JSON's escapes can spell a lone surrogate (`\\ud800`)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "string_unicode", "String should be Unicode text (no lone surrogates)"
        ) from None
    return value


# Postgres text cannot hold NUL nor a lone surrogate, so both are refused here
# rather than by the driver (a 500).
NO_NUL = r"^[^\x00]*$"
NoteText = Annotated[
    str, Field(min_length=3, max_length=50, pattern=NO_NUL), AfterValidator(_storable)
]

MAX_BIGINT = 2**63 - 1
# One spelling per id. Pydantic's lax int parsing also takes "5.0", "+5",
# "05", "5_0", " 5": every spelling of one note would be one more metric label
# (and cache key) wherever the path is counted. 19 digits bound the work of
# parsing; larger values still fail the bigint maximum below.
_CANONICAL_INT = re.compile(r"[1-9][0-9]{0,18}")
# The form str(uuid) writes, the one auth-service sends.
CANONICAL_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def _canonical_int(value: object) -> object:
    if isinstance(value, str) and not _CANONICAL_INT.fullmatch(value):
        raise PydanticCustomError(
            "int_parsing", "Input should be a valid integer, unable to parse string as an integer"
        )
    return value


def _canonical_uuid(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(CANONICAL_UUID, value):
        raise PydanticCustomError(
            "uuid_parsing", "Input should be a valid UUID in its lower-case hyphenated form"
        )
    return value


# Path parameters (the routes add `Path()`).
BigSerial = Annotated[int, Field(gt=0, le=MAX_BIGINT), BeforeValidator(_canonical_int)]
CanonicalUuid = Annotated[uuid.UUID, BeforeValidator(_canonical_uuid)]


class NoteWrite(BaseModel):
    """Body of POST and PUT (PUT replaces the whole note). Unknown fields are ignored."""

    title: NoteText
    description: NoteText


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class NotePatch(BaseModel):
    """Body of PATCH, a JSON Merge Patch (RFC 7396): the fields given replace the note's.

    Merge Patch's `null` would remove a field, and no field of a note can go:
    `null` is refused like any other invalid value. Unknown fields are ignored.
    """

    # Absent fields stay unset (`model_dump(exclude_unset=True)`); the default
    # is never validated, so `null` sent is refused while `null` unsent is not,
    # and it is left out of the document, where it would contradict the type.
    title: NoteText = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]
    description: NoteText = Field(default=None, json_schema_extra=_no_default)  # type: ignore[assignment]


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    created_date: datetime
    updated_date: datetime


class PurgeResult(BaseModel):
    deleted: int
