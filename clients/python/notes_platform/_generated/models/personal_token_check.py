from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class PersonalTokenCheck(_model.Model):
    """A token's claims as a verifier uses them; only `active` when it is not."""

    active: bool
    exp: int | None | Unset = UNSET
    iat: int | None | Unset = UNSET
    jti: None | str | Unset = UNSET
    scope: None | str | Unset = UNSET
    sub: None | str | Unset = UNSET
    ver: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("active"),
        _model.Field("exp", required=False),
        _model.Field("iat", required=False),
        _model.Field("jti", required=False),
        _model.Field("scope", required=False),
        _model.Field("sub", required=False),
        _model.Field("ver", required=False),
    )
