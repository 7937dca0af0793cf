"""The retry rule for mail delivery: exponential backoff, capped, bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cop_vote.domain.delivery import RetryPolicy


def test_the_delay_doubles_from_the_first_up_to_the_longest() -> None:
    policy = RetryPolicy(timedelta(seconds=30), timedelta(hours=1), max_attempts=12)
    delays = [policy.delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert policy.delay(10**6) == timedelta(hours=1)  # no overflow for a huge count
    assert policy.delay(0) == timedelta(0)


def test_a_mail_is_given_up_when_refused_for_good_or_out_of_attempts() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert not policy.gives_up(1, permanent=False)
    assert not policy.gives_up(2, permanent=False)
    assert policy.gives_up(3, permanent=False)
    assert policy.gives_up(1, permanent=True)


def test_the_defaults_keep_trying_for_about_six_hours() -> None:
    policy = RetryPolicy()
    total = sum((policy.delay(n) for n in range(1, policy.max_attempts)), timedelta(0))
    assert timedelta(hours=5) < total < timedelta(hours=7)


@pytest.mark.parametrize(
    "first, longest, attempts",
    [(0, 10, 3), (10, 5, 3), (10, 10, 0), (-1, 10, 3)],
)
def test_a_policy_that_makes_no_sense_is_refused(first: int, longest: int, attempts: int) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(timedelta(seconds=first), timedelta(seconds=longest), attempts)
