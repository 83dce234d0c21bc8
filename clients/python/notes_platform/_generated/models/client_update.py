from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..models.client_update_grant_types_item import ClientUpdateGrantTypesItem
from ..types import UNSET, Unset


@_attrs_define
class ClientUpdate(_model.Model):
    audience: None | str | Unset = UNSET
    enabled: bool | Unset = UNSET
    first_party: bool | Unset = UNSET
    grant_types: list[ClientUpdateGrantTypesItem] | Unset = UNSET
    introspection_audiences: list[str] | Unset = UNSET
    name: str | Unset = UNSET
    redirect_uris: list[str] | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("audience", required=False),
        _model.Field("enabled", required=False),
        _model.Field("first_party", required=False),
        _model.Field(
            "grant_types", _model.list_of(_model.enum(ClientUpdateGrantTypesItem)), required=False
        ),
        _model.Field("introspection_audiences", required=False),
        _model.Field("name", required=False),
        _model.Field("redirect_uris", required=False),
        _model.Field("scopes", required=False),
    )
