"""`make run`'s watch over its services: a process that dies is started again
after a backoff (1 s, doubling to 30 s; back to 1 s once it has stayed up a
minute), logged, while the others go on serving. Only Ctrl-C stops them all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
# Up this long after a restart: the next crash starts the backoff afresh.
STABLE_AFTER = 60.0


class Process(Protocol):
    def poll(self) -> int | None: ...

    @property
    def returncode(self) -> int | None: ...


class System(Protocol):
    @property
    def processes(self) -> Mapping[str, Process]: ...

    def start(self, name: str) -> None: ...


@dataclass
class Supervisor:
    system: System
    log: Callable[[str], None]
    # name → (the time its restart is due, the delay used for it)
    _due: dict[str, tuple[float, float]] = field(default_factory=dict)
    _delay: dict[str, float] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)

    def check(self, now: float) -> None:
        """One look at every process: schedule the dead, start the due."""
        for name, process in list(self.system.processes.items()):
            if name in self._due or process.poll() is None:
                continue
            stable = now - self._started.get(name, -STABLE_AFTER) >= STABLE_AFTER
            delay = FIRST_DELAY if stable else min(self._delay.get(name, 0) * 2, MAX_DELAY)
            delay = max(delay, FIRST_DELAY)
            self._delay[name] = delay
            self._due[name] = (now + delay, delay)
            self.log(
                f"{name} stopped unexpectedly (status {process.returncode});"
                f" restarting it in {delay:.0f} s, the others serve meanwhile"
            )
        for name, (due, _delay) in list(self._due.items()):
            if now >= due:
                del self._due[name]
                self._started[name] = now
                self.log(f"{name} restarting")
                self.system.start(name)
