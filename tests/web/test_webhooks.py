"""Webhooks (issue 11, part 6): a facilitator registers an address, the
network's events are written with their change and delivered by the worker's
task to a real receiver on loopback (http.server in a thread), each once,
signed; a receiver that answers 500 gets the event again after the backoff;
secret ballots send nothing; private and loopback addresses are refused
unless ``WEBHOOKS_ALLOW_PRIVATE``."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote import queue
from cop_vote.extensions import db
from cop_vote.models import WebhookDelivery
from cop_vote.services import webhooks
from tests.web.helpers import csrf_token, make_decision, option_ids

API = "/api/v1"


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps every request; it answers
    500 to the first ``fail_first`` requests, then 204."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append((dict(self.headers.items()), body))
                failing = len(receiver.received) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _headers, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture
def private_allowed(app: Flask) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True


def _register(client: FlaskClient, headers: dict[str, str], url: str) -> dict[str, Any]:
    answer = client.post(f"{API}/webhooks", headers=headers, json={"url": url})
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def _valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Cop-Signature"], expected)


def test_each_event_arrives_once_signed(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    receiver: Receiver,
    private_allowed: None,
) -> None:
    fac = network["headers"]["facilitator"]
    hook = _register(client, fac, receiver.url)
    assert hook["secret"].startswith("whsec_")
    listed = client.get(f"{API}/webhooks", headers=fac).get_json()
    assert listed == {
        "items": [{"id": hook["id"], "url": receiver.url, "created_at": hook["created_at"]}],
        "next": None,
    }
    facilitator = network["people"]["facilitator"]
    did = make_decision(facilitator, clock.now)  # opened: the first event
    first = option_ids(did)[0]
    cast = client.put(
        f"{API}/decisions/{did}/ballot", headers=network["headers"]["adpc"], json={"option": first}
    )
    assert cast.status_code == 200
    comment = client.post(
        f"{API}/decisions/{did}/comments", headers=network["headers"]["stro"], json={"body": "Yes."}
    )
    assert comment.status_code == 201
    assert client.post(f"{API}/decisions/{did}/close", headers=fac).status_code == 200
    published = client.post(
        f"{API}/decisions/{did}/publish", headers=fac, json={"option": first, "statement": "Done."}
    )
    assert published.status_code == 200

    # QUEUE_URL=immediate: each commit's task ran at once, in this process.
    events = receiver.events()
    assert [e["type"] for e in events] == [
        "decision.opened",
        "ballot.cast",
        "comment.posted",
        "decision.closed",
        "decision.published",
    ]
    assert len({e["id"] for e in events}) == len(events)  # each once
    for (headers, body), event in zip(receiver.received, events, strict=True):
        assert _valid(hook["secret"], headers, body)
        assert headers["X-Cop-Event"] == event["type"]
        assert headers["X-Cop-Delivery"] == event["id"]
        assert headers["Content-Type"] == "application/json"
        assert event["decision_id"] == did and event["at"].endswith("Z")
    ballot = events[1]
    assert ballot["organisation_id"] == network["orgs"]["adpc"].id
    assert ballot["action"] == "cast" and "option" not in json.dumps(ballot)
    assert events[2]["comment_id"] == comment.get_json()["id"]
    assert "Yes." not in json.dumps(events[2])
    # Another run of the worker's task sends nothing again.
    db.session.commit()  # the test's session holds no SQLite lock meanwhile
    queue.get().deliver_webhooks()
    assert len(receiver.received) == 5
    db.session.expire_all()
    rows = db.session.execute(select(WebhookDelivery)).scalars().all()
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}


def test_a_secret_ballot_sends_no_ballot_event(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    receiver: Receiver,
    private_allowed: None,
) -> None:
    fac = network["headers"]["facilitator"]
    _register(client, fac, receiver.url)
    did = make_decision(network["people"]["facilitator"], clock.now, ballot_secrecy="secret")
    for key in ("adpc", "stro"):
        answer = client.put(
            f"{API}/decisions/{did}/ballot",
            headers=network["headers"][key],
            json={"option": option_ids(did)[0]},
        )
        assert answer.status_code == 200
    assert client.post(f"{API}/decisions/{did}/close", headers=fac).status_code == 200
    assert [e["type"] for e in receiver.events()] == ["decision.opened", "decision.closed"]
    everything = b"".join(body for _h, body in receiver.received)
    assert b"organisation" not in everything


def test_a_failed_delivery_is_tried_again_after_the_backoff(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    private_allowed: None,
) -> None:
    receiver = Receiver(fail_first=1)
    try:
        app.config["WEBHOOK_RETRY_SECONDS"] = 30
        hook = _register(client, network["headers"]["facilitator"], receiver.url)
        make_decision(network["people"]["facilitator"], clock.now)
        assert len(receiver.received) == 1  # answered 500
        db.session.expire_all()
        row = db.session.execute(select(WebhookDelivery)).scalar_one()
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 500")
        assert row.next_attempt_at == clock.now + timedelta(seconds=30)
        db.session.commit()
        queue.get().deliver_webhooks()  # not due yet
        assert len(receiver.received) == 1
        clock.advance(seconds=30)
        queue.get().deliver_webhooks()
        assert len(receiver.received) == 2
        (h1, b1), (h2, b2) = receiver.received
        assert b1 == b2 and h1["X-Cop-Delivery"] == h2["X-Cop-Delivery"]
        assert _valid(hook["secret"], h2, b2)
        db.session.expire_all()
        row = db.session.execute(select(WebhookDelivery)).scalar_one()
        assert (row.status, row.attempts) == ("sent", 2)
        db.session.commit()
        queue.get().deliver_webhooks()
        assert len(receiver.received) == 2
    finally:
        receiver.stop()


def test_a_delivery_is_given_up_after_the_last_attempt(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    private_allowed: None,
) -> None:
    receiver = Receiver(fail_first=99)
    try:
        app.config["WEBHOOK_MAX_ATTEMPTS"] = 2
        _register(client, network["headers"]["facilitator"], receiver.url)
        make_decision(network["people"]["facilitator"], clock.now)
        for _later in range(2):
            clock.advance(hours=2)
            db.session.commit()  # the test's session holds no SQLite lock meanwhile
            queue.get().deliver_webhooks()
        assert len(receiver.received) == 2
        db.session.expire_all()
        row = db.session.execute(select(WebhookDelivery)).scalar_one()
        assert (row.status, row.attempts) == ("failed", 2)
    finally:
        receiver.stop()


def test_a_deleted_webhook_gets_nothing_more(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    clock: Any,
    receiver: Receiver,
    private_allowed: None,
) -> None:
    fac = network["headers"]["facilitator"]
    hook = _register(client, fac, receiver.url)
    assert client.delete(f"{API}/webhooks/{hook['id']}", headers=fac).status_code == 204
    assert client.delete(f"{API}/webhooks/{hook['id']}", headers=fac).status_code == 404
    make_decision(network["people"]["facilitator"], clock.now)
    assert receiver.received == []
    assert client.get(f"{API}/webhooks", headers=fac).get_json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest",
        "https://192.168.0.10:8443/x",
        "https://[::ffff:127.0.0.1]/hook",
        "http://93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
        "https:///nohost",
        "not a url",
        "",
    ],
)
def test_private_loopback_and_non_https_addresses_are_refused(
    app: Flask, client: FlaskClient, network: dict[str, Any], url: str
) -> None:
    fac = network["headers"]["facilitator"]
    answer = client.post(f"{API}/webhooks", headers=fac, json={"url": url})
    assert answer.status_code == 400, answer.get_json()
    assert "url" in answer.get_json()["error"]["fields"]
    assert client.get(f"{API}/webhooks", headers=fac).get_json()["items"] == []


def test_a_host_is_judged_by_every_address_it_resolves_to() -> None:
    def resolver(host: str) -> list[str]:
        return {
            "mixed.example": ["93.184.215.14", "10.0.0.5"],
            "public.example": ["93.184.215.14"],
        }[host]

    with pytest.raises(webhooks.InvalidInput):
        webhooks.check_url("https://mixed.example/h", allow_private=False, resolver=resolver)
    url = "https://public.example/h"
    assert webhooks.check_url(url, allow_private=False, resolver=resolver) == url


def test_only_facilitators_manage_webhooks(
    client: FlaskClient, network: dict[str, Any], private_allowed: None
) -> None:
    for role in ("adpc", "observer"):
        headers = network["headers"][role]
        assert client.get(f"{API}/webhooks", headers=headers).status_code == 403
        answer = client.post(f"{API}/webhooks", headers=headers, json={"url": "https://x.org/"})
        assert answer.status_code == 403
        assert client.delete(f"{API}/webhooks/1", headers=headers).status_code == 403
    fac = network["headers"]["facilitator"]
    unknown = client.post(
        f"{API}/webhooks", headers=fac, json={"url": "http://127.0.0.1/", "events": []}
    )
    assert unknown.status_code == 400 and "events" in unknown.get_json()["error"]["fields"]


def test_the_admin_page_registers_shows_the_secret_once_and_deletes(
    app: Flask,
    client: FlaskClient,
    fac: Any,
    network: dict[str, Any],
    receiver: Receiver,
    private_allowed: None,
) -> None:
    page = client.get("/admin/webhooks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    refused = client.post(
        "/admin/webhooks", data={"csrf_token": csrf_token(html), "url": "ftp://example.org/"}
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert 'id="error-summary"' in text and 'aria-invalid="true"' in text
    made = client.post(
        "/admin/webhooks", data={"csrf_token": csrf_token(html), "url": receiver.url}
    )
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    text = made.get_data(as_text=True)
    assert "whsec_" in text and receiver.url in text
    again = client.get("/admin/webhooks").get_data(as_text=True)
    assert "whsec_" not in again and receiver.url in again
    [hook] = webhooks.list_webhooks(network["people"]["facilitator"])
    gone = client.post(f"/admin/webhooks/{hook.id}/delete", data={"csrf_token": csrf_token(again)})
    assert gone.status_code == 303
    after = client.get("/admin/webhooks").get_data(as_text=True)
    assert "No webhooks are registered." in after
    assert webhooks.list_webhooks(network["people"]["facilitator"]) == []


def test_an_address_is_registered_once_while_its_webhook_lives(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    receiver: Receiver,
    private_allowed: None,
) -> None:
    fac = network["headers"]["facilitator"]
    hook = _register(client, fac, receiver.url)
    twice = client.post(f"{API}/webhooks", headers=fac, json={"url": f"  {receiver.url} "})
    assert twice.status_code == 409, twice.get_json()
    assert "registered already" in twice.get_json()["error"]["message"]
    assert [h["id"] for h in client.get(f"{API}/webhooks", headers=fac).get_json()["items"]] == [
        hook["id"]
    ]
    # Deleted, its address may be registered again.
    assert client.delete(f"{API}/webhooks/{hook['id']}", headers=fac).status_code == 204
    _register(client, fac, receiver.url)


def test_the_page_refuses_an_address_registered_already_and_its_hint_follows_the_setting(
    app: Flask,
    client: FlaskClient,
    fac: Any,
    network: dict[str, Any],
    receiver: Receiver,
) -> None:
    public_only = client.get("/admin/webhooks").get_data(as_text=True)
    assert "lead to a public address" in public_only
    assert "WEBHOOKS_ALLOW_PRIVATE" not in public_only
    app.config["WEBHOOKS_ALLOW_PRIVATE"] = True
    html = client.get("/admin/webhooks").get_data(as_text=True)
    assert "public address" not in html
    assert "also allows private, loopback and local addresses" in html
    assert "https:// or http://" in html
    form = {"csrf_token": csrf_token(html), "url": receiver.url}
    assert client.post("/admin/webhooks", data=form).status_code == 200
    again = client.post("/admin/webhooks", data=form)
    assert again.status_code == 409
    text = again.get_data(as_text=True)
    assert 'id="error-summary"' in text and 'aria-invalid="true"' in text
    assert "A webhook with this address is registered already." in text
    assert len(webhooks.list_webhooks(network["people"]["facilitator"])) == 1
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    dutch = client.post("/admin/webhooks", data=form).get_data(as_text=True)
    assert "registered already" not in dutch
