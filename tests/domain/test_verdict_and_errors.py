"""Verdict sentences at their edges, and the errors' own fields."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from cop_vote.domain.errors import (
    Conflict,
    DecisionClosed,
    DomainError,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaleBallot,
    TransitionNotAllowed,
)
from cop_vote.domain.tally import OptionRef, TallyResult, tally, verdict


def test_a_quorum_of_one_organisation_is_said_in_the_singular() -> None:
    result = tally("single_choice", [OptionRef(1, "A")], [], eligible=1, quorum=1)
    assert verdict(result).reasons == [
        "Quorum not met: 0 of 1 organisation cast a ballot; 1 needed (100%).",
        "No organisation voted for any option.",
    ]
    two = tally("single_choice", [OptionRef(1, "A")], [], eligible=2, quorum=1)
    assert verdict(two).reasons == [
        "Quorum not met: 0 of 2 organisations cast a ballot; 2 needed (100%).",
        "No organisation voted for any option.",
    ]


def _consent(extra: dict[str, object]) -> TallyResult:
    return TallyResult(
        method="consent",
        eligible=3,
        ballots_cast=0,
        abstentions=0,
        quorum=Fraction(0),
        quorum_met=True,
        options=[],
        winners=[],
        tie=False,
        explanation=[],
        extra=extra,
    )


def test_a_consent_result_without_positions_is_not_met_and_does_not_fail() -> None:
    extras: list[dict[str, object]] = [{}, {"positions": None}, {"positions": [1, 2]}]
    for extra in extras:
        got = verdict(_consent(extra))
        assert not got.rule_met
        assert got.reasons == ["Agree (0) does not outnumber disagree (0)."]


def test_consent_verdict_counts_blocks_in_the_singular_and_plural() -> None:
    one = verdict(_consent({"positions": {"agree": 3, "disagree": 0, "block": 1}}))
    assert one.reasons == ["Blocked by 1 organisation."]
    two = verdict(_consent({"positions": {"agree": 1, "disagree": 1, "block": 2}}))
    assert two.reasons == [
        "Blocked by 2 organisations.",
        "Agree (1) does not outnumber disagree (1).",
    ]
    passed = verdict(_consent({"positions": {"agree": 2, "disagree": 1, "block": 0}}))
    assert (passed.rule_met, passed.option, passed.reasons) == (True, None, [])


def test_errors_carry_their_message_status_and_code() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    cases: list[tuple[DomainError, int, str]] = [
        (DomainError("m"), 400, "domain_error"),
        (InvalidInput("m", {"f": "why"}), 400, "invalid_input"),
        (NotAllowed("m"), 403, "forbidden"),
        (NotFound("m"), 404, "not_found"),
        (Conflict("m"), 409, "conflict"),
        (TransitionNotAllowed("m"), 409, "transition_not_allowed"),
        (DecisionClosed("m", at), 409, "decision_closed"),
        (StaleBallot("m", {"version": 2}), 409, "stale_ballot"),
        (Conflict("m", code="comments_closed"), 409, "comments_closed"),
    ]
    for error, status, code in cases:
        assert (str(error), error.message, error.status, error.code) == ("m", "m", status, code)
    assert InvalidInput("m", {"f": "why"}).fields == {"f": "why"}
    assert InvalidInput("m").fields == {}
    assert DecisionClosed("m", at).closes_at == at
    assert DecisionClosed("m").closes_at is None
    current = {"version": 2}
    stale = StaleBallot("m", current)
    assert stale.current == {"version": 2} and stale.current is not current
    assert StaleBallot("m").current is None


def test_a_ballot_that_is_not_normalised_is_named_in_the_error() -> None:
    import pytest

    cases: list[tuple[str, dict[str, object], str]] = [
        ("discussion", {"option": 1}, "not a normalised ballot (a discussion has no ballots)"),
        (
            "single_choice",
            {"option": "1"},
            "not a normalised ballot (no 'option' of the right shape)",
        ),
        ("ranked", {"ranking": 1}, "not a normalised ballot (no 'ranking' list)"),
        ("consent", {"position": "maybe"}, "not a normalised ballot (no consent position)"),
    ]
    for method, ballot, why in cases:
        options = [OptionRef(1, "A")]
        with pytest.raises(ValueError) as caught:
            tally(method, options, [ballot], eligible=1)
        assert str(caught.value) == f"{why}: {ballot!r}"


def test_consent_takes_one_proposal_at_most_and_approval_no_repeats() -> None:
    import pytest

    two = [OptionRef(1, "A"), OptionRef(2, "B")]
    with pytest.raises(ValueError) as caught:
        tally("consent", two, [{"position": "agree"}], eligible=1)
    assert str(caught.value) == "a consent decision has at most one option, the proposal"
    with pytest.raises(ValueError) as repeated:
        tally("approval", two, [{"options": [1, 1]}], eligible=1)
    assert str(repeated.value) == "approval ballot repeats an option: (1, 1)"


def test_counting_refuses_an_empty_ranking_or_approval_and_dots_that_are_not_a_number() -> None:
    import pytest

    two = [OptionRef(1, "A"), OptionRef(2, "B")]
    cases: list[tuple[str, dict[str, object], str]] = [
        ("ranked", {"ranking": []}, "a ranking is empty"),
        ("approval", {"options": []}, "not a normalised approval ballot: ()"),
        ("dot_vote", {"dots": {"1": True}}, "not a number of dots: True"),
        ("dot_vote", {"dots": {"1": 1.5}}, "not a number of dots: 1.5"),
        ("dot_vote", {"dots": {"1": -1}}, "not a number of dots: -1"),
    ]
    for method, ballot, why in cases:
        with pytest.raises(ValueError) as caught:
            tally(method, two, [ballot], eligible=1)
        assert str(caught.value) == why, (method, ballot)


def test_names_are_joined_the_english_way() -> None:
    from cop_vote.domain.errors import Message, english_list

    assert english_list([]) == ""
    assert english_list(["Memphis"]) == "Memphis"
    assert english_list(["Memphis", 2]) == "Memphis and 2"
    assert english_list(("A", "B", "C")) == "A, B and C"
    assert Message("Choose %(names)s.", names=["Memphis"]) == "Choose Memphis."
