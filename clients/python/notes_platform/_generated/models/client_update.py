from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.client_update_grant_types_item import ClientUpdateGrantTypesItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="ClientUpdate")


@_attrs_define
class ClientUpdate:
    """
    Attributes:
        audience (None | str | Unset):
        enabled (bool | Unset):
        first_party (bool | Unset):
        grant_types (list[ClientUpdateGrantTypesItem] | Unset):
        introspection_audiences (list[str] | Unset):
        name (str | Unset):
        redirect_uris (list[str] | Unset):
        scopes (list[str] | Unset):
    """

    audience: None | str | Unset = UNSET
    enabled: bool | Unset = UNSET
    first_party: bool | Unset = UNSET
    grant_types: list[ClientUpdateGrantTypesItem] | Unset = UNSET
    introspection_audiences: list[str] | Unset = UNSET
    name: str | Unset = UNSET
    redirect_uris: list[str] | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        audience: None | str | Unset
        if isinstance(self.audience, Unset):
            audience = UNSET
        else:
            audience = self.audience

        enabled = self.enabled

        first_party = self.first_party

        grant_types: list[str] | Unset = UNSET
        if not isinstance(self.grant_types, Unset):
            grant_types = []
            for grant_types_item_data in self.grant_types:
                grant_types_item = grant_types_item_data.value
                grant_types.append(grant_types_item)

        introspection_audiences: list[str] | Unset = UNSET
        if not isinstance(self.introspection_audiences, Unset):
            introspection_audiences = self.introspection_audiences

        name = self.name

        redirect_uris: list[str] | Unset = UNSET
        if not isinstance(self.redirect_uris, Unset):
            redirect_uris = self.redirect_uris

        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = self.scopes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if audience is not UNSET:
            field_dict["audience"] = audience
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if first_party is not UNSET:
            field_dict["first_party"] = first_party
        if grant_types is not UNSET:
            field_dict["grant_types"] = grant_types
        if introspection_audiences is not UNSET:
            field_dict["introspection_audiences"] = introspection_audiences
        if name is not UNSET:
            field_dict["name"] = name
        if redirect_uris is not UNSET:
            field_dict["redirect_uris"] = redirect_uris
        if scopes is not UNSET:
            field_dict["scopes"] = scopes

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_audience(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        audience = _parse_audience(d.pop("audience", UNSET))

        enabled = d.pop("enabled", UNSET)

        first_party = d.pop("first_party", UNSET)

        _grant_types = d.pop("grant_types", UNSET)
        grant_types: list[ClientUpdateGrantTypesItem] | Unset = UNSET
        if _grant_types is not UNSET:
            grant_types = []
            for grant_types_item_data in _grant_types:
                grant_types_item = ClientUpdateGrantTypesItem(grant_types_item_data)

                grant_types.append(grant_types_item)

        introspection_audiences = cast(list[str], d.pop("introspection_audiences", UNSET))

        name = d.pop("name", UNSET)

        redirect_uris = cast(list[str], d.pop("redirect_uris", UNSET))

        scopes = cast(list[str], d.pop("scopes", UNSET))

        client_update = cls(
            audience=audience,
            enabled=enabled,
            first_party=first_party,
            grant_types=grant_types,
            introspection_audiences=introspection_audiences,
            name=name,
            redirect_uris=redirect_uris,
            scopes=scopes,
        )

        client_update.additional_properties = d
        return client_update

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
