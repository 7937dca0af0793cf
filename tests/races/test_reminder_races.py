"""Four facilitator's reminders of one decision at once, over HTTP against a
four-worker server: one is written (each silent representative once), the
others answer 409 ``reminded_recently``, under the decision's lock."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Event, Notification
from cop_vote.services import ballots as ballot_service
from cop_vote.services import decisions, notify
from tests.races.drivers import run_threads
from tests.web.helpers import make_decision, option_ids


def test_four_reminders_at_once_mail_each_silent_representative_once(
    app: Any, network: dict[str, Any], live_server: Any
) -> None:
    people = network["people"]
    now = datetime.now(UTC)
    did = make_decision(people["facilitator"], now)
    ballot_service.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, now)
    db.session.commit()
    silent = [
        p.id
        for p in notify.representatives(
            o.id
            for o in notify.silent_organisations(decisions.get_decision(people["facilitator"], did))
        )
    ]
    db.session.commit()
    assert len(silent) >= 2
    url = f"{live_server.url}/api/v1/decisions/{did}/reminders"
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def remind() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            answer = http.post(url, headers=network["headers"]["facilitator"])
            with lock:
                answers.append(answer)

    run_threads([remind] * 4)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409], [a.text for a in answers]
    assert all(
        a.json()["error"]["code"] == "reminded_recently" for a in answers if a.status_code == 409
    )
    db.session.expire_all()
    mails = db.session.scalars(
        select(Notification).where(Notification.decision_id == did, Notification.kind == "reminder")
    ).all()
    assert Counter(m.person_id for m in mails) == Counter(silent)
    logged = db.session.scalars(
        select(Event).where(Event.kind == "decision.reminded", Event.subject == f"decision:{did}")
    ).all()
    assert len(logged) == 1
    db.session.commit()
