from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class UserInfo(_model.Model):
    """OpenID Connect Core §5.3.2: `sub` always, the others as the token's
    scopes grant them (§5.4: `profile` the name, `email` the address and
    whether it is verified); a claim not granted or without a value is absent.

    """

    sub: str
    email: None | str | Unset = UNSET
    email_verified: bool | None | Unset = UNSET
    name: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("sub"),
        _model.Field("email", required=False),
        _model.Field("email_verified", required=False),
        _model.Field("name", required=False),
    )
