from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models
from ..models.incoming_event_type import IncomingEventType

if TYPE_CHECKING:
    from ..models.data import Data


@_attrs_define
class IncomingEvent(_model.Model):
    """One note change, as notes-service's outbox publishes it.

    Attributes:
        data: The note as the API answers it; for note.deleted: {"id": ...}
        id: The outbox row's id: events are deduplicated on it
        note_id: The note's id (notes-service's)
        sequence: Per note, increasing
    """

    data: Data
    id: UUID
    note_id: int
    occurred_at: datetime.datetime
    owner_id: UUID
    sequence: int
    type_: IncomingEventType
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("data", _model.model(lambda: _models.Data)),
        _model.Field("id", _model.UUID),
        _model.Field("note_id"),
        _model.Field("occurred_at", _model.DATETIME),
        _model.Field("owner_id", _model.UUID),
        _model.Field("sequence"),
        _model.Field("type_", _model.enum(IncomingEventType), key="type"),
    )
