"""Counting once per change, not once per viewer: the tally is kept by the
decision's stamp, which every ballot write replaces."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from cop_vote.services import results, tally_cache

from .conftest import API


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods counted, one entry per count the server made."""
    calls: list[str] = []
    real = results.tally

    def tally(method: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(method)
        return real(method, *args, **kwargs)

    monkeypatch.setattr(results, "tally", tally)
    tally_cache.clear()
    return calls


def test_viewers_share_one_count_until_a_ballot_changes_it(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, counted: list[str]
) -> None:
    decision = make_decision(results_visibility="live")
    url = f"{API}/decisions/{decision['id']}/results"
    headers = network["headers"]
    options = [o["id"] for o in decision["options"]]
    put = client.put(
        f"{API}/decisions/{decision['id']}/ballot",
        json={"option": options[0]},
        headers=headers["adpc"],
    )
    assert put.status_code == 200
    for who in ("facilitator", "adpc", "oxfam1", "observer", "facilitator"):
        answer = client.get(url, headers=headers[who])
        assert answer.status_code == 200
        assert answer.get_json()["ballots_cast"] == 1
    assert counted == ["single_choice"]
    # A colleague's ballot, through the API: the next viewer sees it at once.
    put = client.put(
        f"{API}/decisions/{decision['id']}/ballot",
        json={"option": options[1]},
        headers=headers["stro"],
    )
    assert put.status_code == 200
    answer = client.get(url, headers=headers["observer"]).get_json()
    assert answer["ballots_cast"] == 2
    assert [o["votes"] for o in answer["options"][:2]] == [1, 1]
    assert len(counted) == 2
    # A change and a withdrawal each count again.
    client.put(
        f"{API}/decisions/{decision['id']}/ballot",
        json={"option": options[0]},
        headers=headers["stro"],
    )
    assert [
        o["votes"] for o in client.get(url, headers=headers["adpc"]).get_json()["options"][:2]
    ] == [2, 0]
    client.delete(f"{API}/decisions/{decision['id']}/ballot", headers=headers["stro"])
    assert client.get(url, headers=headers["adpc"]).get_json()["ballots_cast"] == 1
    assert len(counted) == 4


def test_a_cached_count_is_a_copy(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, counted: list[str]
) -> None:
    decision = make_decision(results_visibility="live")
    url = f"{API}/decisions/{decision['id']}/results"
    first = client.get(url, headers=network["headers"]["facilitator"]).get_json()
    from cop_vote.extensions import db
    from cop_vote.models import Decision

    found = db.session.get(Decision, decision["id"])
    assert found is not None
    results.count(found).options.clear()  # a caller that changes what it got
    second = client.get(url, headers=network["headers"]["facilitator"]).get_json()
    assert second == first
    assert len(counted) == 1


def test_an_organisation_added_to_the_electorate_counts_in_the_next_view(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Any,
    make_org: Any,
    counted: list[str],
) -> None:
    """A latecomer changes ``eligible`` (turnout, quorum) and the kinds'
    table: a count kept from before the addition is not shown after it."""
    decision = make_decision(results_visibility="live", quorum=0.5)
    did = decision["id"]
    headers = network["headers"]
    put = client.put(
        f"{API}/decisions/{did}/ballot",
        json={"option": decision["options"][0]["id"]},
        headers=headers["adpc"],
    )
    assert put.status_code == 200
    url = f"{API}/decisions/{did}/results"
    before = client.get(url, headers=headers["observer"]).get_json()
    assert (before["eligible"], before["quorum_met"]) == (3, False)
    late = make_org("mdf", name="Migrant Development Forum", kind="diaspora")
    added = client.post(
        f"{API}/decisions/{did}/electorate",
        headers=headers["facilitator"],
        json={"organisation": late.id},
    )
    assert added.status_code == 200, added.get_json()
    after = client.get(url, headers=headers["observer"]).get_json()
    assert after["eligible"] == 4
    assert _eligible_by_kind(after)["diaspora"] == _eligible_by_kind(before)["diaspora"] + 1
    assert len(counted) == 2


def _eligible_by_kind(result: dict[str, Any]) -> dict[str, int]:
    """Eligible organisations per kind in a results object (0 for a kind not listed)."""
    return {"diaspora": 0, **{row["kind"]: row["eligible"] for row in result["by_kind"]}}
