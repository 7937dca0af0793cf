"""Counting: published cases from the voting literature, ties, quorum, verdicts."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

from cop_vote.domain.ballots import METHODS
from cop_vote.domain.tally import (
    COUNTING_RULES,
    METHOD_COUNTERS,
    OptionRef,
    TallyResult,
    count_irv,
    count_schulze,
    tally,
    verdict,
)

from . import reference

Ballot = Mapping[str, object]


def opts(*labels: str) -> list[OptionRef]:
    return [OptionRef(i + 1, label) for i, label in enumerate(labels)]


def ranked(profile: Sequence[tuple[int, Sequence[int]]]) -> list[Ballot]:
    return [{"ranking": list(ranking)} for count, ranking in profile for _ in range(count)]


def figure(result: TallyResult, name: str) -> dict[int, object]:
    return {int(str(row["id"])): row[name] for row in result.options}


# --- (1) Tennessee capital: plurality, IRV and Condorcet winners all differ ----------------
# Wikipedia, "Instant-runoff voting" / "Condorcet method", the Tennessee example:
# Memphis 42 %, Nashville 26 %, Chattanooga 15 %, Knoxville 17 %.
M, N, C, K = 1, 2, 3, 4
TENNESSEE = opts("Memphis", "Nashville", "Chattanooga", "Knoxville")
TENNESSEE_PROFILE = [
    (42, [M, N, C, K]),
    (26, [N, C, K, M]),
    (15, [C, K, N, M]),
    (17, [K, C, N, M]),
]


def test_tennessee_plurality_is_memphis() -> None:
    ballots = [{"option": ranking[0]} for count, ranking in TENNESSEE_PROFILE for _ in range(count)]
    result = tally("single_choice", TENNESSEE, ballots, eligible=100)
    assert figure(result, "votes") == {M: 42, N: 26, C: 15, K: 17}
    assert result.winners == [M]
    assert not result.tie


def test_tennessee_irv_is_knoxville() -> None:
    result = tally("ranked", TENNESSEE, ranked(TENNESSEE_PROFILE), eligible=100, counting="irv")
    assert result.winners == [K]
    assert figure(result, "first_preferences") == {M: 42, N: 26, C: 15, K: 17}
    assert result.explanation == [
        {
            "round": 1,
            "counts": {"1": 42, "2": 26, "3": 15, "4": 17},
            "exhausted": 0,
            "eliminated": [C],
            "elected": None,
        },
        {
            "round": 2,
            "counts": {"1": 42, "2": 26, "4": 32},
            "exhausted": 0,
            "eliminated": [N],
            "elected": None,
        },
        {"round": 3, "counts": {"1": 42, "4": 58}, "exhausted": 0, "eliminated": [], "elected": K},
    ]
    assert result.extra == {"condorcet_winner": N, "counting": "irv", "exhausted": 0}


def test_tennessee_schulze_is_nashville_the_condorcet_winner() -> None:
    result = tally("ranked", TENNESSEE, ranked(TENNESSEE_PROFILE), eligible=100, counting="schulze")
    assert result.winners == [N]
    assert result.extra["condorcet_winner"] == N
    pairwise = result.explanation[0]["pairwise"]
    assert isinstance(pairwise, dict)
    assert pairwise["2"] == {"1": 58, "3": 68, "4": 68}
    assert pairwise["1"] == {"2": 42, "3": 42, "4": 42}


def test_ranked_defaults_to_irv() -> None:
    result = tally("ranked", TENNESSEE, ranked(TENNESSEE_PROFILE), eligible=100)
    assert result.extra["counting"] == "irv"
    assert result.winners == [K]


# --- (2) Schulze: the Wikipedia example, 45 voters, a Condorcet cycle, winner E -------------
# Wikipedia, "Schulze method", section "Example" (also Schulze 2011, example 1).
A, B, C_, D, E = 1, 2, 3, 4, 5
SCHULZE_OPTIONS = opts("A", "B", "C", "D", "E")
SCHULZE_PROFILE = [
    (5, [A, C_, B, E, D]),
    (5, [A, D, E, C_, B]),
    (8, [B, E, D, A, C_]),
    (3, [C_, A, B, E, D]),
    (7, [C_, A, E, B, D]),
    (2, [C_, B, A, D, E]),
    (7, [D, C_, E, B, A]),
    (8, [E, B, A, D, C_]),
]
SCHULZE_D = {
    A: {B: 20, C_: 26, D: 30, E: 22},
    B: {A: 25, C_: 16, D: 33, E: 18},
    C_: {A: 19, B: 29, D: 17, E: 24},
    D: {A: 15, B: 12, C_: 28, E: 14},
    E: {A: 23, B: 27, C_: 21, D: 31},
}
SCHULZE_P = {
    A: {B: 28, C_: 28, D: 30, E: 24},
    B: {A: 25, C_: 28, D: 33, E: 24},
    C_: {A: 25, B: 29, D: 29, E: 24},
    D: {A: 25, B: 28, C_: 28, E: 24},
    E: {A: 25, B: 28, C_: 28, D: 31},
}


def keyed(table: dict[int, dict[int, int]]) -> dict[str, dict[str, int]]:
    return {str(a): {str(b): n for b, n in row.items()} for a, row in table.items()}


def test_wikipedia_schulze_example() -> None:
    result = tally(
        "ranked", SCHULZE_OPTIONS, ranked(SCHULZE_PROFILE), eligible=45, counting="schulze"
    )
    assert result.winners == [E]
    assert not result.tie
    assert result.explanation == [
        {"pairwise": keyed(SCHULZE_D), "strongest_paths": keyed(SCHULZE_P)}
    ]
    assert result.extra == {"condorcet_winner": None, "counting": "schulze", "exhausted": 0}
    assert figure(result, "first_preferences") == {A: 10, B: 8, C_: 12, D: 7, E: 8}


def test_wikipedia_schulze_example_agrees_with_reference() -> None:
    rankings = [r for count, r in SCHULZE_PROFILE for _ in range(count)]
    winners, d, p = reference.schulze([A, B, C_, D, E], rankings)
    assert (winners, d, p) == ([E], SCHULZE_D, SCHULZE_P)
    assert reference.condorcet_winner([A, B, C_, D, E], d) is None


# --- (3) IRV with exhausted ballots --------------------------------------------------------


def test_irv_with_exhausted_ballots_needs_a_majority_of_the_rest() -> None:
    # 15 ballots. Round 1: A 6, B 4, C 3, D 2; D out, its ballots go to C.
    # Round 2: A 6, B 4, C 5; B out, its 4 bullet votes exhaust.
    # Round 3: A 6, C 5 of 11 continuing ballots: A has a majority of those
    # (6 > 5.5) though not of all 15 ballots.
    a, b, c, d = 1, 2, 3, 4
    profile = [(6, [a, b]), (4, [b]), (3, [c]), (2, [d, c])]
    result = tally("ranked", opts("A", "B", "C", "D"), ranked(profile), eligible=20)
    assert result.winners == [a]
    assert [r["counts"] for r in result.explanation] == [
        {"1": 6, "2": 4, "3": 3, "4": 2},
        {"1": 6, "2": 4, "3": 5},
        {"1": 6, "3": 5},
    ]
    assert [r["exhausted"] for r in result.explanation] == [0, 0, 4]
    assert [r["eliminated"] for r in result.explanation] == [[d], [b], []]
    assert result.explanation[-1]["elected"] == a
    assert result.extra["exhausted"] == 4
    rankings = [r for count, r in profile for _ in range(count)]
    assert reference.irv([a, b, c, d], rankings)[0] == [a]


def test_irv_ends_in_a_tie_when_everyone_left_ties_for_fewest() -> None:
    a, b, c = 1, 2, 3
    profile = [(2, [a]), (2, [b]), (1, [c, a]), (1, [c, b])]
    result = tally("ranked", opts("A", "B", "C"), ranked(profile), eligible=6)
    # Round 1: A 2, B 2, C 2 -> all tied for fewest: the count ends in a three-way tie.
    assert result.winners == [a, b, c]
    assert result.tie
    assert result.explanation[-1]["elected"] is None


def test_irv_eliminates_tied_fewest_together() -> None:
    a, b, c, d = 1, 2, 3, 4
    profile = [(3, [a]), (2, [b, a]), (1, [c, b]), (1, [d, b])]
    result = tally("ranked", opts("A", "B", "C", "D"), ranked(profile), eligible=7)
    assert result.explanation[0]["eliminated"] == [c, d]
    # Round 2: A 3, B 4 of 7 -> B elected.
    assert result.winners == [b]


def test_irv_zero_first_preferences_go_in_round_one() -> None:
    a, b, c = 1, 2, 3
    result = tally("ranked", opts("A", "B", "C"), ranked([(2, [a, c]), (1, [b])]), eligible=3)
    assert result.explanation == [
        {
            "round": 1,
            "counts": {"1": 2, "2": 1, "3": 0},
            "exhausted": 0,
            "eliminated": [],
            "elected": a,
        }
    ]
    result = tally("ranked", opts("A", "B", "C"), ranked([(1, [a]), (1, [b])]), eligible=2)
    assert result.explanation[0]["eliminated"] == [c]
    assert result.winners == [a, b]
    assert result.tie


def test_irv_single_option() -> None:
    result = tally("ranked", opts("Only"), ranked([(3, [1])]), eligible=3)
    assert result.winners == [1]
    assert result.explanation[0]["elected"] == 1


def test_schulze_reports_ties() -> None:
    result = tally(
        "ranked", opts("A", "B"), ranked([(1, [1, 2]), (1, [2, 1])]), eligible=2, counting="schulze"
    )
    assert result.winners == [1, 2]
    assert result.tie
    assert result.extra["condorcet_winner"] is None


def test_schulze_unranked_options_are_level_and_below_ranked_ones() -> None:
    # One ballot ranks only A: A beats B and C; B and C stay level.
    result = tally(
        "ranked", opts("A", "B", "C"), ranked([(1, [1])]), eligible=1, counting="schulze"
    )
    assert result.explanation[0]["pairwise"] == {
        "1": {"2": 1, "3": 1},
        "2": {"1": 0, "3": 0},
        "3": {"1": 0, "2": 0},
    }
    assert result.winners == [1]
    assert result.extra["condorcet_winner"] == 1


# --- other methods -------------------------------------------------------------------------


def test_plurality_tie_is_reported_with_every_tied_option() -> None:
    ballots = [{"option": 1}, {"option": 2}, {"option": 3}, {"option": 1}, {"option": 2}]
    result = tally("single_choice", opts("A", "B", "C"), ballots, eligible=5)
    assert result.winners == [1, 2]
    assert result.tie
    assert verdict(result).reasons == ["Tie between A and B."]
    assert verdict(result).option is None


def test_approval_counts_and_ties() -> None:
    ballots: list[Ballot] = [
        {"options": [1, 2]},
        {"options": [2, 3]},
        {"options": [1]},
        {"abstain": True},
    ]
    result = tally("approval", opts("A", "B", "C"), ballots, eligible=4)
    assert figure(result, "votes") == {1: 2, 2: 2, 3: 1}
    assert result.winners == [1, 2]
    assert result.ballots_cast == 4
    assert result.abstentions == 1


def test_score_sums_and_means() -> None:
    ballots: list[Ballot] = [
        {"scores": {"1": 5, "2": 0}},
        {"scores": {"1": 2, "2": 4}},
        {"scores": {"1": 1}},
        {"abstain": True},
    ]
    result = tally("score", opts("A", "B", "C"), ballots, eligible=4, max_score=5)
    assert figure(result, "sum") == {1: 8, 2: 4, 3: 0}
    assert figure(result, "scored_by") == {1: 3, 2: 2, 3: 0}
    assert figure(result, "mean") == {1: 2.67, 2: 2.0, 3: None}
    assert result.winners == [1]
    assert result.extra["max_score"] == 5


def test_score_mean_rounds_half_up() -> None:
    ballots = [{"scores": {"1": s}} for s in (1, 1, 1, 1, 1, 0, 0, 0)]  # 5/8 = 0.625
    result = tally("score", opts("A"), ballots, eligible=8)
    assert figure(result, "mean") == {1: 0.63}


def test_dot_vote_totals() -> None:
    ballots = [{"dots": {"1": 2, "3": 1}}, {"dots": {"3": 3}}, {"dots": {"2": 1}}]
    result = tally("dot_vote", opts("A", "B", "C"), ballots, eligible=3, dots=3)
    assert figure(result, "dots") == {1: 2, 2: 1, 3: 4}
    assert result.winners == [3]
    assert result.extra["dots_per_organisation"] == 3


def test_meeting_time_yes_then_if_need_be() -> None:
    ballots: list[Ballot] = [
        {"availability": {"1": "yes", "2": "yes", "3": "if_need_be"}},
        {"availability": {"1": "yes", "2": "yes"}},
        {"availability": {"1": "if_need_be", "2": "no", "3": "yes"}},
        {"availability": {"3": "yes"}},
        {"abstain": True},
    ]
    result = tally("meeting_time", opts("Mon", "Tue", "Wed"), ballots, eligible=6)
    assert figure(result, "yes") == {1: 2, 2: 2, 3: 2}
    assert figure(result, "if_need_be") == {1: 1, 2: 0, 3: 1}
    # Unmentioned slots are "no"; the abstention counts for no slot.
    assert figure(result, "no") == {1: 1, 2: 2, 3: 1}
    assert result.winners == [1, 3]
    assert result.tie
    assert result.abstentions == 1


def test_meeting_time_slot_nobody_can_make_never_wins() -> None:
    ballots: list[Ballot] = [
        {"availability": {"1": "no", "2": "no"}},
        {"availability": {"1": "no"}},
    ]
    result = tally("meeting_time", opts("Mon", "Tue"), ballots, eligible=2)
    assert figure(result, "no") == {1: 2, 2: 2}
    assert result.winners == []
    assert not result.tie
    ballots.append({"availability": {"2": "if_need_be"}})
    assert tally("meeting_time", opts("Mon", "Tue"), ballots, eligible=3).winners == [2]


def test_consent_passes_without_block_when_agree_outnumbers_disagree() -> None:
    ballots: list[Ballot] = [
        {"position": "agree"},
        {"position": "agree", "reason": "Good."},
        {"position": "disagree"},
        {"position": "abstain"},
        {"abstain": True},
    ]
    result = tally("consent", opts("Proposal"), ballots, eligible=5)
    assert result.extra == {
        "positions": {"agree": 2, "abstain": 2, "disagree": 1, "block": 0},
        "blocks": [],
        "passed": True,
    }
    assert result.winners == [1]
    assert result.abstentions == 2
    assert verdict(result).rule_met
    assert verdict(result).option is None
    data = result.to_dict()
    assert data["passed"] is True
    assert data["positions"] == result.extra["positions"]


def test_consent_one_block_stops_it_and_reasons_are_listed_without_order_of_casting() -> None:
    ballots: list[Ballot] = [
        {"position": "agree"},
        {"position": "agree"},
        {"position": "block", "reason": "Too costly."},
        {"position": "block", "reason": "Against our mandate."},
    ]
    result = tally("consent", [], ballots, eligible=4)
    assert result.extra["passed"] is False
    assert result.extra["blocks"] == [
        {"reason": "Against our mandate."},
        {"reason": "Too costly."},
    ]
    assert result.winners == []
    assert verdict(result).reasons == ["Blocked by 2 organisations."]


def test_consent_agree_must_outnumber_disagree() -> None:
    ballots: list[Ballot] = [{"position": "agree"}, {"position": "disagree"}]
    result = tally("consent", [], ballots, eligible=2)
    assert result.extra["passed"] is False
    assert verdict(result).reasons == ["Agree (1) does not outnumber disagree (1)."]
    one_block = tally("consent", [], [{"position": "block", "reason": "No."}], eligible=1)
    assert verdict(one_block).reasons == [
        "Blocked by 1 organisation.",
        "Agree (0) does not outnumber disagree (0).",
    ]


# --- participation and quorum ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("eligible", "quorum", "cast", "met"),
    [
        (3, Fraction(2, 3), 2, True),
        (3, Fraction(2, 3), 1, False),
        (5, 0.6, 3, True),
        (5, Decimal("0.6"), 2, False),
        (15, Fraction(1, 2), 7, False),
        (15, Fraction(1, 2), 8, True),
        (0, Fraction(0), 0, True),
        (0, Fraction(1, 2), 0, False),
        (4, 1, 4, True),
        (4, 1, 3, False),
    ],
)
def test_quorum_is_exact(eligible: int, quorum: object, cast: int, met: bool) -> None:
    ballots = [{"abstain": True}] * cast
    result = tally("single_choice", opts("A"), ballots, eligible=eligible, quorum=quorum)  # type: ignore[arg-type]
    assert result.quorum_met is met
    assert isinstance(result.quorum, Fraction)


def test_float_quorum_means_its_decimal() -> None:
    assert tally("approval", [], [], eligible=3, quorum=0.6).quorum == Fraction(3, 5)


def test_no_ballots() -> None:
    for method in METHODS:
        options = [] if method == "consent" else opts("A", "B")
        result = tally(method, options, [], eligible=3)
        assert result.winners == [], method
        assert result.tie is False
        assert result.ballots_cast == 0
    for counting in COUNTING_RULES:
        result = tally("ranked", opts("A", "B"), [], eligible=3, counting=counting)
        assert result.winners == []
        assert result.explanation == []


def test_abstentions_count_as_cast_but_not_in_figures() -> None:
    ballots: list[Ballot] = [{"option": 1}, {"abstain": True}, {"abstain": True}]
    result = tally("single_choice", opts("A", "B"), ballots, eligible=4, quorum=Fraction(3, 4))
    assert result.ballots_cast == 3
    assert result.abstentions == 2
    assert result.quorum_met
    assert figure(result, "votes") == {1: 1, 2: 0}
    assert result.winners == [1]


def test_only_abstentions_give_no_winner() -> None:
    ballots: list[Ballot] = [{"abstain": True}] * 3
    for method in ("single_choice", "approval", "score", "dot_vote", "meeting_time"):
        result = tally(method, opts("A", "B"), ballots, eligible=3)
        assert result.winners == []
        assert result.tie is False
        assert verdict(result).reasons == ["No organisation voted for any option."]
    result = tally("ranked", opts("A", "B"), ballots, eligible=3, counting="schulze")
    assert result.winners == []


def test_to_dict_is_json() -> None:
    result = tally(
        "ranked",
        SCHULZE_OPTIONS,
        ranked(SCHULZE_PROFILE),
        eligible=50,
        quorum=Fraction(1, 2),
        counting="schulze",
    )
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["quorum"] == 0.5
    assert data["counting"] == "schulze"
    assert data["condorcet_winner"] is None
    irv = tally("ranked", TENNESSEE, ranked(TENNESSEE_PROFILE), eligible=100).to_dict()
    assert json.loads(json.dumps(irv)) == irv


def test_unknown_method_or_counting_or_bad_input_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        tally("lottery", opts("A"), [], eligible=1)
    with pytest.raises(ValueError):
        tally("ranked", opts("A"), [], eligible=1, counting="borda")
    with pytest.raises(ValueError):
        tally("ranked", opts("A"), [{"option": 1}], eligible=1)
    with pytest.raises(ValueError):
        tally("ranked", opts("A"), [{"ranking": [7]}], eligible=1)
    with pytest.raises(ValueError):
        tally("ranked", opts("A", "B"), [{"ranking": [1, 1]}], eligible=1, counting="schulze")
    with pytest.raises(ValueError):
        tally("single_choice", opts("A"), [{"option": 2}], eligible=1)
    with pytest.raises(ValueError):
        tally("single_choice", opts("A"), [], eligible=1, quorum=Fraction(3, 2))
    with pytest.raises(ValueError):
        tally("single_choice", opts("A"), [], eligible=-1)


def test_registry_covers_every_method() -> None:
    assert set(METHOD_COUNTERS) == set(METHODS)
    assert COUNTING_RULES == {"irv": count_irv, "schulze": count_schulze}


# --- verdict --------------------------------------------------------------------------------


def test_verdict_quorum_reason_comes_first() -> None:
    ballots: list[Ballot] = [
        {"option": 1},
        {"option": 1},
        {"option": 1},
        {"option": 2},
        {"option": 2},
    ]
    result = tally("single_choice", opts("A", "B"), ballots, eligible=15, quorum=Fraction(1, 2))
    got = verdict(result)
    assert not got.rule_met
    assert got.option is None
    assert got.reasons == ["Quorum not met: 5 of 15 organisations cast a ballot; 8 needed (50%)."]


def test_verdict_lists_every_reason() -> None:
    ballots: list[Ballot] = [{"option": 1}, {"option": 2}]
    result = tally("single_choice", opts("A", "B"), ballots, eligible=3, quorum=1)
    assert verdict(result).reasons == [
        "Quorum not met: 2 of 3 organisations cast a ballot; 3 needed (100%).",
        "Tie between A and B.",
    ]
    result = tally("single_choice", opts("A"), [{"option": 1}], eligible=3, quorum=Fraction(2, 3))
    assert verdict(result).reasons == [
        "Quorum not met: 1 of 3 organisations cast a ballot; 2 needed (66.7%)."
    ]


def test_verdict_selects_the_single_winner() -> None:
    result = tally("ranked", TENNESSEE, ranked(TENNESSEE_PROFILE), eligible=100, quorum=0.5)
    assert verdict(result).rule_met
    assert verdict(result).option == K
    assert verdict(result).reasons == []


def test_verdict_three_way_tie_names_all() -> None:
    result = tally(
        "ranked", opts("A", "B", "C"), ranked([(1, [1]), (1, [2]), (1, [3])]), eligible=3
    )
    assert verdict(result).reasons == ["Tie between A, B and C."]


def test_verdict_no_eligible() -> None:
    result = tally("single_choice", opts("A"), [], eligible=0, quorum=Fraction(1, 2))
    assert verdict(result).reasons[0] == "Quorum not met: no organisation is eligible to vote."


def test_discussion_has_nothing_to_count() -> None:
    result = tally("discussion", opts("Proposal"), [], eligible=4)
    assert result.winners == []
    assert verdict(result).reasons == ["This decision takes comments only; nothing is counted."]


@pytest.mark.parametrize("m", [3, 12, 13, 16])
def test_pairwise_table_for_many_options_matches_reference(m: int) -> None:
    # 12 options and fewer fold into a flat list, more into a dict: check both.
    rng = random.Random(m)
    ids = list(range(10, 10 + m))
    rankings = [rng.sample(ids, rng.randint(1, m)) for _ in range(300)]
    rankings += rankings[:50]  # repeats, so groups have counts above 1
    result = tally(
        "ranked",
        [OptionRef(i, str(i)) for i in ids],
        [{"ranking": r} for r in rankings],
        eligible=350,
        counting="schulze",
    )
    d = reference.pairwise(ids, rankings)
    assert result.explanation[0]["pairwise"] == keyed(d)
    assert result.explanation[0]["strongest_paths"] == keyed(
        reference.strongest_paths_floyd(ids, d)
    )
    assert result.winners == reference.schulze(ids, rankings, brute_force=False)[0]
    with pytest.raises(ValueError):
        tally(
            "ranked",
            [OptionRef(i, str(i)) for i in ids],
            [{"ranking": [ids[-1], ids[0], ids[-1]]}],
            eligible=1,
        )
