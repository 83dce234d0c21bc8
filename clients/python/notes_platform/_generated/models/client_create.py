from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..models.client_create_grant_types_item import ClientCreateGrantTypesItem
from ..types import UNSET, Unset


@_attrs_define
class ClientCreate(_model.Model):
    """A client; unset `client_id`: one is made up."""

    confidential: bool
    grant_types: list[ClientCreateGrantTypesItem]
    name: str
    scopes: list[str]
    audience: None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    first_party: bool | Unset = False
    introspection_audiences: list[str] | Unset = UNSET
    redirect_uris: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("confidential"),
        _model.Field("grant_types", _model.list_of(_model.enum(ClientCreateGrantTypesItem))),
        _model.Field("name"),
        _model.Field("scopes"),
        _model.Field("audience", required=False),
        _model.Field("client_id", required=False),
        _model.Field("first_party", required=False),
        _model.Field("introspection_audiences", required=False),
        _model.Field("redirect_uris", required=False),
    )
