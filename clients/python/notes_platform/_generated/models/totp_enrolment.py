from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class TotpEnrolment(_model.Model):
    """Shown once: add it to an authenticator app (scan `qr_svg` or type
    `secret`), then confirm with a code it shows.

    """

    otpauth_uri: str
    qr_svg: str
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("otpauth_uri"),
        _model.Field("qr_svg"),
        _model.Field("secret"),
    )
