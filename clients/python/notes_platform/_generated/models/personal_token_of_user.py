from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PersonalTokenOfUser")


@_attrs_define
class PersonalTokenOfUser:
    """
    Attributes:
        created_at (datetime.datetime):
        expires_at (datetime.datetime):
        id (UUID):
        last_used_address (None | str):
        last_used_at (datetime.datetime | None):
        name (str):
        scopes (list[str]):
        shown (str):
        user_id (UUID):
    """

    created_at: datetime.datetime
    expires_at: datetime.datetime
    id: UUID
    last_used_address: None | str
    last_used_at: datetime.datetime | None
    name: str
    scopes: list[str]
    shown: str
    user_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        id = str(self.id)

        last_used_address: None | str
        last_used_address = self.last_used_address

        last_used_at: None | str
        if isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        name = self.name

        scopes = self.scopes

        shown = self.shown

        user_id = str(self.user_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "expires_at": expires_at,
                "id": id,
                "last_used_address": last_used_address,
                "last_used_at": last_used_at,
                "name": name,
                "scopes": scopes,
                "shown": shown,
                "user_id": user_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = UUID(d.pop("id"))

        def _parse_last_used_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_used_address = _parse_last_used_address(d.pop("last_used_address"))

        def _parse_last_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at"))

        name = d.pop("name")

        scopes = cast(list[str], d.pop("scopes"))

        shown = d.pop("shown")

        user_id = UUID(d.pop("user_id"))

        personal_token_of_user = cls(
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            last_used_address=last_used_address,
            last_used_at=last_used_at,
            name=name,
            scopes=scopes,
            shown=shown,
            user_id=user_id,
        )

        personal_token_of_user.additional_properties = d
        return personal_token_of_user

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
