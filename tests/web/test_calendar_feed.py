"""A person's private calendar feed (issue 11, part 3): the address made on the
profile page or through the API, the feed read without a session by a calendar
app, in the network's time zone, and gone (404) once a new address replaces it;
and the meeting date attached to the meeting poll's outcome mail."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import CalendarFeed, Decision, Meeting, Person
from cop_vote.services import auth
from tests.seed import Seeded, seed

from .conftest import _client
from .helpers import csrf_token, outbox, sign_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def seeded(app: Flask, clock: Any) -> Seeded:
    return seed(app, clock.now)


def _headers(person: Person, now: datetime) -> dict[str, str]:
    _p, token = auth.issue_api_token(person.email or "", now)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def _feed_path(url: str) -> str:
    found = re.search(r"(/calendar/[^\"<\s]+\.ics)", url)
    assert found is not None, url
    return found.group(1)


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_profile_makes_an_address_whose_feed_lists_the_demo_at_local_times(
    app: Flask, client: FlaskClient, seeded: Seeded
) -> None:
    person = seeded.people["representative"]
    sign_in(client, app, person)
    page = client.get("/profile").get_data(as_text=True)
    assert "calendar-heading" in page and "/calendar/" not in page
    made = client.post("/profile/calendar", data={"csrf_token": csrf_token(page)})
    assert made.status_code == 303
    page = client.get("/profile").get_data(as_text=True)
    path = _feed_path(page)
    assert 'data-copy="calendar-url"' in page  # the copy button, shown by copy.js
    stored = db.session.execute(select(CalendarFeed)).scalar_one()
    assert path.rsplit("/", 1)[1][:-4] not in stored.token_hash  # only its hash is kept

    answer = _client(app).get(path)  # a calendar app: no session, no token
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    calendar = Calendar.from_ical(answer.data)
    assert [str(z["tzid"]) for z in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    events = _events(answer.data)
    for key in ("open", "live", "discussion"):
        decision = db.session.get(Decision, seeded.decisions[key])
        assert decision is not None and decision.closes_at is not None
        start = events[f"decision-{decision.id}-deadline@cop-vote"]["dtstart"]
        assert start.params["TZID"] == "Europe/Amsterdam"
        assert start.dt.utcoffset() == decision.closes_at.astimezone(AMSTERDAM).utcoffset()
        assert start.dt == decision.closes_at  # the same moment
        assert start.dt.replace(tzinfo=None) == decision.closes_at.astimezone(AMSTERDAM).replace(
            tzinfo=None
        )
    # The draft taking proposals is no deadline; the chosen slot is an event.
    assert not any(uid.startswith(f"decision-{seeded.decisions['draft']}-") for uid in events)
    slot = db.session.get(Decision, seeded.decisions["published"])
    assert slot is not None and slot.outcome_option is not None
    chosen = slot.outcome_option
    event = events[f"decision-{slot.id}-option-{chosen.id}@cop-vote"]
    assert event["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert event["dtstart"].dt == chosen.starts_at and event["dtend"].dt == chosen.ends_at
    for meeting in db.session.execute(select(Meeting)).scalars():
        assert events[f"meeting-{meeting.id}@cop-vote"]["dtstart"].dt == meeting.held_on

    # Unchanged: a conditional GET is answered 304.
    etag = answer.headers["ETag"]
    again = _client(app).get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304

    # A new address: the old one is gone at once, the new one works.
    page = client.get("/profile").get_data(as_text=True)
    client.post("/profile/calendar", data={"csrf_token": csrf_token(page)})
    new_path = _feed_path(client.get("/profile").get_data(as_text=True))
    assert new_path != path
    assert _client(app).get(path).status_code == 404
    assert _client(app).get(new_path).status_code == 200


def test_the_feed_lists_only_what_its_person_may_see(
    app: Flask, seeded: Seeded, clock: Any
) -> None:
    observer = seeded.people["observer"]
    facilitator = seeded.people["facilitator"]
    paths = {}
    for person in (observer, facilitator):
        answer = _client(app).post("/api/v1/me/calendar", headers=_headers(person, clock.now))
        paths[person.id] = _feed_path(answer.get_json()["url"])
    hidden = (
        _client(app)
        .post(
            "/api/v1/decisions",
            headers=_headers(facilitator, clock.now),
            json={
                "title": "A draft with a deadline",
                "method": "single_choice",
                "options": [{"label": "A"}, {"label": "B"}],
                "closes_at": (clock.now + timedelta(days=3)).isoformat(),
            },
        )
        .get_json()["id"]
    )
    uid = f"decision-{hidden}-deadline@cop-vote"
    observed = _events(_client(app).get(paths[observer.id]).data)
    assert uid not in observed  # a draft: the facilitators' only, and no deadline yet
    assert f"decision-{seeded.decisions['open']}-deadline@cop-vote" in observed
    # An unknown secret and a malformed one are the same 404.
    assert _client(app).get("/calendar/cal_nothing.ics").status_code == 404
    assert _client(app).get("/calendar/x.ics").status_code == 404


def test_the_api_shows_and_renews_the_address(app: Flask, seeded: Seeded, clock: Any) -> None:
    person = seeded.people["representative"]
    headers = _headers(person, clock.now)
    client = _client(app)
    assert client.get("/api/v1/me/calendar").status_code == 401
    assert client.get("/api/v1/me/calendar", headers=headers).get_json() == {
        "url": None,
        "created_at": None,
    }
    made = client.post("/api/v1/me/calendar", headers=headers)
    assert made.status_code == 201
    first = made.get_json()
    assert first["url"].startswith("http://localhost/calendar/cal_")
    assert client.get("/api/v1/me/calendar", headers=headers).get_json() == first
    assert client.get(_feed_path(first["url"])).status_code == 200
    second = client.post("/api/v1/me/calendar", headers=headers).get_json()
    assert second["url"] != first["url"]
    assert client.get(_feed_path(first["url"])).status_code == 404
    assert client.get(_feed_path(second["url"])).status_code == 200


def test_a_person_without_access_has_no_feed(app: Flask, seeded: Seeded, clock: Any) -> None:
    person = seeded.people["representative"]
    url = _client(app).post("/api/v1/me/calendar", headers=_headers(person, clock.now))
    path = _feed_path(url.get_json()["url"])
    stored = db.session.get(Person, person.id)
    assert stored is not None
    stored.active = False
    db.session.commit()
    assert _client(app).get(path).status_code == 404


def test_the_meeting_polls_outcome_mail_carries_the_chosen_slot_as_ics(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    headers = network["headers"]["facilitator"]
    client = _client(app)
    created = client.post(
        "/api/v1/decisions",
        headers=headers,
        json={
            "title": "When do we hold the follow-up meeting?",
            "method": "meeting_time",
            "options": [
                {"starts_at": "2030-03-26T14:00:00+01:00", "ends_at": "2030-03-26T17:00:00+01:00"},
                {"starts_at": "2030-04-02T14:00:00+02:00", "ends_at": "2030-04-02T17:00:00+02:00"},
            ],
            "closes_at": (clock.now + timedelta(days=7)).isoformat(),
        },
    ).get_json()
    decision_id, second = created["id"], created["options"][1]["id"]
    assert client.post(f"/api/v1/decisions/{decision_id}/open", headers=headers).status_code == 200
    assert client.post(f"/api/v1/decisions/{decision_id}/close", headers=headers).status_code == 200
    before = len(outbox(app))
    published = client.post(
        f"/api/v1/decisions/{decision_id}/publish",
        headers=headers,
        json={"option": second, "statement": "We meet on 2 April."},
    )
    assert published.status_code == 200, published.get_json()
    mails = [m for m in outbox(app)[before:] if "2 April" in m.body]
    assert mails and facilitator.email not in {a for m in mails for a in m.to}
    for message in mails:
        [(name, content, mimetype)] = message.attachments
        assert name == f"meeting-{decision_id}.ics"
        assert mimetype.startswith("text/calendar")
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert event["dtstart"].params["TZID"] == "Europe/Amsterdam"
        assert event["dtstart"].dt.isoformat() == "2030-04-02T14:00:00+02:00"
    # Mail of another kind has no attachment.
    assert all(not m.attachments for m in outbox(app)[:before])
