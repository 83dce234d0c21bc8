from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.client_create_grant_types_item import ClientCreateGrantTypesItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="ClientCreate")


@_attrs_define
class ClientCreate:
    """A client; unset `client_id`: one is made up.

    Attributes:
        confidential (bool):
        grant_types (list[ClientCreateGrantTypesItem]):
        name (str):
        scopes (list[str]):
        audience (None | str | Unset):
        client_id (None | str | Unset):
        first_party (bool | Unset):  Default: False.
        introspection_audiences (list[str] | Unset):
        redirect_uris (list[str] | Unset):
    """

    confidential: bool
    grant_types: list[ClientCreateGrantTypesItem]
    name: str
    scopes: list[str]
    audience: None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    first_party: bool | Unset = False
    introspection_audiences: list[str] | Unset = UNSET
    redirect_uris: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        confidential = self.confidential

        grant_types = []
        for grant_types_item_data in self.grant_types:
            grant_types_item = grant_types_item_data.value
            grant_types.append(grant_types_item)

        name = self.name

        scopes = self.scopes

        audience: None | str | Unset
        if isinstance(self.audience, Unset):
            audience = UNSET
        else:
            audience = self.audience

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        first_party = self.first_party

        introspection_audiences: list[str] | Unset = UNSET
        if not isinstance(self.introspection_audiences, Unset):
            introspection_audiences = self.introspection_audiences

        redirect_uris: list[str] | Unset = UNSET
        if not isinstance(self.redirect_uris, Unset):
            redirect_uris = self.redirect_uris

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "confidential": confidential,
                "grant_types": grant_types,
                "name": name,
                "scopes": scopes,
            }
        )
        if audience is not UNSET:
            field_dict["audience"] = audience
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if first_party is not UNSET:
            field_dict["first_party"] = first_party
        if introspection_audiences is not UNSET:
            field_dict["introspection_audiences"] = introspection_audiences
        if redirect_uris is not UNSET:
            field_dict["redirect_uris"] = redirect_uris

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        confidential = d.pop("confidential")

        grant_types = []
        _grant_types = d.pop("grant_types")
        for grant_types_item_data in _grant_types:
            grant_types_item = ClientCreateGrantTypesItem(grant_types_item_data)

            grant_types.append(grant_types_item)

        name = d.pop("name")

        scopes = cast(list[str], d.pop("scopes"))

        def _parse_audience(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        audience = _parse_audience(d.pop("audience", UNSET))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        first_party = d.pop("first_party", UNSET)

        introspection_audiences = cast(list[str], d.pop("introspection_audiences", UNSET))

        redirect_uris = cast(list[str], d.pop("redirect_uris", UNSET))

        client_create = cls(
            confidential=confidential,
            grant_types=grant_types,
            name=name,
            scopes=scopes,
            audience=audience,
            client_id=client_id,
            first_party=first_party,
            introspection_audiences=introspection_audiences,
            redirect_uris=redirect_uris,
        )

        client_create.additional_properties = d
        return client_create

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
