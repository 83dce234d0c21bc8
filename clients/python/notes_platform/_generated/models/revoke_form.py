from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class RevokeForm(_model.Model):
    """The form of `POST /auth/revoke` (RFC 7009 §2.1).

    `token` is required (a missing one is invalid_request); an empty one names
    no token, so nothing is revoked and the answer is 200, as for any token the
    server does not know (§2.2). FastAPI reads an empty form value as absent,
    hence the optional field here and the route's own check of the form's keys.

    """

    token: None | str
    token_type_hint: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("token"),
        _model.Field("token_type_hint", required=False),
    )
