"""The decision lifecycle, without Flask."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cop_vote.domain.errors import DecisionClosed, TransitionNotAllowed
from cop_vote.domain.lifecycle import (
    TRANSITIONS,
    Status,
    check_accepts_ballots,
    check_transition,
    effective_status,
    results_visible,
)

NOW = datetime(2009, 12, 18, 16, 0, tzinfo=UTC)


def test_open_decision_past_its_deadline_is_closed() -> None:
    assert effective_status("open", NOW, NOW) is Status.CLOSED
    assert effective_status("open", NOW + timedelta(seconds=1), NOW) is Status.OPEN
    assert effective_status("open", None, NOW) is Status.OPEN
    assert effective_status("draft", NOW - timedelta(days=1), NOW) is Status.DRAFT


@pytest.mark.parametrize("current", list(Status))
@pytest.mark.parametrize("target", list(Status))
def test_only_listed_transitions_are_allowed(current: Status, target: Status) -> None:
    allowed = {
        (Status.DRAFT, Status.OPEN),
        (Status.DRAFT, Status.WITHDRAWN),
        (Status.OPEN, Status.CLOSED),
        (Status.OPEN, Status.WITHDRAWN),
        (Status.CLOSED, Status.PUBLISHED),
    }
    assert (target in TRANSITIONS[current]) == ((current, target) in allowed)
    if (current, target) in allowed:
        check_transition(current, target)
    else:
        with pytest.raises(TransitionNotAllowed):
            check_transition(current, target)


def test_ballots_refused_at_and_after_the_deadline_with_the_time() -> None:
    check_accepts_ballots("open", NOW + timedelta(minutes=1), NOW)
    with pytest.raises(DecisionClosed) as info:
        check_accepts_ballots("open", NOW, NOW)
    assert info.value.closes_at == NOW
    for status in ("draft", "closed", "published", "withdrawn"):
        with pytest.raises(DecisionClosed):
            check_accepts_ballots(status, None, NOW)


@pytest.mark.parametrize(
    ("visibility", "secrecy", "status", "own", "sealed", "member", "facilitator"),
    [
        ("live", "open", "open", False, False, True, True),
        ("after_own_ballot", "open", "open", False, False, False, True),
        ("after_own_ballot", "open", "open", True, False, True, True),
        ("after_close", "open", "open", True, False, False, True),
        ("after_close", "open", "closed", False, False, True, True),
        ("live", "open", "draft", False, False, False, True),
        ("live", "open", "withdrawn", False, False, False, True),
        # A secret ballot: nobody, the facilitator included, before the cut at close.
        ("live", "secret", "open", True, False, False, False),
        ("after_close", "secret", "closed", True, False, False, False),
        ("after_close", "secret", "closed", False, True, True, True),
        ("live", "secret", "published", False, True, True, True),
        ("after_close", "secret", "withdrawn", False, True, False, True),
    ],
)
def test_results_visibility(
    visibility: str,
    secrecy: str,
    status: str,
    own: bool,
    sealed: bool,
    member: bool,
    facilitator: bool,
) -> None:
    for is_facilitator, expected in ((False, member), (True, facilitator)):
        assert (
            results_visible(
                visibility=visibility,
                secrecy=secrecy,
                status=status,
                has_own_ballot=own,
                is_facilitator=is_facilitator,
                sealed=sealed,
            )
            is expected
        ), (is_facilitator, expected)
