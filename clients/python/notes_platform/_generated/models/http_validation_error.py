from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.validation_error import ValidationError


@_attrs_define
class HTTPValidationError(_model.Model):
    detail: list[ValidationError] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field(
            "detail", _model.list_of(_model.model(lambda: _models.ValidationError)), required=False
        ),
    )
