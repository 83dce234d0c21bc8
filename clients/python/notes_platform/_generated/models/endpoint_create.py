from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..models.endpoint_create_event_types_item import EndpointCreateEventTypesItem
from ..types import UNSET, Unset


@_attrs_define
class EndpointCreate(_model.Model):
    """
    Attributes:
        url: https:// or http:// on port 443 or 80
    """

    url: str
    description: str | Unset = ""
    enabled: bool | Unset = True
    event_types: list[EndpointCreateEventTypesItem] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("url"),
        _model.Field("description", required=False),
        _model.Field("enabled", required=False),
        _model.Field(
            "event_types", _model.list_of(_model.enum(EndpointCreateEventTypesItem)), required=False
        ),
    )
