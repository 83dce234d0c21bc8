"""Path safety: which request paths the gateway agrees to look at.

Paths are checked before any routing decision: a path that could mean one
thing to the gateway and another to a service (dot segments, encoded slashes,
doubled slashes) is refused rather than normalised, since the services route
on the same path and must never be reached at a place the gateway did not mean.
"""

from __future__ import annotations

import re

# Percent-escapes that decode to a path separator, a dot, a NUL or another
# escape (double encoding), in either case.
_SUSPICIOUS_ESCAPES = re.compile(rb"%(2f|5c|2e|00|25)", re.IGNORECASE)
_CONTROL_OR_BACKSLASH = re.compile(r"[\x00-\x1f\x7f\\]")


def is_clean_path(path: str, raw_path: bytes | None) -> bool:
    if not path.startswith("/") or "//" in path or _CONTROL_OR_BACKSLASH.search(path):
        return False
    if raw_path is not None and _SUSPICIOUS_ESCAPES.search(raw_path):
        return False
    if "/." in path:
        # `.well-known` is a real segment; `.` and `..` (also as `..;param`,
        # which some servers still read as `..`) are not.
        return all(s.split(";", 1)[0] not in (".", "..") for s in path.split("/"))
    return True


def without_trailing_slash(path: str) -> str:
    return path[:-1] if len(path) > 1 and path.endswith("/") else path
