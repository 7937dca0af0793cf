"""Test helpers for the facilitator's pages: sign in, read CSRF tokens, post forms.

CSRF stays on in these tests: every POST carries the token read from the
rendered form, as a browser would send it.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import _create_identifier
from werkzeug.test import TestResponse

from cop_vote.extensions import db
from cop_vote.models import Person
from cop_vote.services import auth

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"'
    r'|name="csrf_token" value="([^"]+)"'
)


def sign_in(app: Flask, client: FlaskClient, person: Person) -> None:
    """Sign ``person`` in through a real sign-in link and server-side session."""
    now = app.config["CLOCK"]()
    issued = auth.issue_login_link(person.email or "", now)
    assert issued is not None, "the person must be active with an e-mail address"
    _person, key, _next = auth.use_login_link(issued[1], now)
    db.session.commit()
    with app.test_request_context():
        identifier = _create_identifier()
    with client.session_transaction() as sess:
        sess["session_key"] = key
        sess["_user_id"] = str(person.id)
        sess["_fresh"] = True
        sess["_id"] = identifier


def csrf_token(response: TestResponse) -> str:
    """The CSRF token of the (first) form in a rendered page."""
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
    """GET ``url``, then POST ``data`` to it with the page's CSRF token."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return client.post(url, data={"csrf_token": csrf_token(page), **data}, **kwargs)
