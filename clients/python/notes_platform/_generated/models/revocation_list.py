from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.revoked_client import RevokedClient
    from ..models.revoked_session import RevokedSession
    from ..models.revoked_subject import RevokedSubject


T = TypeVar("T", bound="RevocationList")


@_attrs_define
class RevocationList:
    """Access tokens that must be refused (platform_common.revocations): those
    of older versions of the subjects, of the sessions, and of the clients
    issued before `not_before`. A verifier ignores keys it does not know.

        Attributes:
            clients (list[RevokedClient]):
            revoked (list[RevokedSubject]):
            sessions (list[RevokedSession]):
    """

    clients: list[RevokedClient]
    revoked: list[RevokedSubject]
    sessions: list[RevokedSession]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        clients = []
        for clients_item_data in self.clients:
            clients_item = clients_item_data.to_dict()
            clients.append(clients_item)

        revoked = []
        for revoked_item_data in self.revoked:
            revoked_item = revoked_item_data.to_dict()
            revoked.append(revoked_item)

        sessions = []
        for sessions_item_data in self.sessions:
            sessions_item = sessions_item_data.to_dict()
            sessions.append(sessions_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "clients": clients,
                "revoked": revoked,
                "sessions": sessions,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.revoked_client import RevokedClient
        from ..models.revoked_session import RevokedSession
        from ..models.revoked_subject import RevokedSubject

        d = dict(src_dict)
        clients = []
        _clients = d.pop("clients")
        for clients_item_data in _clients:
            clients_item = RevokedClient.from_dict(clients_item_data)

            clients.append(clients_item)

        revoked = []
        _revoked = d.pop("revoked")
        for revoked_item_data in _revoked:
            revoked_item = RevokedSubject.from_dict(revoked_item_data)

            revoked.append(revoked_item)

        sessions = []
        _sessions = d.pop("sessions")
        for sessions_item_data in _sessions:
            sessions_item = RevokedSession.from_dict(sessions_item_data)

            sessions.append(sessions_item)

        revocation_list = cls(
            clients=clients,
            revoked=revoked,
            sessions=sessions,
        )

        revocation_list.additional_properties = d
        return revocation_list

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
