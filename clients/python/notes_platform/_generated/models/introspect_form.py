from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class IntrospectForm(_model.Model):
    """The form of `POST /auth/introspect` (RFC 7662 §2.1), with the client's
    credentials when it uses client_secret_post.

    """

    client_id: None | str | Unset = UNSET
    client_secret: None | str | Unset = UNSET
    token: None | str | Unset = UNSET
    token_type_hint: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("client_id", required=False),
        _model.Field("client_secret", required=False),
        _model.Field("token", required=False),
        _model.Field("token_type_hint", required=False),
    )
