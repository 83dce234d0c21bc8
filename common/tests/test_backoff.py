import random

import pytest

from platform_common.backoff import Backoff


@pytest.mark.parametrize(
    ("attempts", "ceiling"), [(0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0)]
)
def test_doubles_up_to_the_cap_with_half_of_it_random(attempts: int, ceiling: float) -> None:
    backoff = Backoff(base_seconds=2.0, cap_seconds=60.0, rng=random.Random(1))
    delays = [backoff.delay(attempts) for _ in range(200)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert max(delays) - min(delays) > ceiling / 4  # really spread


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    assert Backoff(base_seconds=1.0, cap_seconds=30.0).delay(10**6) <= 30.0
