"""Random profiles: our counts agree with the naive reference in ``reference.py``.

Profiles are small (up to 6 options, up to 40 organisations) so ties, cycles,
partial rankings and exhausted ballots come up often; identical ballots are
drawn on purpose so grouping is exercised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cop_vote.domain import ranked
from cop_vote.domain.ballots import METHODS, BallotRules, validate_ballot
from cop_vote.domain.tally import OptionRef, tally

from . import reference

# Ranked rules get the most examples: they are where the counting is subtle.
RANKED = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SIMPLE = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def option_ids(draw: st.DrawFn, min_size: int = 1, max_size: int = 6) -> list[int]:
    return draw(st.lists(st.integers(1, 999), min_size=min_size, max_size=max_size, unique=True))


def options_for(ids: list[int]) -> list[OptionRef]:
    return [OptionRef(oid, f"Option {oid}") for oid in ids]


@st.composite
def ranked_profile(draw: st.DrawFn) -> tuple[list[int], list[list[int]], int]:
    """Option ids, rankings (partial, with repeats) and a number of abstentions."""
    ids = draw(option_ids())
    distinct = draw(
        st.lists(
            st.permutations(ids).flatmap(
                lambda order: st.integers(1, len(order)).map(lambda k: list(order[:k]))
            ),
            min_size=1,
            max_size=8,
        )
    )
    rankings = draw(st.lists(st.sampled_from(distinct), max_size=40))
    return ids, rankings, draw(st.integers(0, 3))


def with_abstentions(ballots: Sequence[Mapping[str, object]], n: int) -> list[Mapping[str, object]]:
    return [*ballots, *([{"abstain": True}] * n)]


@RANKED
@given(ranked_profile())
def test_irv_agrees_with_reference(profile: tuple[list[int], list[list[int]], int]) -> None:
    ids, rankings, abstaining = profile
    ballots = with_abstentions([{"ranking": r} for r in rankings], abstaining)
    result = tally("ranked", options_for(ids), ballots, eligible=50, counting="irv")
    winners, rounds = reference.irv(ids, rankings)
    assert result.winners == winners
    assert result.tie is (len(winners) > 1)
    assert len(result.explanation) == len(rounds)
    for ours, theirs in zip(result.explanation, rounds, strict=True):
        counts = theirs["counts"]
        assert isinstance(counts, dict)
        assert ours["counts"] == {str(oid): n for oid, n in counts.items()}
        assert ours["exhausted"] == theirs["exhausted"]
        assert ours["eliminated"] == theirs["eliminated"]
        assert ours["elected"] == theirs["elected"]
    assert result.ballots_cast == len(rankings) + abstaining
    assert result.abstentions == abstaining
    firsts = {row["id"]: row["first_preferences"] for row in result.options}
    assert firsts == {oid: sum(1 for r in rankings if r[0] == oid) for oid in ids}
    d = reference.pairwise(ids, rankings)
    expected = reference.condorcet_winner(ids, d) if rankings else None
    assert result.extra["condorcet_winner"] == expected


@RANKED
@given(ranked_profile())
def test_schulze_agrees_with_brute_force_reference(
    profile: tuple[list[int], list[list[int]], int],
) -> None:
    ids, rankings, abstaining = profile
    ballots = with_abstentions([{"ranking": r} for r in rankings], abstaining)
    result = tally("ranked", options_for(ids), ballots, eligible=50, counting="schulze")
    winners, d, p = reference.schulze(ids, rankings, brute_force=True)
    assert result.winners == winners
    if rankings:
        assert winners, "Schulze always has a winner"
        keyed = {str(a): {str(b): n for b, n in row.items()} for a, row in d.items()}
        paths = {str(a): {str(b): n for b, n in row.items()} for a, row in p.items()}
        assert result.explanation == [{"pairwise": keyed, "strongest_paths": paths}]
        assert p == reference.strongest_paths_floyd(ids, d)
        condorcet = reference.condorcet_winner(ids, d)
        assert result.extra["condorcet_winner"] == condorcet
        if condorcet is not None:
            assert winners == [condorcet], "Schulze is Condorcet-consistent"
    else:
        assert result.explanation == []


@SIMPLE
@given(ids=option_ids(), data=st.data())
def test_plurality_agrees_with_reference(ids: list[int], data: st.DataObject) -> None:
    choices = data.draw(st.lists(st.sampled_from(ids), max_size=40))
    abstaining = data.draw(st.integers(0, 3))
    ballots = with_abstentions([{"option": c} for c in choices], abstaining)
    result = tally("single_choice", options_for(ids), ballots, eligible=50)
    votes, winners = reference.plurality(ids, choices)
    assert {row["id"]: row["votes"] for row in result.options} == votes
    assert result.winners == winners
    assert result.tie is (len(winners) > 1)


@SIMPLE
@given(ids=option_ids(), data=st.data())
def test_approval_agrees_with_reference(ids: list[int], data: st.DataObject) -> None:
    sets = data.draw(st.lists(st.lists(st.sampled_from(ids), min_size=1, unique=True), max_size=40))
    rules = BallotRules("approval", tuple(ids))
    ballots = [validate_ballot({"options": s}, rules) for s in sets]
    result = tally("approval", options_for(ids), ballots, eligible=50)
    votes, winners = reference.approval(ids, sets)
    assert {row["id"]: row["votes"] for row in result.options} == votes
    assert result.winners == winners


@SIMPLE
@given(ids=option_ids(), max_score=st.integers(1, 10), data=st.data())
def test_score_agrees_with_reference(ids: list[int], max_score: int, data: st.DataObject) -> None:
    raw = data.draw(
        st.lists(
            st.dictionaries(st.sampled_from(ids), st.integers(0, max_score), min_size=1),
            max_size=40,
        )
    )
    rules = BallotRules("score", tuple(ids), max_score=max_score)
    ballots = [validate_ballot({"scores": {str(k): v for k, v in b.items()}}, rules) for b in raw]
    result = tally("score", options_for(ids), ballots, eligible=50, max_score=max_score)
    sums, scored_by, winners = reference.score(ids, raw)
    assert {row["id"]: row["sum"] for row in result.options} == sums
    assert {row["id"]: row["scored_by"] for row in result.options} == scored_by
    for row in result.options:
        oid = row["id"]
        assert isinstance(oid, int)
        mean = row["mean"]
        if scored_by[oid] == 0:
            assert mean is None
        else:
            assert isinstance(mean, float)
            assert abs(mean - sums[oid] / scored_by[oid]) <= 0.005 + 1e-9
    assert result.winners == winners


@SIMPLE
@given(cast=st.integers(0, 60), eligible=st.integers(0, 60), quorum=st.fractions(0, 1))
def test_quorum_matches_exact_arithmetic(cast: int, eligible: int, quorum: Fraction) -> None:
    ballots: list[Mapping[str, object]] = [{"abstain": True}] * cast
    result = tally("approval", options_for([1]), ballots, eligible=eligible, quorum=quorum)
    if eligible == 0:
        assert result.quorum_met is (quorum == 0)
    else:
        assert result.quorum_met is (cast * quorum.denominator >= quorum.numerator * eligible)
    assert result.quorum == quorum


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 1000) | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=2) | st.sampled_from(["1", "2"]), children, max_size=3)
    ),
    max_leaves=6,
)
junk_ballot = st.dictionaries(
    st.sampled_from(
        ["option", "options", "ranking", "scores", "dots", "availability", "position", "abstain"]
    ),
    junk | st.sampled_from([1, 2, [1, 2], {"1": 1}, "agree", "block", True]),
    max_size=2,
)


@SIMPLE
@given(
    method=st.sampled_from(METHODS),
    counting=st.sampled_from(["irv", "schulze"]),
    ballots=st.lists(junk_ballot, max_size=5),
)
def test_tally_refuses_malformed_ballots_with_value_error_only(
    method: str, counting: str, ballots: list[Mapping[str, object]]
) -> None:
    try:
        options = options_for([1] if method == "consent" else [1, 2])
        result = tally(method, options, ballots, eligible=5, counting=counting)
    except ValueError:
        return
    assert result.ballots_cast == len(ballots)


@st.composite
def many_option_profile(draw: st.DrawFn) -> tuple[list[int], list[list[int]]]:
    """Up to 20 options (beyond the bit-set way's limit), partial rankings with repeats."""
    ids = draw(option_ids(min_size=1, max_size=20))
    distinct = draw(
        st.lists(
            st.permutations(ids).flatmap(
                lambda order: st.integers(1, len(order)).map(lambda k: list(order[:k]))
            ),
            min_size=1,
            max_size=8,
        )
    )
    return ids, draw(st.lists(st.sampled_from(distinct), min_size=1, max_size=40))


@SIMPLE
@given(many_option_profile(), st.sampled_from(["irv", "schulze"]))
def test_ranked_counts_agree_both_ways(
    profile: tuple[list[int], list[list[int]]], counting: str
) -> None:
    """Bit sets of the ballots (few options) and the walk over distinct rankings
    (many options) give the same result, rounds and tables included."""
    ids, rankings = profile
    ballots = [{"ranking": r} for r in rankings]

    def count(limit: int) -> dict[str, object]:
        with patch.object(ranked, "_BITSET_MAX_OPTIONS", limit):
            return tally(
                "ranked", options_for(ids), ballots, eligible=50, counting=counting
            ).to_dict()

    by_bits, by_rankings = count(len(ids)), count(len(ids) - 1)
    assert by_bits == by_rankings
    if counting == "irv":
        assert by_bits["winners"] == reference.irv(ids, rankings)[0]


def test_ranked_counts_refuse_a_repeated_option_both_ways() -> None:
    options = options_for([1, 2, 3])
    for limit in (0, 16):
        with patch.object(ranked, "_BITSET_MAX_OPTIONS", limit):
            for counting in ("irv", "schulze"):
                with pytest.raises(ValueError, match="twice"):
                    tally(
                        "ranked", options, [{"ranking": [1, 2, 1]}], eligible=1, counting=counting
                    )


def copies(ballots: Sequence[Mapping[str, object]], times: int) -> list[Mapping[str, object]]:
    """The same ballots cast by ``times`` as many organisations (each a new dict)."""
    return [dict(ballot) for _ in range(times) for ballot in ballots]


@SIMPLE
@given(ids=option_ids(), dots=st.integers(1, 6), data=st.data())
def test_dot_vote_agrees_with_reference(ids: list[int], dots: int, data: st.DataObject) -> None:
    raw = data.draw(
        st.lists(
            st.dictionaries(st.sampled_from(ids), st.integers(1, dots), min_size=1).filter(
                lambda b: sum(b.values()) <= dots
            ),
            max_size=30,
        )
    )
    abstaining = data.draw(st.integers(0, 3))
    rules = BallotRules("dot_vote", tuple(ids), dots=dots)
    ballots = [validate_ballot({"dots": {str(k): v for k, v in b.items()}}, rules) for b in raw]
    result = tally(
        "dot_vote", options_for(ids), with_abstentions(ballots, abstaining), eligible=50, dots=dots
    )
    expected, winners = reference.dot_vote(ids, raw)
    assert {row["id"]: row["dots"] for row in result.options} == expected
    assert [row["id"] for row in result.options] == ids
    assert result.winners == winners
    assert result.tie is (len(winners) > 1)
    assert result.ballots_cast == len(raw) + abstaining
    assert result.abstentions == abstaining
    assert result.extra["dots_per_organisation"] == dots


@SIMPLE
@given(ids=option_ids(), data=st.data())
def test_meeting_time_agrees_with_reference(ids: list[int], data: st.DataObject) -> None:
    raw = data.draw(
        st.lists(
            st.dictionaries(
                st.sampled_from(ids), st.sampled_from(["yes", "if_need_be", "no"]), min_size=1
            ),
            max_size=30,
        )
    )
    abstaining = data.draw(st.integers(0, 3))
    rules = BallotRules("meeting_time", tuple(ids))
    ballots = [
        validate_ballot({"availability": {str(k): v for k, v in b.items()}}, rules) for b in raw
    ]
    result = tally(
        "meeting_time", options_for(ids), with_abstentions(ballots, abstaining), eligible=50
    )
    answers, winners = reference.meeting_time(ids, raw)
    for answer in ("yes", "if_need_be", "no"):
        assert {row["id"]: row[answer] for row in result.options} == answers[answer]
    assert result.winners == winners
    assert result.tie is (len(winners) > 1)
    assert result.ballots_cast == len(raw) + abstaining


consent_ballot = st.one_of(
    st.sampled_from(["agree", "abstain", "disagree"]).map(lambda p: {"position": p}),
    st.text("abc ", min_size=1, max_size=4)
    .filter(str.strip)
    .map(lambda r: {"position": "block", "reason": r}),
    st.just({"abstain": True}),
)


@SIMPLE
@given(raw=st.lists(consent_ballot, max_size=30), proposal=st.booleans())
def test_consent_agrees_with_reference(raw: list[dict[str, object]], proposal: bool) -> None:
    rules = BallotRules("consent", (7,) if proposal else ())
    ballots = [body if body.get("abstain") else validate_ballot(body, rules) for body in raw]
    options = options_for([7]) if proposal else []
    result = tally("consent", options, ballots, eligible=50)
    positions = ["abstain" if b.get("abstain") else str(b["position"]) for b in ballots]
    counts, passed = reference.consent(positions)
    assert result.extra["positions"] == counts
    assert result.extra["passed"] is passed
    assert result.winners == ([7] if passed and proposal else [])
    reasons = sorted(str(b["reason"]).strip() for b in ballots if b.get("position") == "block")
    assert result.extra["blocks"] == [{"reason": r} for r in reasons]
    assert result.ballots_cast == len(raw)
    assert result.abstentions == counts["abstain"]


# Identical ballots from different organisations each count: k organisations
# casting the same ballots multiply every figure by k and keep the winners.
METHOD_BALLOTS: dict[str, list[Mapping[str, object]]] = {
    "single_choice": [{"option": 1}, {"option": 2}, {"option": 1}],
    "approval": [{"options": [1, 2]}, {"options": [2]}],
    "score": [{"scores": {"1": 3, "2": 1}}, {"scores": {"2": 2}}],
    "dot_vote": [{"dots": {"1": 2, "2": 1}}, {"dots": {"2": 1}}],
    "meeting_time": [
        {"availability": {"1": "yes", "2": "if_need_be"}},
        {"availability": {"2": "yes"}},
    ],
}
FIGURES = {
    "single_choice": ("votes",),
    "approval": ("votes",),
    "score": ("sum", "scored_by"),
    "dot_vote": ("dots",),
    "meeting_time": ("yes", "if_need_be", "no"),
}


@SIMPLE
@given(method=st.sampled_from(sorted(METHOD_BALLOTS)), times=st.integers(2, 7))
def test_identical_ballots_from_different_organisations_each_count(method: str, times: int) -> None:
    options = options_for([1, 2])
    once = tally(method, options, METHOD_BALLOTS[method], eligible=50)
    many = tally(method, options, copies(METHOD_BALLOTS[method], times), eligible=50)
    for one, row in zip(once.options, many.options, strict=True):
        for figure in FIGURES[method]:
            assert isinstance(one[figure], int)
            assert row[figure] == times * one[figure], (figure, row, one)  # type: ignore[operator]
    assert many.winners == once.winners
    assert many.ballots_cast == times * once.ballots_cast


@SIMPLE
@given(times=st.integers(2, 7), position=st.sampled_from(["agree", "disagree", "block"]))
def test_identical_consent_positions_each_count(times: int, position: str) -> None:
    body: dict[str, object] = {"position": position}
    if position == "block":
        body["reason"] = "Same reason"
    result = tally("consent", options_for([1]), copies([body], times), eligible=50)
    positions = result.extra["positions"]
    assert isinstance(positions, dict)
    assert positions[position] == times
    blocks = result.extra["blocks"]
    assert isinstance(blocks, list)
    assert len(blocks) == (times if position == "block" else 0)
