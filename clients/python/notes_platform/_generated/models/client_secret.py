from __future__ import annotations

import datetime
from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class ClientSecret(_model.Model):
    client_id: str
    client_secret: str
    previous_secret_expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_id"),
        _model.Field("client_secret"),
        _model.Field("previous_secret_expires_at", _model.DATETIME),
    )
