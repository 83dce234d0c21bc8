from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from .. import models as _models

if TYPE_CHECKING:
    from ..models.revoked_client import RevokedClient
    from ..models.revoked_session import RevokedSession
    from ..models.revoked_subject import RevokedSubject


@_attrs_define
class RevocationList(_model.Model):
    """Access tokens that must be refused (platform_common.revocations): those
    of older versions of the subjects, of the sessions, and of the clients
    issued before `not_before`. A verifier ignores keys it does not know.

    """

    clients: list[RevokedClient]
    revoked: list[RevokedSubject]
    sessions: list[RevokedSession]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("clients", _model.list_of(_model.model(lambda: _models.RevokedClient))),
        _model.Field("revoked", _model.list_of(_model.model(lambda: _models.RevokedSubject))),
        _model.Field("sessions", _model.list_of(_model.model(lambda: _models.RevokedSession))),
    )
