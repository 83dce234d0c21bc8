from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import Unset


@_attrs_define
class SessionRead(_model.Model):
    """One login (refresh-token family) of the account."""

    client_address: None | str
    created_at: datetime.datetime
    id: UUID
    last_used_at: datetime.datetime
    user_agent: None | str
    current: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_address"),
        _model.Field("created_at", _model.DATETIME),
        _model.Field("id", _model.UUID),
        _model.Field("last_used_at", _model.DATETIME),
        _model.Field("user_agent"),
        _model.Field("current", required=False),
    )
