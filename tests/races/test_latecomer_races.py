"""A latecomer racing the first secret ballot, over HTTP against a four-worker
server. A secret decision takes an organisation into its electorate only
before its first ballot (a later addition would let a vote be inferred by
subtraction). When the facilitator's addition and an organisation's first
ballot arrive at once, exactly one order holds: either the addition is
acknowledged and logged before the ballot, or it is refused with
``secret_ballots_cast`` and changes nothing. The ballot is always accepted."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Elector, Event
from tests.races.drivers import run_threads
from tests.web.helpers import make_decision, option_ids

ROUNDS = 6


def _race(
    live_server: Any, network: dict[str, Any], did: int, late: int, option: int
) -> dict[str, httpx.Response]:
    """The facilitator adds ``late`` while STRO casts its ballot, at once."""
    answers: dict[str, httpx.Response] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def add() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answer = http.post(
                f"{live_server.url}/api/v1/decisions/{did}/electorate",
                headers=network["headers"]["facilitator"],
                json={"organisation": late},
            )
            with lock:
                answers["add"] = answer

    def cast() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answer = http.put(
                f"{live_server.url}/api/v1/decisions/{did}/ballot",
                headers=network["headers"]["stro"],
                json={"option": option},
            )
            with lock:
                answers["cast"] = answer

    run_threads([add, cast])
    return answers


def test_an_addition_and_the_first_secret_ballot_at_once_keep_one_order(
    app: Any, network: dict[str, Any], live_server: Any, make_org: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    outcomes: set[str] = set()
    for n in range(ROUNDS):
        did = make_decision(facilitator, datetime.now(UTC), ballot_secrecy="secret")
        option = option_ids(did)[0]
        late = make_org(f"late-{n}").id  # joined after the opening: not in the electorate
        db.session.commit()
        answers = _race(live_server, network, did, late, option)
        assert answers["cast"].status_code == 200, answers["cast"].text
        added = answers["add"]
        assert added.status_code in (200, 409), added.text
        db.session.expire_all()
        elector = db.session.get(Elector, (did, late))
        logged = {
            kind: ids
            for kind in ("decision.elector_added", "ballot.cast")
            if (
                ids := db.session.scalars(
                    select(Event.id).where(Event.kind == kind, Event.subject == f"decision:{did}")
                ).all()
            )
        }
        if added.status_code == 200:
            outcomes.add("added first")
            assert elector is not None
            # The addition came first in the log, before any ballot of the decision.
            [addition] = logged["decision.elector_added"]
            assert addition < min(logged["ballot.cast"])
        else:
            outcomes.add("refused")
            assert added.json()["error"]["code"] == "secret_ballots_cast"
            assert elector is None
            assert "decision.elector_added" not in logged
        db.session.commit()
    # Over the rounds the race went at least one way (either way is correct).
    assert outcomes
