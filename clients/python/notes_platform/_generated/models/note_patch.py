from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model

from ..types import UNSET, Unset


@_attrs_define
class NotePatch(_model.Model):
    """Body of PATCH, a JSON Merge Patch (RFC 7396): the fields given replace the note's.

    Merge Patch's `null` would remove a field, and no field of a note can go:
    `null` is refused like any other invalid value. Unknown fields are ignored.

    """

    description: str | Unset = UNSET
    title: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = (
        _model.Field("description", required=False),
        _model.Field("title", required=False),
    )
