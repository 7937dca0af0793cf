"""Revision 0015 on a populated database (the demo network of the 0007
snapshot, upgraded through 0008 and 0009 first): the calendar feed and webhook
tables start empty, and the upgraded data works with them: a person's feed
lists the upgraded decisions, a webhook gets a delivery of an upgraded
decision's publication, and the downgrade drops the three tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from icalendar import Calendar
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from cop_vote.extensions import db
from cop_vote.models import CalendarFeed, Decision, Person, Webhook, WebhookDelivery
from cop_vote.services import calendar_feed, tally_cache, transitions, webhooks
from tests.migrations.harness import database_at, populated

TABLES = ("calendar_feed", "webhook", "webhook_delivery")


@pytest.fixture
def upgraded(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, dict[str, Any]]]:
    with database_at(database_url, "0007", tmp_path) as app:
        snapshot = populated(app, "0007")
        upgrade(revision="0008")
        upgrade(revision="0014")
        upgrade(revision="0015")
        upgrade()  # the app's code is head's: later revisions add columns it reads
        tally_cache.clear()
        yield app, snapshot


def _facilitator() -> Person:
    person = db.session.scalars(
        select(Person).where(Person.role == "facilitator").order_by(Person.id)
    ).first()
    assert person is not None
    return person


def test_the_tables_start_empty_and_the_upgraded_data_feeds_a_calendar(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    app, snapshot = upgraded
    for model in (CalendarFeed, Webhook, WebhookDelivery):
        assert db.session.scalars(select(model)).all() == []
    now = datetime.now(UTC) + timedelta(days=400)
    facilitator = _facilitator()
    secret, _made = calendar_feed.issue_feed(facilitator, "upgrade-test", now)
    db.session.commit()
    answer = app.test_client().get(f"/calendar/{secret}.ics")
    assert answer.status_code == 200
    uids = {str(e["uid"]) for e in Calendar.from_ical(answer.data).walk("VEVENT")}
    with_deadline = [
        row["id"]
        for row in snapshot["tables"]["decision"]
        if row["closes_at"] and row["status"] in ("open", "closed", "published")
    ]
    assert with_deadline
    assert {f"decision-{i}-deadline@cop-vote" for i in with_deadline} <= uids


def test_an_upgraded_decision_is_delivered_to_a_new_webhook(
    upgraded: tuple[Flask, dict[str, Any]],
) -> None:
    facilitator = _facilitator()
    now = datetime.now(UTC) + timedelta(days=400)
    hook, _secret = webhooks.create_webhook(
        facilitator,
        {"url": "https://hooks.example/cop"},
        now,
        allow_private=False,
        resolver=lambda host: ["93.184.215.14"],
    )
    open_one = db.session.scalars(
        select(Decision).where(Decision.status == "open").order_by(Decision.id)
    ).first()
    assert open_one is not None
    transitions.close_decision(facilitator, open_one.id, now)
    db.session.commit()
    [row] = db.session.scalars(select(WebhookDelivery)).all()
    assert (row.webhook_id, row.kind, row.status) == (hook.id, "decision.closed", "pending")
    assert row.payload["decision_id"] == open_one.id


def test_downgrade_drops_the_tables(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    db.session.remove()
    downgrade(revision="0014")
    names = inspect(db.engine).get_table_names()
    assert not set(TABLES) & set(names)
    assert "outcome_history" in names


def test_an_address_has_one_live_webhook(upgraded: tuple[Flask, dict[str, Any]]) -> None:
    indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("webhook")}
    assert indexes["uq_webhook_live_url"]["unique"]
    now = datetime.now(UTC) + timedelta(days=400)
    at = {"secret": "whsec_x", "created_at": now}
    db.session.add(Webhook(url="https://hooks.example/a", deleted_at=now, **at))
    db.session.add(Webhook(url="https://hooks.example/a", **at))  # the deleted one is no bar
    db.session.commit()
    db.session.add(Webhook(url="https://hooks.example/a", **at))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
