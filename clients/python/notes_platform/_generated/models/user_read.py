from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class UserRead(_model.Model):
    created_at: datetime.datetime
    email: str
    full_name: None | str
    id: UUID
    is_active: bool
    is_superuser: bool
    is_verified: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("created_at", _model.DATETIME),
        _model.Field("email"),
        _model.Field("full_name"),
        _model.Field("id", _model.UUID),
        _model.Field("is_active"),
        _model.Field("is_superuser"),
        _model.Field("is_verified"),
    )
