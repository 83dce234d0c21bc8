from __future__ import annotations

import datetime
from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class AttemptRead(_model.Model):
    attempted_at: datetime.datetime
    duration_ms: int
    error: None | str
    outcome: str
    response_excerpt: None | str
    status_code: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("attempted_at", _model.DATETIME),
        _model.Field("duration_ms"),
        _model.Field("error"),
        _model.Field("outcome"),
        _model.Field("response_excerpt"),
        _model.Field("status_code"),
    )
