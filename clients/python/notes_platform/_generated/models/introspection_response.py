from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class IntrospectionResponse(_model.Model):
    """RFC 7662 §2.2: only `active` when the token is not active."""

    active: bool
    aud: list[str] | None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    exp: int | None | Unset = UNSET
    iat: int | None | Unset = UNSET
    iss: None | str | Unset = UNSET
    jti: None | str | Unset = UNSET
    scope: None | str | Unset = UNSET
    sub: None | str | Unset = UNSET
    token_type: None | str | Unset = UNSET
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("active"),
        _model.Field(
            "aud",
            _model.union(_model.PLAIN, _model.list_of(_model.PLAIN), _model.PLAIN),
            required=False,
        ),
        _model.Field("client_id", required=False),
        _model.Field("exp", required=False),
        _model.Field("iat", required=False),
        _model.Field("iss", required=False),
        _model.Field("jti", required=False),
        _model.Field("scope", required=False),
        _model.Field("sub", required=False),
        _model.Field("token_type", required=False),
        _model.Field("username", required=False),
    )
