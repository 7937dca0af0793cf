"""Facilitators' alerts: a reported comment, a comment waiting for
pre-moderation, a decision closed (by hand or at its deadline by the worker's
``close-due``) and mail given up each reach every facilitator who chose
immediate mail, once; a daily digest for those who chose it; none for the
rest; and a count of what waits in the facilitator's menu."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote import queue
from cop_vote.extensions import mail as mail_ext
from cop_vote.models import Person

from .helpers import csrf_token, make_decision, outbox, sign_in

API = "/api/v1"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def facilitators(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    make_person: Any,
    token_for: Any,
) -> dict[str, Person]:
    """Petra chooses immediate alerts on her profile page, Samuel through the
    API (Samuel is signed in on ``client``); Noor keeps the daily digest (the
    default), Hugo chooses none."""
    pso = network["orgs"]["pso"]
    samuel = network["people"]["facilitator"]
    petra = make_person(
        pso, "facilitator", name="Petra Visser", email="petra@pso.example.org", language="en"
    )
    noor = make_person(
        pso, "facilitator", name="Noor Haddad", email="noor@pso.example.org", language="en"
    )
    hugo = make_person(pso, "facilitator", name="Hugo Smit", email="hugo@pso.example.org")
    browser = app.test_client()
    sign_in(browser, app, petra)
    profile = browser.get("/profile").get_data(as_text=True)
    assert 'name="alerts" value="digest" checked' in profile
    saved = browser.post(
        "/profile/alerts", data={"csrf_token": csrf_token(profile), "alerts": "immediate"}
    )
    assert saved.status_code == 303
    assert 'name="alerts" value="immediate" checked' in browser.get("/profile").get_data(
        as_text=True
    )
    response = client.patch(
        f"{API}/me",
        json={"alerts": "immediate", "language": "en"},
        headers=network["headers"]["facilitator"],
    )
    assert response.status_code == 200 and response.get_json()["alerts"] == "immediate"
    sign_in(client, app, samuel)
    hugo_headers = token_for(hugo)
    assert (
        client.patch(f"{API}/me", json={"alerts": "none"}, headers=hugo_headers).status_code == 200
    )
    return {"samuel": samuel, "petra": petra, "noor": noor, "hugo": hugo}


def _alerts(app: Flask, before: int) -> list[Any]:
    return [m for m in outbox(app)[before:] if m.to[0].endswith("@pso.example.org")]


def _to(mails: list[Any]) -> list[str]:
    return sorted(m.to[0] for m in mails)


IMMEDIATE = ["petra@pso.example.org", "samuel@pso.example.org"]


def test_a_reported_comment_reaches_each_immediate_facilitator_once(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    facilitators: dict[str, Person],
    clock: Any,
) -> None:
    h = network["headers"]
    did = make_decision(facilitators["samuel"], clock.now)
    comment = client.post(
        f"{API}/decisions/{did}/comments", headers=h["adpc"], json={"body": "Hm."}
    )
    assert comment.status_code == 201
    before = len(outbox(app))
    url = f"{API}/comments/{comment.get_json()['id']}/report"
    assert client.post(url, headers=h["stro"], json={"reason": "Off topic"}).status_code == 201
    mails = _alerts(app, before)
    assert _to(mails) == IMMEDIATE
    assert {m.subject for m in mails} == {"A comment was reported: Where do we meet?"}
    assert "Off topic" in mails[0].body and "http://localhost/admin/review" in mails[0].body
    # The same report twice is refused; the alert is not written again.
    mark = len(outbox(app))
    again = client.post(url, headers=h["stro"], json={"reason": "Off topic"})
    assert again.status_code == 409 and outbox(app)[mark:] == []
    # The count of what waits, in the facilitator's menu and overview only.
    page = client.get("/").get_data(as_text=True)
    assert "Facilitator" in page and "(1 waiting)" in page
    overview = client.get("/admin").get_data(as_text=True)
    assert "Waiting for you" in overview and "Reported comments" in overview
    member = app.test_client()
    sign_in(member, app, network["people"]["adpc"])
    assert "waiting" not in member.get("/").get_data(as_text=True)


def test_a_comment_in_pre_moderation_alerts_and_a_facilitators_own_does_not(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    facilitators: dict[str, Person],
    clock: Any,
) -> None:
    h = network["headers"]
    did = make_decision(facilitators["samuel"], clock.now, comments="premoderated")
    before = len(outbox(app))
    posted = client.post(f"{API}/decisions/{did}/comments", headers=h["stro"], json={"body": "Yes"})
    assert posted.status_code == 201
    mails = _alerts(app, before)
    assert _to(mails) == IMMEDIATE
    assert mails[0].subject == "A comment waits for your review: Where do we meet?"
    assert "Marieke Dijkstra (STRO)" in mails[0].body
    before = len(outbox(app))
    own = client.post(
        f"{API}/decisions/{did}/comments", headers=h["facilitator"], json={"body": "Thanks"}
    )
    assert own.status_code == 201 and _alerts(app, before) == []
    # An open (not pre-moderated) decision raises no alert for a comment.
    open_did = make_decision(facilitators["samuel"], clock.now)
    client.post(f"{API}/decisions/{open_did}/comments", headers=h["stro"], json={"body": "Ok"})
    assert _alerts(app, before) == []
    # Both comments wait: members see neither until a facilitator reviews it.
    assert "(2 waiting)" in client.get("/").get_data(as_text=True)


def test_a_passed_deadline_reaches_each_immediate_facilitator_once(
    app: Flask,
    client: FlaskClient,
    runner: Any,
    network: dict[str, Any],
    facilitators: dict[str, Person],
    clock: Any,
) -> None:
    did = make_decision(facilitators["samuel"], clock.now, days=1)
    clock.advance(days=1, minutes=1)
    before = len(outbox(app))
    first = runner.invoke(args=["cop", "close-due"])
    assert first.exit_code == 0, first.output
    mails = _alerts(app, before)
    assert _to(mails) == IMMEDIATE
    assert mails[0].subject == "A decision has closed: Where do we meet?"
    assert "Voting closed at its deadline on:" in mails[0].body
    assert f"http://localhost/admin/decisions/{did}" in mails[0].body
    mark = len(outbox(app))
    second = runner.invoke(args=["cop", "close-due"])
    assert second.exit_code == 0 and outbox(app)[mark:] == []
    # Closed by hand: the other facilitator is told, not the one who closed it.
    other = make_decision(facilitators["samuel"], clock.now)
    before = len(outbox(app))
    closed = client.post(
        f"{API}/decisions/{other}/close", headers=network["headers"]["facilitator"]
    )
    assert closed.status_code == 200
    assert _to(_alerts(app, before)) == ["petra@pso.example.org"]


@pytest.fixture
def refusing_server(app: Flask) -> Iterator[Any]:
    from tests.live.mailserver import MailServer

    server = MailServer(refuse=["gone@stro.example.org"])
    server.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    mail_ext.init_app(app)
    try:
        yield server
    finally:
        server.stop()


def test_mail_given_up_alerts_each_immediate_facilitator_once(
    app: Flask,
    client: FlaskClient,
    runner: Any,
    network: dict[str, Any],
    facilitators: dict[str, Person],
    make_person: Any,
    clock: Any,
    refusing_server: Any,
) -> None:
    make_person(network["orgs"]["stro"], name="Gone Away", email="gone@stro.example.org")
    # Opening the decision writes its invitations; the queue (in place in the
    # tests) delivers them at the commit, and the server refuses Gone's for good.
    make_decision(facilitators["samuel"], clock.now)
    received = refusing_server.received()
    alerts = [m for m in received if m.subject.startswith("Mail to Gone Away")]
    assert sorted(m.to[0] for m in alerts) == IMMEDIATE, [m.subject for m in received]
    assert "gone@stro.example.org" in alerts[0].body and "550" in alerts[0].body
    again = runner.invoke(args=["cop", "deliver-mail"])
    assert again.exit_code == 0 and len(refusing_server.received()) == len(received)


def test_the_daily_digest_counts_the_day_before_once(
    app: Flask,
    client: FlaskClient,
    runner: Any,
    network: dict[str, Any],
    facilitators: dict[str, Person],
    clock: Any,
) -> None:
    h = network["headers"]
    today = datetime.now(AMSTERDAM).date()
    clock.now = datetime(today.year, today.month, today.day, 7, 0, tzinfo=AMSTERDAM).astimezone(
        UTC
    ) - timedelta(days=1)
    did = make_decision(facilitators["samuel"], clock.now, days=1)
    comment = client.post(f"{API}/decisions/{did}/comments", headers=h["adpc"], json={"body": "Hm"})
    report = f"{API}/comments/{comment.get_json()['id']}/report"
    assert client.post(report, headers=h["stro"], json={"reason": "Rude"}).status_code == 201
    # The next morning, before the digest hour (08:00): nothing yet.
    clock.advance(days=1)
    before = len(outbox(app))
    early = runner.invoke(args=["cop", "send-digests"])
    assert early.exit_code == 0 and _alerts(app, before) == []
    # From 08:00 the worker's minute writes it (and closes the decision due
    # this morning: today's closing belongs to tomorrow's digest).
    clock.advance(hours=1, minutes=5)
    before = len(outbox(app))
    queue.get().every_minute.call_local()
    [digest] = [m for m in _alerts(app, before) if m.to == ["noor@pso.example.org"]]
    assert digest.to == ["noor@pso.example.org"]
    assert digest.subject == "Daily summary for the facilitators"
    assert "1 comment reported" in digest.body and "0 decisions closed" in digest.body
    assert "1 thing waits for you now." in digest.body
    mark = len(outbox(app))
    again = runner.invoke(args=["cop", "send-digests"])
    assert again.exit_code == 0 and outbox(app)[mark:] == []
    queue.get().every_minute.call_local()
    assert outbox(app)[mark:] == []


def test_alert_settings_are_checked_and_only_for_facilitators(
    client: FlaskClient, network: dict[str, Any], facilitators: dict[str, Person], token_for: Any
) -> None:
    h = network["headers"]
    me = client.get(f"{API}/me", headers=h["facilitator"]).get_json()
    assert me["alerts"] == "immediate" and me["notifications"] == "immediate"
    bad = client.patch(f"{API}/me", json={"alerts": "hourly"}, headers=h["facilitator"])
    assert bad.status_code == 400 and "alerts" in bad.get_json()["error"]["fields"]
    assert client.get(f"{API}/me", headers=h["facilitator"]).get_json()["alerts"] == "immediate"
    member = client.patch(f"{API}/me", json={"alerts": "immediate"}, headers=h["adpc"])
    assert member.status_code == 400
    assert client.get(f"{API}/me", headers=h["adpc"]).get_json()["alerts"] == "none"
    unknown = client.patch(f"{API}/me", json={"role": "facilitator"}, headers=h["adpc"])
    assert unknown.status_code == 400
    changed = client.patch(f"{API}/me", json={"language": "en"}, headers=h["adpc"])
    assert changed.status_code == 200 and changed.get_json()["language"] == "en"
