from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ClientRead")


@_attrs_define
class ClientRead:
    """
    Attributes:
        audience (None | str):
        client_id (str):
        confidential (bool):
        created_at (datetime.datetime):
        enabled (bool):
        first_party (bool):
        grant_types (list[str]):
        introspection_audiences (list[str]):
        name (str):
        previous_secret_expires_at (datetime.datetime | None):
        redirect_uris (list[str]):
        scopes (list[str]):
        updated_at (datetime.datetime):
    """

    audience: None | str
    client_id: str
    confidential: bool
    created_at: datetime.datetime
    enabled: bool
    first_party: bool
    grant_types: list[str]
    introspection_audiences: list[str]
    name: str
    previous_secret_expires_at: datetime.datetime | None
    redirect_uris: list[str]
    scopes: list[str]
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        audience: None | str
        audience = self.audience

        client_id = self.client_id

        confidential = self.confidential

        created_at = self.created_at.isoformat()

        enabled = self.enabled

        first_party = self.first_party

        grant_types = self.grant_types

        introspection_audiences = self.introspection_audiences

        name = self.name

        previous_secret_expires_at: None | str
        if isinstance(self.previous_secret_expires_at, datetime.datetime):
            previous_secret_expires_at = self.previous_secret_expires_at.isoformat()
        else:
            previous_secret_expires_at = self.previous_secret_expires_at

        redirect_uris = self.redirect_uris

        scopes = self.scopes

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "audience": audience,
                "client_id": client_id,
                "confidential": confidential,
                "created_at": created_at,
                "enabled": enabled,
                "first_party": first_party,
                "grant_types": grant_types,
                "introspection_audiences": introspection_audiences,
                "name": name,
                "previous_secret_expires_at": previous_secret_expires_at,
                "redirect_uris": redirect_uris,
                "scopes": scopes,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_audience(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        audience = _parse_audience(d.pop("audience"))

        client_id = d.pop("client_id")

        confidential = d.pop("confidential")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        enabled = d.pop("enabled")

        first_party = d.pop("first_party")

        grant_types = cast(list[str], d.pop("grant_types"))

        introspection_audiences = cast(list[str], d.pop("introspection_audiences"))

        name = d.pop("name")

        def _parse_previous_secret_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_secret_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return previous_secret_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        previous_secret_expires_at = _parse_previous_secret_expires_at(
            d.pop("previous_secret_expires_at")
        )

        redirect_uris = cast(list[str], d.pop("redirect_uris"))

        scopes = cast(list[str], d.pop("scopes"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        client_read = cls(
            audience=audience,
            client_id=client_id,
            confidential=confidential,
            created_at=created_at,
            enabled=enabled,
            first_party=first_party,
            grant_types=grant_types,
            introspection_audiences=introspection_audiences,
            name=name,
            previous_secret_expires_at=previous_secret_expires_at,
            redirect_uris=redirect_uris,
            scopes=scopes,
            updated_at=updated_at,
        )

        client_read.additional_properties = d
        return client_read

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
