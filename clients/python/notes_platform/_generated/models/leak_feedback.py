from __future__ import annotations

from typing import Any, Literal

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import Unset


@_attrs_define
class LeakFeedback(_model.Model):
    """A token of the report that was live and is now revoked (GitHub's feedback format)."""

    token_raw: str
    token_type: str
    label: Literal["true_positive"] | Unset = "true_positive"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("token_raw"),
        _model.Field("token_type"),
        _model.Field("label", _model.const("true_positive"), required=False),
    )
