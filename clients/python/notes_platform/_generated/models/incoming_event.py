from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.incoming_event_type import IncomingEventType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.data import Data


T = TypeVar("T", bound="IncomingEvent")


@_attrs_define
class IncomingEvent:
    """One note change, as notes-service's outbox publishes it.

    Attributes:
        data (Data): The note as the API answers it; for note.deleted: {"id": ...}
        id (UUID): The outbox row's id: events are deduplicated on it
        note_id (int): The note's id (notes-service's)
        occurred_at (datetime.datetime):
        owner_id (UUID):
        sequence (int): Per note, increasing
        type_ (IncomingEventType):
        traceparent (None | str | Unset): The change's W3C trace context: its deliveries continue the trace (absent: the
            call's traceparent header)
    """

    data: Data
    id: UUID
    note_id: int
    occurred_at: datetime.datetime
    owner_id: UUID
    sequence: int
    type_: IncomingEventType
    traceparent: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        id = str(self.id)

        note_id = self.note_id

        occurred_at = self.occurred_at.isoformat()

        owner_id = str(self.owner_id)

        sequence = self.sequence

        type_ = self.type_.value

        traceparent: None | str | Unset
        if isinstance(self.traceparent, Unset):
            traceparent = UNSET
        else:
            traceparent = self.traceparent

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "id": id,
                "note_id": note_id,
                "occurred_at": occurred_at,
                "owner_id": owner_id,
                "sequence": sequence,
                "type": type_,
            }
        )
        if traceparent is not UNSET:
            field_dict["traceparent"] = traceparent

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.data import Data

        d = dict(src_dict)
        data = Data.from_dict(d.pop("data"))

        id = UUID(d.pop("id"))

        note_id = d.pop("note_id")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        owner_id = UUID(d.pop("owner_id"))

        sequence = d.pop("sequence")

        type_ = IncomingEventType(d.pop("type"))

        def _parse_traceparent(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        traceparent = _parse_traceparent(d.pop("traceparent", UNSET))

        incoming_event = cls(
            data=data,
            id=id,
            note_id=note_id,
            occurred_at=occurred_at,
            owner_id=owner_id,
            sequence=sequence,
            type_=type_,
            traceparent=traceparent,
        )

        incoming_event.additional_properties = d
        return incoming_event

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
