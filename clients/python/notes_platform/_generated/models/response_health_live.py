from __future__ import annotations

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class ResponseHealthLive(_model.Model):
    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    _FIELDS = ()
