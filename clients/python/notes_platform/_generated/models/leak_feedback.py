from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="LeakFeedback")


@_attrs_define
class LeakFeedback:
    """A token of the report that was live and is now revoked (GitHub's feedback format).

    Attributes:
        token_raw (str):
        token_type (str):
        label (Literal['true_positive'] | Unset):  Default: 'true_positive'.
    """

    token_raw: str
    token_type: str
    label: Literal["true_positive"] | Unset = "true_positive"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        token_raw = self.token_raw

        token_type = self.token_type

        label = self.label

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "token_raw": token_raw,
                "token_type": token_type,
            }
        )
        if label is not UNSET:
            field_dict["label"] = label

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        token_raw = d.pop("token_raw")

        token_type = d.pop("token_type")

        label = cast(Literal["true_positive"] | Unset, d.pop("label", UNSET))
        if label != "true_positive" and not isinstance(label, Unset):
            raise ValueError(f"label must match const 'true_positive', got '{label}'")

        leak_feedback = cls(
            token_raw=token_raw,
            token_type=token_type,
            label=label,
        )

        leak_feedback.additional_properties = d
        return leak_feedback

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
