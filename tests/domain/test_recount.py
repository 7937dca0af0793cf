"""Recounting from a ballot record's aggregate tables gives the count's own winners,
and a table that does not follow from the others is pointed out."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cop_vote.domain.recount import record_form, recount_tables, tables_of
from cop_vote.domain.tally import tally

from .test_tally_properties import option_ids, options_for, ranked_profile, with_abstentions

CHECKS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _published(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables as a reader gets them: through JSON."""
    published: dict[str, Any] = json.loads(json.dumps(tables))
    return published


@pytest.mark.parametrize(
    ("method", "secrecy", "form"),
    [
        ("single_choice", "secret", "ballots"),
        ("approval", "secret", "ballots"),
        ("consent", "secret", "ballots"),
        ("ranked", "secret", "tables"),
        ("score", "secret", "tables"),
        ("dot_vote", "secret", "tables"),
        ("meeting_time", "secret", "tables"),
        ("ranked", "open", "ballots"),
        ("discussion", "secret", "none"),
        ("discussion", "open", "none"),
    ],
)
def test_record_form(method: str, secrecy: str, form: str) -> None:
    assert record_form(method, secrecy) == form


@CHECKS
@given(ranked_profile(), st.sampled_from(["irv", "schulze"]))
def test_ranked_tables_recount_to_the_same_winners(
    profile: tuple[list[int], list[list[int]], int], counting: str
) -> None:
    ids, rankings, abstaining = profile
    ballots = with_abstentions([{"ranking": r} for r in rankings], abstaining)
    result = tally("ranked", options_for(ids), ballots, eligible=50, counting=counting)
    again = recount_tables("ranked", ids, _published(tables_of(result)))
    assert again.problems == []
    assert (again.winners, again.tie) == (result.winners, result.tie)


@st.composite
def score_profile(draw: st.DrawFn) -> tuple[str, list[int], list[dict[str, Any]]]:
    method = draw(st.sampled_from(["score", "dot_vote", "meeting_time"]))
    ids = draw(option_ids())
    value = {
        "score": st.integers(0, 5),
        "dot_vote": st.integers(0, 3),
        "meeting_time": st.sampled_from(["yes", "if_need_be", "no"]),
    }[method]
    key = {"score": "scores", "dot_vote": "dots", "meeting_time": "availability"}[method]
    bodies = draw(
        st.lists(
            st.one_of(
                st.none(),  # an abstention
                st.dictionaries(st.sampled_from([str(i) for i in ids]), value, min_size=1),
            ),
            max_size=25,
        )
    )
    ballots = [{"abstain": True} if body is None else {key: body} for body in bodies]
    return method, ids, ballots


@CHECKS
@given(score_profile())
def test_sum_tables_recount_to_the_same_winners(
    profile: tuple[str, list[int], list[dict[str, Any]]],
) -> None:
    method, ids, ballots = profile
    result = tally(method, options_for(ids), ballots, eligible=30)
    again = recount_tables(method, ids, _published(tables_of(result)))
    assert again.problems == []
    assert (again.winners, again.tie) == (result.winners, result.tie)


def _irv() -> tuple[list[int], dict[str, Any]]:
    # Tennessee: Memphis 42, Nashville 26, Chattanooga 15, Knoxville 17 (IRV: Knoxville).
    memphis, nashville, chattanooga, knoxville = 1, 2, 3, 4
    ballots = (
        [{"ranking": [memphis, nashville, chattanooga, knoxville]}] * 42
        + [{"ranking": [nashville, chattanooga, knoxville, memphis]}] * 26
        + [{"ranking": [chattanooga, knoxville, nashville, memphis]}] * 15
        + [{"ranking": [knoxville, chattanooga, nashville, memphis]}] * 17
    )
    ids = [memphis, nashville, chattanooga, knoxville]
    result = tally("ranked", options_for(ids), ballots, eligible=100, counting="irv")
    assert result.winners == [knoxville]
    return ids, _published(tables_of(result))


def test_irv_tables_show_transfers_and_recount() -> None:
    ids, tables = _irv()
    rounds = tables["rounds"]
    assert [r["eliminated"] for r in rounds[:-1]] == [[3], [2]]
    assert rounds[1]["transfers"] == {"1": 0, "2": 0, "4": 15, "exhausted": 0}
    again = recount_tables("ranked", ids, tables)
    assert again.winners == [4] and again.problems == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda t: t["rounds"][0]["counts"].update({"1": 43}), "not conserved"),
        (lambda t: t["rounds"][0].update({"eliminated": [2]}), "eliminated options"),
        (lambda t: t["rounds"][-1].update({"elected": 1}), "not elected"),
        (lambda t: t["rounds"].pop(), "stops before a result"),
        (lambda t: t.update({"ballots": 90}), "not conserved"),
    ],
)
def test_irv_tables_that_do_not_follow_are_pointed_out(change: Any, problem: str) -> None:
    ids, tables = _irv()
    altered = copy.deepcopy(tables)
    change(altered)
    again = recount_tables("ranked", ids, altered)
    assert any(problem in p for p in again.problems), again.problems


