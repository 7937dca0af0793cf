"""Meeting record writes that race, over HTTP against four gunicorn workers:
the same decision put on an agenda at once through the page and the API, and
the same action marked done at once, each from several clients. Exactly one
write wins; the others are told (409) and change nothing; the log has one
entry per write that won."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Event, FollowUpAction, MeetingDecision
from cop_vote.services import auth, meetings
from tests.live.server import LiveServer
from tests.web.helpers import make_decision

WRITERS = 6


def _together(calls: list[Any]) -> list[int]:
    """Run ``calls`` at once (a barrier releases them together); their statuses."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(call: Any) -> None:
        barrier.wait()
        status = call()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _count(query: Any) -> int:
    found = int(db.session.scalar(query) or 0)
    db.session.commit()  # no transaction of ours may hold SQLite's lock while workers run
    return found


def test_one_link_and_one_done_win_the_race(
    app: Any, network: dict[str, Any], database_url: str, clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    meeting = meetings.create_meeting(facilitator, "Follow-up", "2010-02-11", "", clock.now)
    action = meetings.add_action(facilitator, meeting.id, "Send the report.", "", "", clock.now)
    db.session.commit()
    meeting_id, action_id = meeting.id, action.id
    decision_id = make_decision(facilitator, clock.now)
    _person, secret = auth.issue_login_link(facilitator.email or "", clock.now, minutes=30)
    db.session.commit()
    headers = network["headers"]["facilitator"]
    with LiveServer(database_url, workers=4) as server:
        browser = server.client()
        browser.sign_in(secret)
        page = f"/admin/meetings/{meeting_id}"
        token = browser.csrf(page)

        def by_page() -> int:
            return browser.post(
                f"{page}/decisions", data={"csrf_token": token, "decision": str(decision_id)}
            ).status_code

        def by_api() -> int:
            with httpx.Client(base_url=server.url, timeout=60) as api:
                return api.post(
                    f"/api/v1/meetings/{meeting_id}/decisions",
                    json={"decision": decision_id},
                    headers=headers,
                ).status_code

        statuses = _together([by_api] * (WRITERS - 1) + [by_page])
        # The page answers 303 (saved) or 409 (on the agenda already); the API 200 or 409.
        assert sorted(s for s in statuses if s != 409) in ([200], [303]), statuses
        assert statuses.count(409) == WRITERS - 1, statuses
        assert _count(select(func.count()).select_from(MeetingDecision)) == 1

        def done() -> int:
            with httpx.Client(base_url=server.url, timeout=60) as api:
                return api.patch(
                    f"/api/v1/meetings/{meeting_id}/actions/{action_id}",
                    json={"done": True},
                    headers=headers,
                ).status_code

        statuses = _together([done] * WRITERS)
        assert sorted(statuses) == [200] + [409] * (WRITERS - 1), statuses
        errors = server.server_errors()
    assert errors == []
    logged = select(func.count()).select_from(Event)
    assert _count(logged.where(Event.kind == "meeting.decision_linked")) == 1
    assert _count(logged.where(Event.kind == "meeting.action_done")) == 1
    stored = db.session.get(FollowUpAction, action_id)
    assert stored is not None and stored.done_at is not None
