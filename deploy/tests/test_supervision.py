"""make run restarts a service process that dies (deploy/supervision.py)."""

from dataclasses import dataclass, field

from supervision import FIRST_DELAY, MAX_DELAY, STABLE_AFTER, Supervisor


@dataclass
class FakeProcess:
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class FakeSystem:
    processes: dict[str, FakeProcess] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)

    def start(self, name: str) -> None:
        self.started.append(name)
        self.processes[name] = FakeProcess()


def supervised() -> tuple[FakeSystem, Supervisor, list[str]]:
    system = FakeSystem({"notes-service": FakeProcess(), "notes-service-2": FakeProcess()})
    lines: list[str] = []
    return system, Supervisor(system, lines.append), lines


class TestSupervisor:
    def test_a_dead_replica_is_restarted_after_the_backoff_alone(self) -> None:
        system, supervisor, lines = supervised()
        supervisor.check(0.0)
        assert system.started == []
        system.processes["notes-service-2"].returncode = -9
        supervisor.check(10.0)
        assert system.started == []  # not yet: the backoff
        assert "notes-service-2 stopped unexpectedly (status -9)" in lines[0]
        supervisor.check(10.0 + FIRST_DELAY)
        assert system.started == ["notes-service-2"]
        assert system.processes["notes-service"].poll() is None  # the other untouched

    def test_repeated_crashes_back_off_up_to_the_cap(self) -> None:
        system, supervisor, _ = supervised()
        now, delays = 0.0, list[float]()
        for _ in range(8):
            system.processes["notes-service"].returncode = 1
            supervisor.check(now)
            due = now
            while system.started.count("notes-service") == len(delays):
                due += 0.5
                supervisor.check(due)
            delays.append(round(due - now, 6))
            now = due + 0.1  # crashes again at once
        assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
        assert max(delays) == MAX_DELAY

    def test_a_stable_process_starts_the_backoff_afresh(self) -> None:
        system, supervisor, _ = supervised()
        for now in (0.0, 1.0):  # two quick crashes: 1 s, then 2 s
            system.processes["notes-service"].returncode = 1
            supervisor.check(now)
            supervisor.check(now + 5)
        system.processes["notes-service"].returncode = 1
        later = 6.0 + STABLE_AFTER
        supervisor.check(later)
        supervisor.check(later + FIRST_DELAY)
        assert system.started.count("notes-service") == 3
