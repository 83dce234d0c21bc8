from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class EndpointRead(_model.Model):
    """
    Attributes:
        disabled_reason: `gone` (the URL answered 410) or `failing` (no success for 5 days) when the service disabled it
    """

    created_at: datetime.datetime
    description: str
    disabled_reason: None | str
    enabled: bool
    event_types: list[str]
    id: UUID
    updated_at: datetime.datetime
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("created_at", _model.DATETIME),
        _model.Field("description"),
        _model.Field("disabled_reason"),
        _model.Field("enabled"),
        _model.Field("event_types"),
        _model.Field("id", _model.UUID),
        _model.Field("updated_at", _model.DATETIME),
        _model.Field("url"),
    )
