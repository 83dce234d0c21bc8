from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class RevokedClient(_model.Model):
    client_id: str
    not_before: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_id"),
        _model.Field("not_before"),
    )
