from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class NoticeRequest(_model.Model):
    """A notice a service mails a user (POST /internal/users/{user_id}/notices):
    one header line for the subject (no CR/LF), a bounded plain-text body.

    """

    subject: str
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("subject"),
        _model.Field("text"),
    )
