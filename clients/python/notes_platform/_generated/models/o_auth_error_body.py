from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class OAuthErrorBody(_model.Model):
    """RFC 6749 §5.2.

    Attributes:
        mfa_token: With error mfa_required: single use, for 5 minutes, for the grant urn:notes-
            platform:params:oauth:grant-type:mfa-otp with `otp`
    """

    error: str
    error_description: str
    mfa_token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("error"),
        _model.Field("error_description"),
        _model.Field("mfa_token", required=False),
    )
