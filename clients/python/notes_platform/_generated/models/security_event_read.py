from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class SecurityEventRead(_model.Model):
    client_address: None | str
    id: int
    occurred_at: datetime.datetime
    request_id: None | str
    session_id: None | UUID
    type_: str
    user_agent: None | str
    user_id: None | UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_address"),
        _model.Field("id"),
        _model.Field("occurred_at", _model.DATETIME),
        _model.Field("request_id"),
        _model.Field("session_id", _model.union(_model.UUID, _model.PLAIN)),
        _model.Field("type_", key="type"),
        _model.Field("user_agent"),
        _model.Field("user_id", _model.union(_model.UUID, _model.PLAIN)),
    )
