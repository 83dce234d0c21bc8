from __future__ import annotations

import datetime
from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class NoteRead(_model.Model):
    created_date: datetime.datetime
    description: str
    id: int
    title: str
    updated_date: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("created_date", _model.DATETIME),
        _model.Field("description"),
        _model.Field("id"),
        _model.Field("title"),
        _model.Field("updated_date", _model.DATETIME),
    )
