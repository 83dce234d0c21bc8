from __future__ import annotations

import datetime
from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class AuthorizationRead(_model.Model):
    """An app the caller let act for them (GET /auth/me/authorizations)."""

    client_id: str
    client_name: str
    granted_at: datetime.datetime
    last_used_at: datetime.datetime | None
    scopes: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_id"),
        _model.Field("client_name"),
        _model.Field("granted_at", _model.DATETIME),
        _model.Field("last_used_at", _model.union(_model.DATETIME, _model.PLAIN)),
        _model.Field("scopes"),
    )
