from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class UserCreate(_model.Model):
    """Registration. Unknown fields (`is_active`, `is_superuser`, ...) are ignored.

    Attributes:
        email: An address outside the special-use domains .arpa, .invalid, .local, .localhost, .onion, .test, with no
            RFC 2047 encoded word ('=?'); stored lower-cased, its domain in IDNA ASCII form.
    """

    email: str
    password: str
    full_name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("email"),
        _model.Field("password"),
        _model.Field("full_name", required=False),
    )
