"""``flask cop send-reminders``: each due reminder once, only to organisations
that have not voted, however often a scheduler runs it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Notification
from cop_vote.services import ballots as ballot_service
from cop_vote.services import transitions
from tests.web.helpers import make_decision, option_ids, outbox


def _reminders(app: Flask) -> list[Any]:
    return [m for m in outbox(app) if m.subject.startswith(("Reminder", "Herinnering"))]


def _run(runner: Any) -> Any:
    result = runner.invoke(args=["cop", "send-reminders"])
    assert result.exit_code == 0, result.output
    return result


def test_reminders_go_once_to_each_representative_of_each_organisation_that_has_not_voted(
    app: Flask, runner: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, days=7)
    ballot_service.cast_ballot(people["adpc"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()

    result = _run(runner)  # 7 days ahead: not due with the default 48 hours
    assert "0 reminders queued for delivery." in result.stderr
    assert _reminders(app) == []

    clock.advance(days=5, minutes=1)  # now 47 h 59 min before closes_at
    result = _run(runner)
    assert "3 reminders queued for delivery." in result.stderr
    assert result.stdout == ""
    again = _run(runner)
    assert "0 reminders queued for delivery." in again.stderr

    sent = _reminders(app)
    assert sorted(m.to[0] for m in sent) == [
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
        "marieke@stro.example.org",
    ]  # each once; nobody at ADPC, which voted
    for message in sent:
        assert f"http://localhost/decisions/{did}" in message.body
        assert message.alternatives and message.alternatives[0][1] == "text/html"
    keys = set(db.session.execute(select(Notification.key)).scalars())
    assert f"reminder:auto:{did}:{people['stro'].id}" in keys


def test_no_reminder_for_closed_decisions_people_without_mail_or_a_later_own_hours(
    app: Flask, runner: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    fac = people["facilitator"]
    closed = make_decision(fac, clock.now, days=1, title="Closed early")
    transitions.close_decision(fac, closed, clock.now)
    own = make_decision(fac, clock.now, days=1, title="Own rule")
    decision = db.session.get(Decision, own)
    assert decision is not None
    decision.reminder_hours = 12  # due only 12 hours before its deadline
    people["stro"].notifications = "none"
    db.session.commit()

    _run(runner)
    assert _reminders(app) == []
    clock.advance(hours=12)
    _run(runner)
    assert sorted(m.to[0] for m in _reminders(app)) == [
        "amina@adpc.example.org",
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
    ]
    assert all("Own rule" in m.subject for m in _reminders(app))


def test_a_deadline_that_has_passed_gets_no_reminder(
    app: Flask, runner: Any, network: dict[str, Any], clock: Any
) -> None:
    make_decision(network["people"]["facilitator"], clock.now, days=1)
    clock.advance(days=1, seconds=1)
    _run(runner)
    assert _reminders(app) == []


def test_the_reminder_hours_come_from_the_configuration(
    app: Flask, runner: Any, network: dict[str, Any], clock: Any
) -> None:
    app.config["REMINDER_HOURS"] = 24 * 8
    make_decision(network["people"]["facilitator"], clock.now, days=7)
    _run(runner)
    assert len(_reminders(app)) == 4
    assert timedelta(hours=app.config["REMINDER_HOURS"]) > timedelta(days=7)


def test_the_facilitator_sets_the_reminder_time_through_the_api(
    app: Flask, client: Any, runner: Any, network: dict[str, Any], clock: Any
) -> None:
    created = client.post(
        "/api/v1/decisions",
        json={
            "title": "When do we meet?",
            "method": "single_choice",
            "options": [{"label": "Tuesday"}, {"label": "Thursday"}],
            "closes_at": (clock.now + timedelta(hours=10)).isoformat(),
            "reminder_hours": 6,
        },
        headers=network["headers"]["facilitator"],
    )
    assert created.status_code == 201
    assert created.get_json()["reminder_hours"] == 6
    did = created.get_json()["id"]
    assert (
        client.post(
            f"/api/v1/decisions/{did}/open", headers=network["headers"]["facilitator"]
        ).status_code
        == 200
    )
    assert "0 reminders queued for delivery." in _run(runner).stderr  # 10 h ahead, due at 6 h
    clock.advance(hours=4, minutes=1)
    # Every representative: none voted.
    assert "4 reminders queued for delivery." in _run(runner).stderr
    bad = client.patch(
        f"/api/v1/decisions/{did}",
        json={"reminder_hours": 0},
        headers=network["headers"]["facilitator"],
    )
    assert bad.status_code == 400 and "reminder_hours" in bad.get_json()["error"]["fields"]
