from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..models.endpoint_update_event_types_item import EndpointUpdateEventTypesItem
from ..types import UNSET, Unset


@_attrs_define
class EndpointUpdate(_model.Model):
    """PATCH: the fields given replace the endpoint's; `null` is refused."""

    description: str | Unset = UNSET
    enabled: bool | Unset = UNSET
    event_types: list[EndpointUpdateEventTypesItem] | Unset = UNSET
    url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("description", required=False),
        _model.Field("enabled", required=False),
        _model.Field(
            "event_types", _model.list_of(_model.enum(EndpointUpdateEventTypesItem)), required=False
        ),
        _model.Field("url", required=False),
    )
