"""Opaque cursors of keyset pagination, and the sort orders they follow.

A cursor names the row a page ends (or starts) at: its sort key and id, the
direction to go from it, the order and a digest of the search it belongs
to. It is base64url JSON, not secret: a client that edits it can only land
elsewhere in its own notes (every query is filtered by owner). Anything that
does not decode to exactly this shape is refused with 422, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# `-` descends. Ties are broken by id in the same direction.
Sort = Literal["created_date", "-created_date", "updated_date", "-updated_date", "title", "-title"]
# Without `sort`: "rank" (best match first) when `q` is given, else "id".
Order = Literal[
    "id",
    "rank",
    "created_date",
    "-created_date",
    "updated_date",
    "-updated_date",
    "title",
    "-title",
]
Direction = Literal["next", "prev"]
KeyValue = datetime | str | float | None
MAX_CURSOR_LENGTH = 512
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"


class InvalidCursor(ValueError):
    pass


def search_digest(q: str | None) -> str:
    return "" if q is None else hashlib.sha256(q.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Cursor:
    order: Order
    search: str  # search_digest(q)
    key: KeyValue  # the sort key's value at the row (None when ordering by id)
    note_id: int
    direction: Direction

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, datetime) else self.key
        payload = {
            "o": self.order,
            "s": self.search,
            "k": key,
            "i": self.note_id,
            "d": self.direction,
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _key(order: Order, value: object) -> KeyValue:
    if order == "id":
        if value is not None:
            raise InvalidCursor
        return None
    if order == "rank":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidCursor
        if not math.isfinite(value):
            raise InvalidCursor
        return float(value)
    if not isinstance(value, str) or len(value) > 64:
        raise InvalidCursor
    if order.lstrip("-") == "title":
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCursor from None
    if moment.tzinfo is None:
        raise InvalidCursor
    return moment


def decode_cursor(text: str, *, order: Order, search: str) -> Cursor:
    """The cursor `text`, which must belong to this order and search."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidCursor from None
    if not isinstance(payload, dict) or set(payload) != {"o", "s", "k", "i", "d"}:
        raise InvalidCursor
    note_id, direction = payload["i"], payload["d"]
    if payload["o"] != order or payload["s"] != search or direction not in ("next", "prev"):
        raise InvalidCursor
    if isinstance(note_id, bool) or not isinstance(note_id, int) or not 0 < note_id < 2**63:
        raise InvalidCursor
    return Cursor(order, search, _key(order, payload["k"]), note_id, direction)