def test_schulze_table_recounts_the_published_cycle() -> None:
    # Wikipedia's 45-voter example: winner E.
    a, b, c, d, e = 1, 2, 3, 4, 5
    groups = [
        (5, [a, c, b, e, d]),
        (5, [a, d, e, c, b]),
        (8, [b, e, d, a, c]),
        (3, [c, a, b, e, d]),
        (7, [c, a, e, b, d]),
        (2, [c, b, a, d, e]),
        (7, [d, c, e, b, a]),
        (8, [e, b, a, d, c]),
    ]
    ballots = [{"ranking": r} for n, r in groups for _ in range(n)]
    ids = [a, b, c, d, e]
    result = tally("ranked", options_for(ids), ballots, eligible=45, counting="schulze")
    tables = _published(tables_of(result))
    assert recount_tables("ranked", ids, tables).winners == [e]
    tables["pairwise"]["1"]["5"] = 40  # more ballots than exist compare A and E
    assert recount_tables("ranked", ids, tables).problems


def test_meeting_time_answers_must_add_up() -> None:
    ids = [1, 2]
    ballots = [{"availability": {"1": "yes", "2": "no"}}, {"availability": {"2": "yes"}}]
    tables = _published(tables_of(tally("meeting_time", options_for(ids), ballots, eligible=3)))
    tables["answers"]["1"]["no"] += 1
    assert recount_tables("meeting_time", ids, tables).problems


def test_list_methods_have_no_tables() -> None:
    result = tally("approval", options_for([1, 2]), [{"options": [1]}], eligible=2)
    with pytest.raises(ValueError, match="one by one"):
        tables_of(result)
    with pytest.raises(ValueError, match="one by one"):
        recount_tables("approval", [1, 2], {"ballots": 1, "abstentions": 0})


def _irv_problems(change: Any) -> list[str]:
    ids, tables = _irv()
    altered = copy.deepcopy(tables)
    change(altered)
    return recount_tables("ranked", ids, altered).problems


def test_irv_problems_name_the_round_exactly() -> None:
    def lose(t: dict[str, Any]) -> None:
        # Round 2: Knoxville (4) falls from 17 to 16; the 16 others are exhausted.
        t["rounds"][1]["counts"]["4"] = 16
        t["rounds"][1]["exhausted"] = 16

    assert _irv_problems(lose) == [
        "round 2: an option lost ballots",
        "round 2: the eliminated options are not those with fewest",
        "round 3 counts other options than those continuing",
    ]
    assert _irv_problems(lambda t: t["rounds"][0]["counts"].update({"9": 0})) == [
        "round 1 counts other options than those continuing"
    ]
    assert _irv_problems(lambda t: t["rounds"][1]["counts"].update({"3": 0})) == [
        "round 2 counts other options than those continuing"
    ]
    assert _irv_problems(lambda t: t.update({"rounds": []})) == [
        "no rounds, yet ballots rank options"
    ]
    assert _irv_problems(lambda t: t["rounds"][-1].update({"elected": 1})) == [
        "round 3: 4 has a majority but is not elected"
    ]
    assert _irv_problems(lambda t: t["rounds"].pop()) == [
        "round 2: the count stops before a result"
    ]
    assert _irv_problems(lambda t: t["rounds"].append(copy.deepcopy(t["rounds"][-1]))) == [
        "round 3: the count goes on after a majority"
    ]


def test_no_rounds_and_no_ranking_ballots_is_no_problem() -> None:
    ids, tables = _irv()
    empty = {**tables, "rounds": [], "ballots": 3, "abstentions": 3}
    again = recount_tables("ranked", ids, empty)
    assert (again.winners, again.tie, again.problems) == ([], False, [])


def test_schulze_problems_are_named_exactly() -> None:
    ids = [1, 2, 3]
    ballots = [{"ranking": [1, 2, 3]}, {"ranking": [2, 3, 1]}, {"ranking": [3, 1, 2]}]
    result = tally("ranked", options_for(ids), ballots, eligible=3, counting="schulze")
    tables = _published(tables_of(result))
    again = recount_tables("ranked", ids, tables)
    assert (again.winners, again.tie, again.problems) == ([1, 2, 3], True, [])
    assert recount_tables("ranked", ids, {**tables, "pairwise": {}}).problems == [
        "no pairwise table, yet ballots rank options"
    ]
    none_cast = {**tables, "pairwise": {}, "ballots": 2, "abstentions": 2}
    assert recount_tables("ranked", ids, none_cast).problems == []
    tables["pairwise"]["1"]["2"] = 3
    assert recount_tables("ranked", ids, tables).problems == [
        "a pair is compared on more ballots than rank options"
    ]
