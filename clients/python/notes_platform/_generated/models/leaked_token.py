from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class LeakedToken(_model.Model):
    """One match of a secret scanning partner's report (GitHub's format)."""

    token: str
    type_: str
    source: None | str | Unset = UNSET
    url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("token"),
        _model.Field("type_", key="type"),
        _model.Field("source", required=False),
        _model.Field("url", required=False),
    )
