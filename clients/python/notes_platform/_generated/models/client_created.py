from __future__ import annotations

import datetime
from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class ClientCreated(_model.Model):
    """The client and, for a confidential one, its secret: shown this once."""

    audience: None | str
    client_id: str
    confidential: bool
    created_at: datetime.datetime
    enabled: bool
    first_party: bool
    grant_types: list[str]
    introspection_audiences: list[str]
    name: str
    previous_secret_expires_at: datetime.datetime | None
    redirect_uris: list[str]
    scopes: list[str]
    updated_at: datetime.datetime
    client_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("audience"),
        _model.Field("client_id"),
        _model.Field("confidential"),
        _model.Field("created_at", _model.DATETIME),
        _model.Field("enabled"),
        _model.Field("first_party"),
        _model.Field("grant_types"),
        _model.Field("introspection_audiences"),
        _model.Field("name"),
        _model.Field("previous_secret_expires_at", _model.union(_model.DATETIME, _model.PLAIN)),
        _model.Field("redirect_uris"),
        _model.Field("scopes"),
        _model.Field("updated_at", _model.DATETIME),
        _model.Field("client_secret", required=False),
    )
