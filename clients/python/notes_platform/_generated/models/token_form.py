from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class TokenForm(_model.Model):
    """The form of `POST /auth/token` (RFC 6749 §4.3, §4.4, §6, §2.3.1).

    Every field is optional here: which ones a grant needs is checked by
    the grant's handler (auth_service.oauth.grants), so a missing one is an OAuth
    `invalid_request` rather than FastAPI's 422. An empty value counts as
    absent (FastAPI's rule for form fields).

    """

    client_id: None | str | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    code: None | str | Unset = UNSET
    code_verifier: None | str | Unset = UNSET
    grant_type: None | str | Unset = UNSET
    mfa_token: None | str | Unset = UNSET
    otp: None | str | Unset = UNSET
    password: None | str | Unset = UNSET
    redirect_uri: None | str | Unset = UNSET
    refresh_token: None | str | Unset = UNSET
    scope: None | str | Unset = UNSET
    username: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_id", required=False),
        _model.Field("client_secret", required=False),
        _model.Field("code", required=False),
        _model.Field("code_verifier", required=False),
        _model.Field("grant_type", required=False),
        _model.Field("mfa_token", required=False),
        _model.Field("otp", required=False),
        _model.Field("password", required=False),
        _model.Field("redirect_uri", required=False),
        _model.Field("refresh_token", required=False),
        _model.Field("scope", required=False),
        _model.Field("username", required=False),
    )
