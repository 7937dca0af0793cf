"""Test helpers for the facilitator's pages: sign in, read CSRF tokens, post forms.

CSRF stays on in these tests: every POST carries the token read from the
rendered form, as a browser would send it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
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


class _FormReader(HTMLParser):
    """The fields of each POST form of a page, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
            self.fields = {}
            self.forms.append(self.fields)
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox", "radio"):
            self.fields[name] = a.get("value", "")
        elif tag == "input" and name and "checked" in a:
            self.fields[name] = a.get("value", "y")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and ("selected" in a or self._select not in self.fields)
        ):
            self.fields[self._select] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def page_form(response: TestResponse) -> dict[str, str]:
    """The main POST form of a rendered page (the one with most fields), filled in
    as shown (hidden fields, CSRF token and the decision's edition included), as a
    browser would send it."""
    reader = _FormReader()
    reader.feed(response.get_data(as_text=True))
    assert reader.forms, "no form in the page"
    return max(reader.forms, key=len)
