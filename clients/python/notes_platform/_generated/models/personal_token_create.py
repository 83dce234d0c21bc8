from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..models.personal_token_create_scopes_item import PersonalTokenCreateScopesItem
from ..types import UNSET, Unset


@_attrs_define
class PersonalTokenCreate(_model.Model):
    expires_in: int
    name: str
    scopes: list[PersonalTokenCreateScopesItem]
    otp: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("expires_in"),
        _model.Field("name"),
        _model.Field("scopes", _model.list_of(_model.enum(PersonalTokenCreateScopesItem))),
        _model.Field("otp", required=False),
    )
