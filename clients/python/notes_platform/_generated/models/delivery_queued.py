from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Literal, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryQueued")


@_attrs_define
class DeliveryQueued:
    """A delivery due now (a test event, a retry): see its attempts in the deliveries list.

    Attributes:
        id (UUID):
        next_attempt_at (datetime.datetime):
        state (Literal['pending']):
    """

    id: UUID
    next_attempt_at: datetime.datetime
    state: Literal["pending"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        next_attempt_at = self.next_attempt_at.isoformat()

        state = self.state

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "next_attempt_at": next_attempt_at,
                "state": state,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        next_attempt_at = datetime.datetime.fromisoformat(d.pop("next_attempt_at"))

        state = cast(Literal["pending"], d.pop("state"))
        if state != "pending":
            raise ValueError(f"state must match const 'pending', got '{state}'")

        delivery_queued = cls(
            id=id,
            next_attempt_at=next_attempt_at,
            state=state,
        )

        delivery_queued.additional_properties = d
        return delivery_queued

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
