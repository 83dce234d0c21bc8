"""Entity tags and the conditional request headers of RFC 9110 §8.8.3 and §13.

A note's ETag is strong and names its id and version (`"<id>.<version>"`);
every write bumps the version in the statement that writes, so the tag
changes whenever the note does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# entity-tag = [ weak ] opaque-tag; weak = %s"W/"; opaque-tag = DQUOTE *etagc DQUOTE
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')


def etag(note_id: int, version: int) -> str:
    return f'"{note_id}.{version}"'


@dataclass(frozen=True, slots=True)
class EntityTags:
    """A parsed If-Match / If-None-Match value: `*`, or the tags it lists."""

    any: bool
    strong: frozenset[str]  # opaque tags (without quotes) sent without W/
    weak: frozenset[str]  # every opaque tag, weak or strong


def parse_entity_tags(value: str) -> EntityTags:
    """Lenient: what cannot be parsed matches nothing (so If-Match fails, If-None-Match passes)."""
    if value.strip() == "*":
        return EntityTags(any=True, strong=frozenset(), weak=frozenset())
    strong: set[str] = set()
    weak: set[str] = set()
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            break
        weak.add(match.group(2))
        if match.group(1) is None:
            strong.add(match.group(2))
        position = match.end()
    return EntityTags(any=False, strong=frozenset(strong), weak=frozenset(weak))


def none_match(value: str | None, note_id: int, version: int) -> bool:
    """If-None-Match uses the weak comparison (§13.1.2): True when it matches the note."""
    if value is None:
        return False
    tags = parse_entity_tags(value)
    return tags.any or etag(note_id, version).strip('"') in tags.weak


@dataclass(frozen=True, slots=True)
class IfMatch:
    """What an If-Match header lets a write change: any existing note, or these versions."""

    any: bool
    versions: frozenset[int]


def parse_if_match(value: str | None, note_id: int) -> IfMatch | None:
    """None without the header (the write is unconditional).

    If-Match uses the strong comparison (§13.1.1): weak tags never match, and
    neither do tags of another note.
    """
    if value is None:
        return None
    tags = parse_entity_tags(value)
    if tags.any:
        return IfMatch(any=True, versions=frozenset())
    versions: set[int] = set()
    prefix = f"{note_id}."
    for tag in tags.strong:
        rest = tag.removeprefix(prefix)
        if rest != tag and rest.isdigit() and len(rest) <= 10:
            versions.add(int(rest))
    return IfMatch(any=False, versions=frozenset(versions))
