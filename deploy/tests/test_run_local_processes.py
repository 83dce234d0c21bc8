"""How `make run` starts each service process, as the operating system sees it."""

import os
from collections.abc import Iterator

import pytest
import run_local


@pytest.fixture
def gateway_started() -> Iterator[run_local.LocalSystem]:
    # The gateway needs no database to start; the process is only looked at.
    system = run_local.LocalSystem(
        database_url="postgresql://nobody@127.0.0.1:1/none",
        ports=run_local.free_ports(),
        quiet=True,
    )
    system.start("gateway")
    try:
        yield system
    finally:
        system.stop_all()


@pytest.fixture
def gateway_process(gateway_started: run_local.LocalSystem) -> int:
    return gateway_started.processes["gateway"].pid


def test_a_service_is_out_of_reach_of_ctrl_c(gateway_process: int) -> None:
    # A terminal's Ctrl-C goes to its foreground process group: the launcher
    # gets it and stops the services in order, none dies on its own first.
    assert os.getpgid(gateway_process) == gateway_process
    assert os.getpgid(gateway_process) != os.getpgid(0)


def test_a_service_shares_the_launchers_session(gateway_process: int) -> None:
    # Linux schedules each session's processes as one group (autogroup),
    # weighed against other sessions whatever their threads' niceness: in a
    # session of its own, auth-service's low-priority password hashing took
    # a whole group's share of the CPU from the others during a login burst.
    assert os.getsid(gateway_process) == os.getsid(0)


def test_a_running_service_is_not_started_twice(gateway_started: run_local.LocalSystem) -> None:
    # A second process would fail to bind the port, or worse, leave two
    # instances behind (a test's `finally` restarting a service it never stopped).
    first = gateway_started.processes["gateway"]
    with pytest.raises(RuntimeError, match="gateway is already running"):
        gateway_started.start("gateway")
    assert gateway_started.processes["gateway"] is first
