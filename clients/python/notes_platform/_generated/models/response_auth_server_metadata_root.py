from __future__ import annotations

from typing import Any

from attrs import define as _attrs_define
from attrs import field as _attrs_field
from notes_platform import _model


@_attrs_define
class ResponseAuthServerMetadataRoot(_model.Model):
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    _FIELDS = ()
