from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RevokedSubject")


@_attrs_define
class RevokedSubject:
    """
    Attributes:
        min_version (int | None):
        sub (str):
    """

    min_version: int | None
    sub: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        min_version: int | None
        min_version = self.min_version

        sub = self.sub

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "min_version": min_version,
                "sub": sub,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_min_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        min_version = _parse_min_version(d.pop("min_version"))

        sub = d.pop("sub")

        revoked_subject = cls(
            min_version=min_version,
            sub=sub,
        )

        revoked_subject.additional_properties = d
        return revoked_subject

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
