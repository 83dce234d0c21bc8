from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NoteRead")


@_attrs_define
class NoteRead:
    """
    Attributes:
        created_date (datetime.datetime):
        description (str):
        id (int):
        title (str):
        updated_date (datetime.datetime):
    """

    created_date: datetime.datetime
    description: str
    id: int
    title: str
    updated_date: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_date = self.created_date.isoformat()

        description = self.description

        id = self.id

        title = self.title

        updated_date = self.updated_date.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_date": created_date,
                "description": description,
                "id": id,
                "title": title,
                "updated_date": updated_date,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_date = datetime.datetime.fromisoformat(d.pop("created_date"))

        description = d.pop("description")

        id = d.pop("id")

        title = d.pop("title")

        updated_date = datetime.datetime.fromisoformat(d.pop("updated_date"))

        note_read = cls(
            created_date=created_date,
            description=description,
            id=id,
            title=title,
            updated_date=updated_date,
        )

        note_read.additional_properties = d
        return note_read

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
