"""Declared majority rules, results by kind and the double majority (domain only)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop_vote.domain.by_kind import MIN_GROUP, by_kind
from cop_vote.domain.majority import (
    MajorityRule,
    apply_rule,
    check_majority,
    parse_share,
)
from cop_vote.domain.tally import OptionRef, Verdict, tally, verdict

OPTIONS = [OptionRef(1, "Network"), OptionRef(2, "Platform")]
ABSTAIN: dict[str, object] = {"abstain": True}
FOR_A: dict[str, object] = {"option": 1}
FOR_B: dict[str, object] = {"option": 2}


def _ballots(for_a: int, for_b: int, abstaining: int = 0) -> list[dict[str, object]]:
    return [FOR_A] * for_a + [FOR_B] * for_b + [ABSTAIN] * abstaining


def _met(
    rule: MajorityRule, for_a: int, for_b: int, abstaining: int = 0, eligible: int = 0
) -> Verdict:
    ballots = _ballots(for_a, for_b, abstaining)
    result = tally("single_choice", OPTIONS, ballots, eligible=eligible or len(ballots))
    return apply_rule(verdict(result), result, rule)


TWO_THIRDS_CAST = MajorityRule("two_thirds", "cast")
TWO_THIRDS_OPTIONS = MajorityRule("two_thirds", "option_ballots")


@pytest.mark.parametrize(
    ("rule", "for_a", "for_b", "abstaining", "met"),
    [
        # 6 of 9 cast is exactly two thirds; abstentions count in the base.
        (TWO_THIRDS_CAST, 6, 1, 2, True),
        (TWO_THIRDS_CAST, 5, 2, 2, False),  # one ballot below
        (TWO_THIRDS_CAST, 6, 0, 4, False),  # 6 of 10: abstentions weigh against
        # The same ballots with abstentions left out of the base.
        (TWO_THIRDS_OPTIONS, 6, 3, 4, True),  # 6 of 9 for an option
        (TWO_THIRDS_OPTIONS, 5, 3, 4, False),  # 5 of 8: one below 2/3 (16/3 needed)
        (TWO_THIRDS_OPTIONS, 6, 0, 4, True),
        # Absolute: more than half, so exactly half is not enough.
        (MajorityRule("absolute", "cast"), 4, 3, 1, False),
        (MajorityRule("absolute", "cast"), 5, 3, 0, True),
        (MajorityRule("fraction", "cast", Fraction(3, 5)), 3, 2, 0, True),
        (MajorityRule("fraction", "cast", Fraction(3, 5)), 5, 4, 0, False),
        (MajorityRule(), 2, 1, 7, True),
    ],
)
def test_rule_table(rule: MajorityRule, for_a: int, for_b: int, abstaining: int, met: bool) -> None:
    found = _met(rule, for_a, for_b, abstaining)
    assert found.rule_met is met
    assert (found.option == 1) is met


def test_the_electorate_base_counts_who_did_not_vote() -> None:
    rule = MajorityRule("absolute", "electorate")
    assert not _met(rule, 5, 0, eligible=10).rule_met
    assert _met(rule, 6, 0, eligible=10).rule_met


def test_the_reason_says_the_rule_the_base_and_what_was_needed() -> None:
    found = _met(TWO_THIRDS_CAST, 5, 2, 2)
    assert found.reasons == [
        "Not carried: Network has the support of 5 of 9 organisations; 6 needed for "
        "a two-thirds majority (at least two thirds) of the ballots cast, abstentions included."
    ]


@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 40),
    st.fractions(Fraction(1, 100), Fraction(99, 100)),
    st.sampled_from(["option_ballots", "cast"]),
)
def test_needed_is_the_exact_threshold(
    for_a: int, for_b: int, abstaining: int, share: Fraction, base: str
) -> None:
    rule = MajorityRule("fraction", base, share)
    ballots = _ballots(for_a, for_b, abstaining)
    result = tally("single_choice", OPTIONS, ballots, eligible=len(ballots))
    check = check_majority(result, rule, 1)
    size = for_a + for_b + (abstaining if base == "cast" else 0)
    assert check.base == size
    assert check.met is (size > 0 and Fraction(for_a, size) >= share)
    if size:
        # needed is the least support that reaches the share.
        assert Fraction(check.needed, size) >= share
        assert check.needed == 0 or Fraction(check.needed - 1, size) < share


def test_a_quorum_failure_and_a_majority_failure_are_both_said() -> None:
    ballots = _ballots(3, 2)
    result = tally("single_choice", OPTIONS, ballots, eligible=12, quorum=Fraction(1, 2))
    found = apply_rule(verdict(result), result, TWO_THIRDS_CAST)
    assert not found.rule_met
    assert len(found.reasons) == 2
    assert found.reasons[0].startswith("Quorum not met: 5 of 12")
    assert found.reasons[1].startswith("Not carried: Network has the support of 3 of 5")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plurality",), "unknown majority rule"),
        (("absolute", "people"), "unknown majority base"),
        (("fraction", "cast"), "a share goes with"),
        (("two_thirds", "cast", Fraction(1, 2)), "a share goes with"),
        (("fraction", "cast", Fraction(1)), "above 0 and below 1"),
    ],
)
def test_bad_rules_are_refused(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MajorityRule(*args)  # type: ignore[arg-type]


def test_shares_are_read_exactly() -> None:
    assert parse_share("2/3") == Fraction(2, 3)
    assert parse_share("0.6") == Fraction(3, 5)
    for bad in ("1", "0", "x", "1/0", "-1/2"):
        with pytest.raises(ValueError):
            parse_share(bad)


def test_a_rule_other_than_relative_needs_a_count_of_organisations() -> None:
    result = tally("dot_vote", OPTIONS, [], eligible=1)
    with pytest.raises(ValueError, match="does not apply"):
        check_majority(result, TWO_THIRDS_CAST, 1)


# --- by kind ---------------------------------------------------------------


def _kinds(*groups: tuple[str, int, int]) -> list[tuple[str, dict[str, object]]]:
    return [(k, FOR_A) for k, a, _ in groups for _ in range(a)] + [
        (k, FOR_B) for k, _, b in groups for _ in range(b)
    ]


def test_leads_is_the_method_applied_to_each_kind_alone() -> None:
    ballots = _kinds(("ngo", 6, 1), ("diaspora", 1, 3), ("knowledge", 1, 1))
    eligible = {"diaspora": 5, "ngo": 9, "knowledge": 1, "government": 0}
    rows = by_kind("single_choice", OPTIONS, ballots, eligible, 1, secret=False)
    assert [(r.kind, r.ballots, r.winners, r.leads, r.tie) for r in rows] == [
        ("diaspora", 4, [2], False, False),
        ("ngo", 7, [1], True, False),
        ("knowledge", 2, [1, 2], False, True),
    ]


def test_a_double_majority_fails_where_the_winner_does_not_lead() -> None:
    ballots = _kinds(("ngo", 6, 1), ("diaspora", 1, 3))
    contents = [ballot for _, ballot in ballots]
    result = tally("single_choice", OPTIONS, contents, eligible=11)
    rows = by_kind("single_choice", OPTIONS, ballots, {"diaspora": 5, "ngo": 6}, 1, secret=False)
    rule = MajorityRule(kinds=("diaspora", "ngo"))
    found = apply_rule(verdict(result), result, rule, rows)
    assert not found.rule_met and found.option is None
    assert found.reasons == [
        "Not carried among diaspora organisations: Network does not lead there, "
        "and this decision requires a double majority."
    ]
    assert apply_rule(verdict(result), result, MajorityRule(kinds=("ngo",)), rows).rule_met


def test_small_groups_of_a_secret_decision_are_hidden_with_a_second_one() -> None:
    ballots = _kinds(("ngo", 5, 1), ("diaspora", 1, 1), ("knowledge", 2, 2))
    eligible = {"diaspora": 5, "ngo": 9, "knowledge": 4}
    rows = {r.kind: r for r in by_kind("single_choice", OPTIONS, ballots, eligible, 1, secret=True)}
    assert rows["diaspora"].ballots == MIN_GROUP - 1
    assert not rows["diaspora"].shown
    # With one kind hidden its figures would follow from the totals: the
    # smallest other kind is hidden too.
    assert not rows["knowledge"].shown
    assert rows["ngo"].shown
    assert rows["knowledge"].to_dict()["winners"] is None
    assert by_kind("single_choice", OPTIONS, ballots, eligible, 1, secret=False)[0].shown


def test_a_kind_at_the_threshold_is_shown() -> None:
    ballots = _kinds(("ngo", 3, 0), ("diaspora", 2, 1))
    rows = by_kind("single_choice", OPTIONS, ballots, {"diaspora": 3, "ngo": 3}, 1, secret=True)
    assert all(r.shown for r in rows)


def test_a_ballot_of_a_kind_without_electors_is_refused() -> None:
    with pytest.raises(ValueError, match="no electors"):
        by_kind("single_choice", OPTIONS, _kinds(("ngo", 1, 0)), {"diaspora": 1}, 1, secret=False)


@pytest.mark.parametrize("diaspora", [(1, 0), (0, 1), (2, 0), (1, 1)])
def test_a_secret_double_majority_says_nothing_of_a_small_kind(diaspora: tuple[int, int]) -> None:
    # The lone (or two) diaspora ballots go either way; the verdict is the same.
    ballots = _kinds(("ngo", 5, 1), ("diaspora", *diaspora))
    contents = [ballot for _, ballot in ballots]
    result = tally("single_choice", OPTIONS, contents, eligible=9)
    eligible = {"diaspora": 3, "ngo": 6}
    rows = by_kind("single_choice", OPTIONS, ballots, eligible, 1, secret=True)
    found = apply_rule(verdict(result), result, MajorityRule(kinds=("diaspora",)), rows)
    assert not found.rule_met and found.option is None
    assert found.reasons == [
        "Not carried: too few ballots among diaspora organisations to check the double "
        "majority without revealing how they voted (fewer than 3 in a secret decision)."
    ]
    # The same ballots in an open decision: the kind is counted.
    rows = by_kind("single_choice", OPTIONS, ballots, eligible, 1, secret=False)
    carried = apply_rule(verdict(result), result, MajorityRule(kinds=("diaspora",)), rows)
    assert carried.rule_met is (diaspora[0] > diaspora[1])
