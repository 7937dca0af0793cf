"""Mail through the queue, on the pages: undelivered mail listed for the
facilitators and tried again; sign-in links asked of the worker, the same way
for every address; and sent from the web process when the queue is down."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote import notifications, queue
from cop_vote.domain.delivery import RetryPolicy
from cop_vote.extensions import db
from cop_vote.models import LoginToken, Notification
from cop_vote.services import outbox as outbox_service

from .helpers import csrf_token, make_decision, outbox, request_link, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _give_up(address: str, clock: Any) -> int:
    """Take the due mail and give up the one to ``address``, as after a 550."""
    taken = outbox_service.take_due(clock.now, limit=50, lease=timedelta(hours=1))
    found = next(t for t in taken if t.mail.person.email == address)
    error = f"{address}: 550 No such mailbox"
    policy = RetryPolicy(max_attempts=1)
    outbox_service.record_failure(found.id, error, clock.now, policy, permanent=True)
    db.session.commit()
    return found.id


def _hold(app: Flask, tmp_path: Path) -> queue.TaskQueue:
    """Switch the app to a queue in a file that no worker reads."""
    app.config["QUEUE_URL"] = f"sqlite:///{tmp_path / 'held.sqlite'}"
    queue.init_app(app)
    return queue.get()


def test_undelivered_mail_is_listed_for_the_facilitators_and_tried_again(
    app: Flask,
    client: FlaskClient,
    other_client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    tmp_path: Path,
) -> None:
    people = network["people"]
    sign_in(client, app, people["facilitator"])
    sign_in(other_client, app, people["adpc"])
    _hold(app, tmp_path)
    did = make_decision(people["facilitator"], clock.now)
    mail_id = _give_up("amina@adpc.example.org", clock)
    overview = client.get("/admin").get_data(as_text=True)
    assert "1 mail could not be delivered." in overview
    page = client.get("/admin/mail")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Amina Warsame" in html and "amina@adpc.example.org: 550 No such mailbox" in html
    assert f"/admin/decisions/{did}" in html and "New decision" in html
    # Only facilitators see it, or try again.
    assert other_client.get("/admin/mail").status_code == 403
    token = csrf_token(other_client.get("/profile").get_data(as_text=True))
    refused = other_client.post(f"/admin/mail/{mail_id}/retry", data={"csrf_token": token})
    assert refused.status_code == 403
    # Trying again: pending, due now; the worker (here: the test) delivers it.
    response = client.post(f"/admin/mail/{mail_id}/retry", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/mail#main"
    row = db.session.get(Notification, mail_id)
    assert row is not None and (row.status, row.attempts) == ("pending", 0)
    db.session.commit()
    before = len(outbox(app))
    notifications.deliver_due()
    assert [m.to for m in outbox(app)[before:]] == [["amina@adpc.example.org"]]
    after = client.get("/admin/mail").get_data(as_text=True)
    assert "Every mail was delivered or is on its way." in after
    assert "could not be delivered" not in client.get("/admin").get_data(as_text=True)
    gone = client.post("/admin/mail/999999/retry", data={"csrf_token": csrf_token(html)})
    assert gone.status_code == 404


def test_a_sign_in_request_is_one_task_for_the_worker_whatever_the_address(
    app: Flask, client: FlaskClient, network: dict[str, Any], tmp_path: Path
) -> None:
    huey = _hold(app, tmp_path).huey
    for address in ("amina@adpc.example.org", "nobody@nowhere.example.org"):
        response = request_link(client, address)
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/login/sent"
    tasks = huey.pending()
    assert [t.name for t in tasks] == ["send_login_link", "send_login_link"]
    assert [t.args[0] for t in tasks] == ["amina@adpc.example.org", "nobody@nowhere.example.org"]
    # The request looked nothing up and made no link: the worker will.
    assert db.session.execute(select(func.count()).select_from(LoginToken)).scalar() == 0
    db.session.commit()
    assert outbox(app) == []
    for task in tasks:
        huey.execute(task)  # what the worker does
    (mail,) = outbox(app)
    assert mail.to == ["amina@adpc.example.org"] and "/auth/link/" in mail.body
    assert db.session.execute(select(func.count()).select_from(LoginToken)).scalar() == 1


def test_with_the_queue_down_the_web_process_sends_the_sign_in_link(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    queue.init_app(app)
    response = request_link(client, "amina@adpc.example.org")
    assert response.status_code == 302
    (mail,) = outbox(app)
    assert mail.to == ["amina@adpc.example.org"] and "/auth/link/" in mail.body
