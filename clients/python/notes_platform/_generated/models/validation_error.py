from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.context import Context


@_attrs_define
class ValidationError(_model.Model):
    loc: list[int | str]
    msg: str
    type_: str
    ctx: Context | Unset = UNSET
    input_: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("loc", _model.list_of(_model.PLAIN)),
        _model.Field("msg"),
        _model.Field("type_", key="type"),
        _model.Field("ctx", _model.model(lambda: _models.Context), required=False),
        _model.Field("input_", key="input", required=False),
    )
