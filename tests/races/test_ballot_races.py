"""Races over HTTP against a four-worker server, on SQLite and PostgreSQL.

The product's promise: an organisation's one ballot counts exactly as it was
acknowledged. These tests race the real doors (the member's ballot form,
with and without htmx, the API, and the facilitator's record-a-ballot form)
against the facilitator's close, against the deadline, and against
colleagues of the same organisation, then hold every acknowledgement against
the database: nothing written after close, every acknowledgement equal to the
write it answers, the last acknowledged write counted, nothing lost, nothing
doubled, no 5xx.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Ballot, BallotChange, Decision
from tests.races.drivers import (
    Outcomes,
    Recorder,
    Voter,
    browser_for,
    check_acknowledgements,
    check_last_acknowledged_wins,
    check_nothing_after_close,
    decision_lock,
    keep_writing,
    run_threads,
    wait_until,
)
from tests.web.helpers import make_decision, option_ids


def _voters(server: Any, network: dict[str, Any], now: Any) -> dict[str, Voter]:
    people = network["people"]
    return {
        key: Voter(
            people[key].id,
            people[key].organisation_id,
            browser_for(server, people[key].email, now),
            network["headers"][key],
        )
        for key in ("adpc", "oxfam1", "oxfam2", "stro")
    }


def test_ballots_racing_the_facilitators_close(
    app: Any, network: dict[str, Any], live_server: Any, clock: Any
) -> None:
    """Writers on every door keep casting while the facilitator closes, three times."""
    facilitator = network["people"]["facilitator"]
    voters = _voters(live_server, network, clock.now)
    recorder = Recorder(facilitator.id, browser_for(live_server, facilitator.email, clock.now))
    # The close comes from a session of its own: a response of one session's
    # concurrent requests replaces the cookie (and the notice in it) the other set.
    closer = Recorder(facilitator.id, browser_for(live_server, facilitator.email, clock.now))
    stro_id = network["orgs"]["stro"].id
    for round_number in range(3):
        decision_id = make_decision(facilitator, datetime.now(UTC), title=f"Round {round_number}")
        options = option_ids(decision_id)
        db.session.commit()
        out = Outcomes()
        stop = threading.Event()
        writers = [
            partial(
                keep_writing,
                stop,
                partial(voters["adpc"].via_api, decision_id, out=out),
                options,
                0,
            ),
            partial(
                keep_writing,
                stop,
                partial(voters["oxfam1"].via_form, decision_id, out=out, htmx=True),
                options,
                1,
            ),
            partial(
                keep_writing,
                stop,
                partial(voters["oxfam2"].via_form, decision_id, out=out, htmx=False),
                options,
                2,
            ),
            partial(
                keep_writing,
                stop,
                partial(recorder.record, decision_id, "stro", stro_id, out=out),
                options,
                0,
            ),
        ]
        closed: list[int] = []

        def close_midway(
            decision_id: int, closed: list[int], stop: threading.Event, out: Outcomes
        ) -> None:
            # Close once every door has been acknowledged at least once (however
            # slow the machine), at a random moment amid the writes.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with out.lock:
                    channels = {a.channel for a in out.acks}
                if channels >= {"api", "htmx", "form", "record"}:
                    break
                time.sleep(0.05)
            time.sleep(random.uniform(0.0, 0.3))
            closed.append(closer.close(decision_id))
            time.sleep(0.5)
            stop.set()

        run_threads([*writers, partial(close_midway, decision_id, closed, stop, out)])
        assert closed == [303]
        assert out.server_errors == []
        assert {a.channel for a in out.acks} == {"api", "htmx", "form", "record"}, out.statuses
        check_nothing_after_close(decision_id)
        check_acknowledgements(decision_id, out)
        check_last_acknowledged_wins(decision_id, out)
        refused = [c for c, s in out.statuses if s == 409 or c.endswith(("-refused", "-page"))]
        assert refused, out.statuses  # the writers did run into the close
    assert live_server.server_errors() == []


def test_colleagues_writing_at_once_each_get_their_own_acknowledgement(
    app: Any, network: dict[str, Any], live_server: Any, clock: Any
) -> None:
    """Two representatives of one organisation write at the same moment, many times over."""
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    options = option_ids(decision_id)
    voters = _voters(live_server, network, clock.now)
    db.session.commit()
    out = Outcomes()
    doors = [
        partial(voters["oxfam1"].via_api, decision_id, out=out),
        partial(voters["oxfam2"].via_api, decision_id, out=out),
        partial(voters["oxfam1"].via_api, decision_id, out=out),
        partial(voters["oxfam2"].via_api, decision_id, out=out),
        partial(voters["oxfam1"].via_form, decision_id, out=out, htmx=True),
        partial(voters["oxfam2"].via_form, decision_id, out=out, htmx=False),
    ]
    rounds = 10
    for round_number in range(rounds):
        barrier = threading.Barrier(len(doors))

        def at_once(door: Any, option: int, barrier: threading.Barrier = barrier) -> None:
            barrier.wait(timeout=30)
            door(option)

        run_threads(
            [
                partial(at_once, door, options[(round_number + i) % len(options)])
                for i, door in enumerate(doors)
            ]
        )
    assert out.server_errors == []
    # Without a version the API replaces whatever is current: it is never stale.
    assert len([a for a in out.acks if a.channel == "api"]) == 4 * rounds
    check_acknowledgements(decision_id, out)
    check_last_acknowledged_wins(decision_id, out)
    oxfam = network["orgs"]["oxfam"].id
    rows = db.session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.organisation_id == oxfam)
    ).scalar()
    versions = (
        db.session.execute(select(BallotChange.version).order_by(BallotChange.version))
        .scalars()
        .all()
    )
    db.session.commit()
    assert rows == 1
    assert versions == list(range(1, len(versions) + 1))
    assert live_server.server_errors() == []


def test_a_write_waiting_for_the_lock_past_the_deadline_is_refused(
    app: Any, network: dict[str, Any], live_server: Any, database_url: str
) -> None:
    """The clock is read under the lock: a write that waited past the deadline is late."""
    facilitator = network["people"]["facilitator"]
    start = datetime.now(UTC)
    decision_id = make_decision(facilitator, start, days=1)
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    decision.closes_at = start + timedelta(seconds=3)
    db.session.commit()
    option = option_ids(decision_id)[0]
    db.session.commit()
    headers = network["headers"]["adpc"]
    answers: list[httpx.Response] = []
    deadline = time.monotonic() + (decision.closes_at - datetime.now(UTC)).total_seconds()
    db.session.commit()
    with decision_lock(database_url, decision_id):
        sender = threading.Thread(
            target=lambda: answers.append(
                httpx.put(
                    f"{live_server.url}/api/v1/decisions/{decision_id}/ballot",
                    json={"option": option},
                    headers=headers,
                    timeout=60,
                )
            )
        )
        sender.start()
        wait_until(deadline + 1.0)  # the request waits on the lock past the deadline
    sender.join(timeout=60)
    assert len(answers) == 1
    assert answers[0].status_code == 409, answers[0].text
    assert answers[0].json()["error"]["code"] == "decision_closed"
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar() == 0
    db.session.commit()


def test_a_form_ballot_waiting_while_the_decision_closes_is_refused(
    app: Any, network: dict[str, Any], live_server: Any, database_url: str, clock: Any
) -> None:
    """The form's view read the decision while open; the close commits while the
    ballot waits for the lock; the ballot must see the close, not the page's copy."""
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    option = option_ids(decision_id)[0]
    voter = _voters(live_server, network, clock.now)["adpc"]
    page = voter.browser.get(f"/decisions/{decision_id}")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    out = Outcomes()
    db.session.commit()
    with decision_lock(database_url, decision_id) as run:
        sender = threading.Thread(
            target=lambda: out.add(
                "form",
                voter.browser.post(
                    f"/decisions/{decision_id}/ballot",
                    data={"csrf_token": token, "version": "0", "option": str(option)},
                ).status_code,
            )
        )
        sender.start()
        time.sleep(1.0)  # the request is waiting for the lock
        closed_at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        run(
            f"UPDATE decision SET status = 'closed', closed_at = '{closed_at}' "
            f"WHERE id = {decision_id}"
        )
    sender.join(timeout=60)
    assert out.statuses == [("form", 409)]
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar() == 0
    db.session.commit()


