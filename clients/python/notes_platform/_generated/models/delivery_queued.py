from __future__ import annotations

import datetime
from typing import Any, Literal
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class DeliveryQueued(_model.Model):
    """A delivery due now (a test event, a retry): see its attempts in the deliveries list."""

    id: UUID
    next_attempt_at: datetime.datetime
    state: Literal["pending"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("id", _model.UUID),
        _model.Field("next_attempt_at", _model.DATETIME),
        _model.Field("state", _model.const("pending")),
    )
