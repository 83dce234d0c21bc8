from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SessionRead")


@_attrs_define
class SessionRead:
    """One login (refresh-token family) of the account.

    Attributes:
        client_address (None | str):
        created_at (datetime.datetime):
        id (UUID):
        last_used_at (datetime.datetime):
        user_agent (None | str):
        current (bool | Unset):  Default: False.
    """

    client_address: None | str
    created_at: datetime.datetime
    id: UUID
    last_used_at: datetime.datetime
    user_agent: None | str
    current: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_address: None | str
        client_address = self.client_address

        created_at = self.created_at.isoformat()

        id = str(self.id)

        last_used_at = self.last_used_at.isoformat()

        user_agent: None | str
        user_agent = self.user_agent

        current = self.current

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_address": client_address,
                "created_at": created_at,
                "id": id,
                "last_used_at": last_used_at,
                "user_agent": user_agent,
            }
        )
        if current is not UNSET:
            field_dict["current"] = current

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_client_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        client_address = _parse_client_address(d.pop("client_address"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = UUID(d.pop("id"))

        last_used_at = datetime.datetime.fromisoformat(d.pop("last_used_at"))

        def _parse_user_agent(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        user_agent = _parse_user_agent(d.pop("user_agent"))

        current = d.pop("current", UNSET)

        session_read = cls(
            client_address=client_address,
            created_at=created_at,
            id=id,
            last_used_at=last_used_at,
            user_agent=user_agent,
            current=current,
        )

        session_read.additional_properties = d
        return session_read

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
