"""Selecting several options from a count, and reopening and amending, without Flask."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cop_vote.domain.errors import BallotsSealed, InvalidInput, TransitionNotAllowed
from cop_vote.domain.lifecycle import Status, check_amend, check_reopen
from cop_vote.domain.selection import (
    check_published,
    check_selects,
    selection_of,
    selection_verdict,
)
from cop_vote.domain.tally import OptionRef, tally, verdict

LABELS = ("A", "B", "C", "D", "E")


def rows(key: str, *totals: int) -> list[dict[str, object]]:
    """Count rows in display order: ids 1, 2, ... with ``key`` the total."""
    return [{"id": i, "label": LABELS[i - 1], key: t} for i, t in enumerate(totals, start=1)]


def test_options_are_ranked_by_total_and_level_options_share_a_place() -> None:
    found = selection_of("dot_vote", rows("dots", 1, 5, 3, 3, 0), 3)
    assert found is not None
    assert found.ranking == [(2, 1), (3, 2), (4, 2), (1, 4), (5, 5)]
    assert found.selected == [2, 3, 4]
    assert not found.tie and found.places_left == 0


def test_a_tie_straddling_the_boundary_selects_none_of_the_tied() -> None:
    found = selection_of("dot_vote", rows("dots", 5, 3, 3, 3, 0), 3)
    assert found is not None
    assert found.selected == [1]
    assert found.boundary_tie == [2, 3, 4] and found.places_left == 2
    assert found.tie


def test_a_tie_inside_the_selection_is_no_tie_at_the_boundary() -> None:
    found = selection_of("approval", rows("votes", 4, 4, 2, 1, 1), 3)
    assert found is not None
    assert found.selected == [1, 2, 3] and not found.tie


def test_an_option_without_votes_is_never_selected() -> None:
    found = selection_of("score", rows("sum", 0, 7, 0), 2)
    assert found is not None
    assert found.selected == [2] and not found.tie
    nothing = selection_of("single_choice", rows("votes", 0, 0), 1)
    assert nothing is not None and nothing.selected == [] and not nothing.tie


def test_selecting_one_is_the_single_winner_and_a_tie_at_the_top_is_reported() -> None:
    found = selection_of("single_choice", rows("votes", 2, 2, 1), 1)
    assert found is not None
    assert found.selected == [] and found.boundary_tie == [1, 2] and found.places_left == 1


def test_methods_without_totals_have_no_ranking() -> None:
    assert selection_of("ranked", rows("first_preferences", 1, 2), 1) is None
    assert selection_of("meeting_time", rows("yes", 1, 2), 1) is None
    with pytest.raises(ValueError):
        selection_of("dot_vote", rows("dots", 1), 0)


def test_the_verdict_of_a_selection_names_the_tie_and_the_quorum() -> None:
    options = [OptionRef(i, label) for i, label in enumerate(LABELS, start=1)]
    ballots = [{"dots": {"1": 3}}, {"dots": {"2": 1, "3": 1, "4": 1}}]
    result = tally("dot_vote", options, ballots, eligible=4, quorum=Fraction(3, 4), dots=3)
    found = selection_verdict(result, 3)
    assert not found.rule_met and found.option is None
    assert found.reasons[0].startswith("Quorum not met")
    assert found.reasons[1] == "Tie for 2 remaining places between B, C and D."
    met = tally("dot_vote", options, ballots[:1], eligible=1, dots=3)
    assert selection_verdict(met, 3).rule_met and selection_verdict(met, 3).option == 1
    # Selecting one is the method's own verdict.
    assert selection_verdict(result, 1) == verdict(result)
    assert selection_verdict(met, 1) == verdict(met)


def test_selects_is_a_whole_number_that_the_method_allows() -> None:
    assert check_selects("dot_vote", 3) == 3
    assert check_selects("ranked", 1) == 1
    for method, value in (("ranked", 2), ("dot_vote", 0), ("dot_vote", 101), ("score", True)):
        with pytest.raises(InvalidInput) as refused:
            check_selects(method, value)
        assert "selects" in refused.value.fields


def test_a_published_list_names_each_option_once_and_at_most_selects() -> None:
    check_published([3, 1, 2], 3)
    check_published([], 3)
    with pytest.raises(InvalidInput, match="named twice"):
        check_published([1, 1], 3)
    with pytest.raises(InvalidInput, match="at most 3 options; 4 were given"):
        check_published([1, 2, 3, 4], 3)


def test_only_a_closed_decision_with_open_ballots_is_reopened() -> None:
    check_reopen(Status.CLOSED, secret=False)
    with pytest.raises(BallotsSealed, match="cut from their organisations"):
        check_reopen(Status.CLOSED, secret=True)
    with pytest.raises(TransitionNotAllowed, match="amend its outcome instead"):
        check_reopen(Status.PUBLISHED, secret=False)
    for status in (Status.DRAFT, Status.OPEN, Status.WITHDRAWN):
        with pytest.raises(TransitionNotAllowed, match="Only a closed decision"):
            check_reopen(status, secret=False)


def test_only_a_published_outcome_is_amended() -> None:
    check_amend(Status.PUBLISHED)
    for status in (Status.DRAFT, Status.OPEN, Status.CLOSED, Status.WITHDRAWN):
        with pytest.raises(TransitionNotAllowed):
            check_amend(status)
