"""notes_platform._model: how every generated model reads and writes its JSON."""

from __future__ import annotations

import datetime
from typing import Any
from uuid import UUID

import pytest

from notes_platform import _model
from notes_platform._generated.models import DeliveryRead, LeakFeedback, NoteWrite
from notes_platform._generated.models.delivery_read_state import DeliveryReadState
from notes_platform._generated.types import UNSET

DELIVERY: dict[str, Any] = {
    "attempts": [
        {
            "attempted_at": "2026-12-07T12:00:00+00:00",
            "duration_ms": 12,
            "error": None,
            "outcome": "delivered",
            "response_excerpt": None,
            "status_code": 200,
        }
    ],
    "created_at": "2026-12-07T12:00:00+00:00",
    "event_id": "5b8f0a7e-4a4f-4b7e-9a59-8f0e6c1d2a3b",
    "event_type": "note.created",
    "id": "6c9f0a7e-4a4f-4b7e-9a59-8f0e6c1d2a3b",
    "next_attempt_at": None,
    "state": "delivered",
}


def test_a_model_reads_its_types_and_writes_the_same_json() -> None:
    delivery = DeliveryRead.from_dict(DELIVERY)
    assert delivery.created_at == datetime.datetime(2026, 12, 7, 12, tzinfo=datetime.UTC)
    assert delivery.event_id == UUID("5b8f0a7e-4a4f-4b7e-9a59-8f0e6c1d2a3b")
    assert delivery.state is DeliveryReadState.DELIVERED
    assert delivery.attempts[0].status_code == 200
    assert delivery.next_attempt_at is None
    assert delivery.to_dict() == DELIVERY


def test_unknown_keys_are_kept_and_written_back() -> None:
    note = NoteWrite.from_dict({"title": "t", "description": "d", "colour": "blue"})
    assert note.additional_properties == {"colour": "blue"}
    assert "colour" in note
    assert note["colour"] == "blue"
    assert note.to_dict() == {"colour": "blue", "title": "t", "description": "d"}


def test_an_optional_field_missing_is_unset_and_left_out() -> None:
    feedback = LeakFeedback.from_dict({"token_raw": "np_pat_x", "token_type": "pat"})
    assert feedback.label is UNSET
    assert feedback.to_dict() == {"token_raw": "np_pat_x", "token_type": "pat"}


def test_a_const_refuses_another_value() -> None:
    with pytest.raises(ValueError, match="true_positive"):
        LeakFeedback.from_dict({"token_raw": "x", "token_type": "pat", "label": "other"})


def test_a_union_with_a_plain_type_keeps_what_no_other_type_reads() -> None:
    either = _model.union(_model.DATETIME, _model.PLAIN)
    assert either.load("2026-12-07") == datetime.datetime(2026, 12, 7)
    assert either.load("not a date") == "not a date"
    assert either.load(None) is None
    assert either.dump(datetime.datetime(2026, 12, 7)) == "2026-12-07T00:00:00"


def test_a_union_without_one_raises_the_last_types_error() -> None:
    either = _model.union(_model.UUID, _model.DATETIME)
    assert either.load("5b8f0a7e-4a4f-4b7e-9a59-8f0e6c1d2a3b") == UUID(
        "5b8f0a7e-4a4f-4b7e-9a59-8f0e6c1d2a3b"
    )
    with pytest.raises(ValueError, match="isoformat"):
        either.load("neither")
    with pytest.raises(TypeError):
        either.load(12)
