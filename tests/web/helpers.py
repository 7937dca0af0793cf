"""Helpers for page tests: CSRF stays on, so forms are fetched and their token sent back."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cop_vote.extensions import db
from cop_vote.models import Decision, Person
from cop_vote.services import decisions as decision_service
from cop_vote.services import transitions

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
_LINK = re.compile(r"http://localhost(/auth/link/[A-Za-z0-9_\-]+)")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    found = _TOKEN.search(html)
    assert found, "no csrf_token in the page"
    return unescape(found.group(1) or found.group(2))


def post_form(
    client: FlaskClient,
    page_url: str,
    action: str,
    data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> TestResponse:
    """GET ``page_url``, take its CSRF token, POST ``data`` to ``action``."""
    page = client.get(page_url)
    assert page.status_code == 200, (page_url, page.status_code)
    body = {"csrf_token": csrf_token(page.get_data(as_text=True)), **(data or {})}
    return client.post(action, data=body, **kwargs)


def outbox(app: Flask) -> list[Any]:
    """The messages Flask-Mailman's locmem backend has sent."""
    return getattr(app.extensions["mailman"], "outbox", [])


def link_path(message: Any) -> str:
    """The sign-in path (``/auth/link/...``) in a mail's text part."""
    found = _LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def request_link(client: FlaskClient, email: str, next_path: str | None = None) -> TestResponse:
    """Ask for a sign-in link through the sign-in form."""
    url = "/auth/login" + (f"?next={next_path}" if next_path else "")
    page = client.get(url)
    html = page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "email": email}
    found = re.search(r'name="next"[^>]*value="([^"]*)"', html)
    if found:
        data["next"] = unescape(found.group(1))
    return client.post("/auth/login", data=data)


def sign_in(
    client: FlaskClient, app: Flask, person: Person, next_path: str | None = None
) -> TestResponse:
    """Sign ``person`` in through the real flow: ask, read the mail, confirm."""
    before = len(outbox(app))
    request_link(client, person.email or "", next_path)
    messages = outbox(app)
    assert len(messages) == before + 1
    path = link_path(messages[-1])
    return post_form(client, path, path)


def make_decision(
    facilitator: Person,
    now: Any,
    *,
    method: str = "single_choice",
    options: tuple[str, ...] = ("Memphis", "Nashville", "Atlanta"),
    open_it: bool = True,
    days: int = 7,
    **fields: Any,
) -> int:
    """A decision (open unless ``open_it`` is false); returns its id."""
    data: dict[str, Any] = {
        "title": fields.pop("title", "Where do we meet?"),
        # The helper's texts are English (a test may give Dutch ones and say so).
        "original_language": fields.pop("original_language", "en"),
        "method": method,
        "closes_at": (now + timedelta(days=days)).isoformat(),
        **fields,
    }
    if options:
        data["options"] = [{"label": label, "description": f"About {label}."} for label in options]
    decision = decision_service.create_decision(facilitator, data, now)
    if open_it:
        transitions.open_decision(facilitator, decision.id, now)
    db.session.commit()
    return decision.id


def option_ids(decision_id: int) -> list[int]:
    """The option ids of a decision in display order."""
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    return [o.id for o in decision.options]


def stored_decision(decision_id: int) -> Decision:
    """The decision as stored now (nothing from the session's earlier reads)."""
    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    return decision
