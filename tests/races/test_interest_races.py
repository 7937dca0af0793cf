"""Declared interests racing over HTTP against a four-worker server: two
colleagues of one organisation declare on the same option at once, while the
facilitator closes. One declaration per organisation and option survives, no
5xx, and nothing is declared after the close was acknowledged."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Event, InterestDeclaration
from tests.races.drivers import run_threads
from tests.web.helpers import make_decision, option_ids


def test_colleagues_declaring_at_once_leave_one_declaration(
    app: Any, network: dict[str, Any], live_server: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, datetime.now(UTC))
    option = option_ids(did)[0]
    db.session.commit()
    url = f"{live_server.url}/api/v1/decisions/{did}/interests"
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(3)

    def declare(key: str) -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            for n in range(8):
                answer = http.post(
                    url,
                    headers=network["headers"][key],
                    json={"option": option, "text": f"{key} {n}"},
                )
                with lock:
                    statuses.append(answer.status_code)

    def close() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answer = http.post(
                f"{live_server.url}/api/v1/decisions/{did}/close",
                headers=network["headers"]["facilitator"],
            )
            assert answer.status_code == 200, answer.text

    run_threads([lambda: declare("oxfam1"), lambda: declare("oxfam2"), close])
    assert statuses and set(statuses) <= {201, 409}, statuses
    db.session.expire_all()
    rows = db.session.scalars(
        select(InterestDeclaration).where(InterestDeclaration.decision_id == did)
    ).all()
    declared = statuses.count(201)
    assert len(rows) == (1 if declared else 0)
    events = db.session.scalars(
        select(Event).where(Event.kind == "interest.declared", Event.subject == f"decision:{did}")
    ).all()
    assert len(events) == declared  # every acknowledgement logged, nothing more
    decision = db.session.get(Decision, did)
    assert decision is not None and decision.closed_at is not None
    if rows:
        assert rows[0].created_at <= decision.closed_at
    db.session.commit()
