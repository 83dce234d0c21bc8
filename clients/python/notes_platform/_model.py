"""What every generated model (`notes_platform._generated.models`) shares.

A model (clients/python/templates/model.py.jinja) is an attrs class that lists
its fields with their JSON name and `Kind`; `Model` reads and writes the JSON
by that list, as openapi-python-client's stock models do field by field: unset
optional fields are left out, other keys are kept in `additional_properties`,
and a union is read as the first of its types that takes the value.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Self
from uuid import UUID as _UUID

from notes_platform._generated.types import UNSET, Unset


@dataclass(frozen=True)
class Kind:
    """How one type is read from JSON (`load`), written back (`dump`) and
    recognised (`holds`); `json_type` is what a union checks before trying it."""

    load: Callable[[Any], Any]
    dump: Callable[[Any], Any]
    holds: Callable[[Any], bool]
    json_type: type | None = None


def _same(value: Any) -> Any:
    return value


PLAIN = Kind(_same, _same, lambda value: True)
DATETIME = Kind(
    datetime.datetime.fromisoformat,
    lambda value: value.isoformat(),
    lambda value: isinstance(value, datetime.datetime),
    str,
)
DATE = Kind(
    datetime.date.fromisoformat,
    lambda value: value.isoformat(),
    lambda value: isinstance(value, datetime.date),
    str,
)
UUID = Kind(_UUID, str, lambda value: isinstance(value, _UUID), str)


def enum(cls: type[Enum]) -> Kind:
    json_type = type(next(iter(cls)).value)
    return Kind(cls, lambda value: value.value, lambda value: isinstance(value, cls), json_type)


def const(expected: Any) -> Kind:
    """The one value the document allows."""

    def load(data: Any) -> Any:
        if data != expected:
            raise ValueError(f"{expected!r} expected, got {data!r}")
        return data

    return Kind(load, _same, lambda value: value == expected)


def model(cls: Callable[[], type[Model]]) -> Kind:
    """`cls` returns the class: models may refer to each other."""
    return Kind(
        lambda data: cls().from_dict(data),
        lambda value: value.to_dict(),
        lambda value: isinstance(value, cls()),
        dict,
    )


def list_of(item: Kind) -> Kind:
    return Kind(
        lambda data: [item.load(value) for value in data],
        lambda value: [item.dump(entry) for entry in value],
        lambda value: isinstance(value, list),
        list,
    )


def union(*kinds: Kind) -> Kind:
    """The first kind that reads the value; a value no kind reads is kept as it
    is when one of them is PLAIN (a string, say), else the last one's error."""
    read = [kind for kind in kinds if kind is not PLAIN]
    keeps_any = len(read) < len(kinds)

    def attempt(kind: Kind, data: Any) -> Any:
        if kind.json_type is not None and not isinstance(data, kind.json_type):
            raise TypeError(f"{kind.json_type.__name__} expected, not {type(data).__name__}")
        return kind.load(data)

    def load(data: Any) -> Any:
        if data is None:
            return None
        for index, kind in enumerate(read):
            if index == len(read) - 1 and not keeps_any:
                return attempt(kind, data)
            try:
                return attempt(kind, data)
            except (TypeError, ValueError, AttributeError, KeyError):
                continue
        return data

    def dump(value: Any) -> Any:
        return next((kind.dump(value) for kind in read if kind.holds(value)), value)

    return Kind(load, dump, lambda value: any(kind.holds(value) for kind in kinds))


@dataclass(frozen=True)
class Field:
    """One field: its attribute, its kind, its JSON name when another, and
    whether the JSON always has it."""

    name: str
    kind: Kind = PLAIN
    key: str | None = None
    required: bool = True

    @property
    def json_name(self) -> str:
        return self.key or self.name


class Model:
    """The base of every generated model class."""

    _FIELDS: ClassVar[Sequence[Field]] = ()
    _ADDITIONAL: ClassVar[Kind] = PLAIN
    additional_properties: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        written = {
            name: self._ADDITIONAL.dump(value) for name, value in self.additional_properties.items()
        }
        for field in self._FIELDS:
            value = getattr(self, field.name)
            if field.required or not isinstance(value, Unset):
                written[field.json_name] = field.kind.dump(value)
        return written

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        data = dict(src_dict)
        values: dict[str, Any] = {}
        for field in cls._FIELDS:
            raw = data.pop(field.json_name) if field.required else data.pop(field.json_name, UNSET)
            values[field.name] = raw if isinstance(raw, Unset) else field.kind.load(raw)
        made = cls(**values)
        made.additional_properties = {
            name: cls._ADDITIONAL.load(value) for name, value in data.items()
        }
        return made

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