def test_casts_based_on_no_ballot_after_a_withdrawal_let_one_through(
    app: Any, network: dict[str, Any], live_server: Any
) -> None:
    """Version 0 means "no cast ballot", also after a withdrawal: four casts
    based on it at once, from two colleagues, leave exactly one acknowledged
    ballot; the others are stale and change nothing."""
    facilitator = network["people"]["facilitator"]
    decision_id = make_decision(facilitator, datetime.now(UTC))
    options = option_ids(decision_id)
    db.session.commit()
    url = f"{live_server.url}/api/v1/decisions/{decision_id}/ballot"
    one, two = network["headers"]["oxfam1"], network["headers"]["oxfam2"]
    with httpx.Client(timeout=30) as http:
        assert http.put(url, headers=one, json={"option": options[0]}).status_code == 200
        assert http.delete(url, headers=one).status_code == 204
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def cast(headers: dict[str, str], option: int) -> None:
        with httpx.Client(timeout=30) as http:
            barrier.wait(timeout=30)
            answer = http.put(url, headers=headers, json={"option": option, "version": 0})
        with lock:
            answers.append(answer)

    colleagues = (one, two, one, two)
    run_threads([partial(cast, h, options[i % len(options)]) for i, h in enumerate(colleagues)])
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409, 409, 409], codes
    (won,) = [a.json() for a in answers if a.status_code == 200]
    assert won["version"] == 3
    assert all(a.json()["error"]["code"] == "stale_ballot" for a in answers if a.status_code == 409)
    oxfam = network["orgs"]["oxfam"].id
    (ballot,) = db.session.execute(select(Ballot).where(Ballot.organisation_id == oxfam)).scalars()
    assert (ballot.version, ballot.content) == (3, won["ballot"])
    db.session.commit()
    assert live_server.server_errors() == []
