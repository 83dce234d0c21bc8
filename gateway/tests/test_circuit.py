from gateway.circuit import CircuitBreaker
from platform_common.testing.clock import ManualClock


class TestCircuitBreaker:
    def breaker(self, clock: ManualClock) -> CircuitBreaker:
        return CircuitBreaker(failure_threshold=3, reset_seconds=10, clock=clock)

    def cooled_down(self) -> tuple[ManualClock, CircuitBreaker]:
        """A breaker opened by three failures, its cool-down just over."""
        clock = ManualClock(100.0)
        breaker = self.breaker(clock)
        for _ in range(3):
            breaker.record_failure()
        clock.now += 10
        return clock, breaker

    def test_opens_after_consecutive_failures(self) -> None:
        clock = ManualClock(100.0)
        breaker = self.breaker(clock)
        for _ in range(2):
            assert breaker.allow()
            breaker.record_failure()
        breaker.record_success()  # a success resets the count
        for _ in range(3):
            assert breaker.allow()
            breaker.record_failure()
        assert breaker.state == "open"
        assert not breaker.allow()
        assert breaker.retry_after() == 10
        clock.now += 4.5
        assert breaker.retry_after() == 6

    def test_one_trial_after_cool_down(self) -> None:
        clock, breaker = self.cooled_down()
        assert breaker.state == "half-open"
        assert breaker.allow()
        assert not breaker.allow()  # only one trial at a time
        breaker.record_failure()
        assert breaker.state == "open"
        clock.now += 10
        assert breaker.allow()
        breaker.record_success()
        assert breaker.state == "closed"
        assert breaker.allow()
        assert breaker.allow()

    def test_released_trial_lets_the_next_one_through(self) -> None:
        _, breaker = self.cooled_down()
        assert breaker.allow()
        breaker.release()
        assert breaker.allow()
