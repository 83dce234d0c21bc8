from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models
from ..models.delivery_read_state import DeliveryReadState

if TYPE_CHECKING:
    from ..models.attempt_read import AttemptRead


@_attrs_define
class DeliveryRead(_model.Model):
    """
    Attributes:
        id: Sent as `webhook-id`
    """

    attempts: list[AttemptRead]
    created_at: datetime.datetime
    event_id: UUID
    event_type: str
    id: UUID
    next_attempt_at: datetime.datetime | None
    state: DeliveryReadState
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("attempts", _model.list_of(_model.model(lambda: _models.AttemptRead))),
        _model.Field("created_at", _model.DATETIME),
        _model.Field("event_id", _model.UUID),
        _model.Field("event_type"),
        _model.Field("id", _model.UUID),
        _model.Field("next_attempt_at", _model.union(_model.DATETIME, _model.PLAIN)),
        _model.Field("state", _model.enum(DeliveryReadState)),
    )
