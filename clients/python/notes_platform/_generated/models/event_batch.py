from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models

if TYPE_CHECKING:
    from ..models.incoming_event import IncomingEvent


@_attrs_define
class EventBatch(_model.Model):
    events: list[IncomingEvent]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (_model.Field("events", _model.list_of(_model.model(lambda: _models.IncomingEvent))),)
