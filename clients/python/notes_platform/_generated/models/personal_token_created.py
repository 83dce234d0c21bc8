from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class PersonalTokenCreated(_model.Model):
    created_at: datetime.datetime
    expires_at: datetime.datetime
    id: UUID
    last_used_address: None | str
    last_used_at: datetime.datetime | None
    name: str
    scopes: list[str]
    shown: str
    token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("created_at", _model.DATETIME),
        _model.Field("expires_at", _model.DATETIME),
        _model.Field("id", _model.UUID),
        _model.Field("last_used_address"),
        _model.Field("last_used_at", _model.union(_model.DATETIME, _model.PLAIN)),
        _model.Field("name"),
        _model.Field("scopes"),
        _model.Field("shown"),
        _model.Field("token"),
    )
