"""`make run` asks the services for readable log lines only when someone watches."""

import pytest
import run_local


def test_a_terminal_gets_console_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert run_local.logging_environment(terminal=True) == {"LOG_FORMAT": "console"}


def test_a_pipe_keeps_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert run_local.logging_environment(terminal=False) == {}


def test_a_chosen_format_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert run_local.logging_environment(terminal=True) == {}
