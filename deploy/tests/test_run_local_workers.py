"""`<PREFIX>_WORKERS`: how many uvicorn workers `make run` starts per service."""

import pytest
import run_local


def test_each_service_has_its_own_setting() -> None:
    names = {service.name: service.workers_variable for service in run_local.SERVICES}
    assert names == {
        "auth-service": "AUTH_WORKERS",
        "notes-service": "NOTES_WORKERS",
        "webhooks-service": "WEBHOOKS_WORKERS",
        "gateway": "GATEWAY_WORKERS",
    }


@pytest.mark.parametrize(("value", "count"), [(None, 1), ("", 1), ("1", 1), ("3", 3)])
def test_worker_count(value: str | None, count: int) -> None:
    notes = next(s for s in run_local.SERVICES if s.name == "notes-service")
    env = {} if value is None else {"NOTES_WORKERS": value}
    assert run_local.worker_count(notes, env) == count


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_worker_count_refuses_nonsense(value: str) -> None:
    notes = next(s for s in run_local.SERVICES if s.name == "notes-service")
    with pytest.raises(ValueError, match="NOTES_WORKERS"):
        run_local.worker_count(notes, {"NOTES_WORKERS": value})
