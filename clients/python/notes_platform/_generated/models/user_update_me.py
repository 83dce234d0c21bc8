from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class UserUpdateMe(_model.Model):
    """A new password or email needs `current_password`: a stolen access token
    alone must not become a stolen account.

        Attributes:
            email: An address outside the special-use domains .arpa, .invalid, .local, .localhost, .onion, .test, with no
                RFC 2047 encoded word ('=?'); stored lower-cased, its domain in IDNA ASCII form.
    """

    current_password: str | Unset = UNSET
    email: str | Unset = UNSET
    full_name: None | str | Unset = UNSET
    password: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("current_password", required=False),
        _model.Field("email", required=False),
        _model.Field("full_name", required=False),
        _model.Field("password", required=False),
    )
