from __future__ import annotations

from typing import Any, Literal

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class TokenResponse(_model.Model):
    """RFC 6749 §5.1. No refresh token for the client-credentials grant; an
    ID token (OpenID Connect Core §3.1.3.3) for an authorization code granted
    `openid`.

    """

    access_token: str
    expires_in: int
    scope: str
    id_token: None | str | Unset = UNSET
    refresh_token: None | str | Unset = UNSET
    token_type: Literal["bearer"] | Unset = "bearer"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("access_token"),
        _model.Field("expires_in"),
        _model.Field("scope"),
        _model.Field("id_token", required=False),
        _model.Field("refresh_token", required=False),
        _model.Field("token_type", _model.const("bearer"), required=False),
    )
