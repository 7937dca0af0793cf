"""Page tests: English unless a test asks otherwise, and one app context per request.

The shared ``app`` fixture keeps an application context pushed for the whole
test, and Flask reuses a pushed context for requests, so ``g`` (the CSRF
token, the signed-in person, the locale) would leak from one request to the
next. :class:`FreshClient` runs every request in an empty ``contextvars``
context, as a server does, so each request gets its own ``g`` and its own
database session. Before each request the test's own session commits, so that
it holds no SQLite write lock while the request runs and sees the request's
writes afterwards.
"""

from __future__ import annotations

import contextvars
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cop_vote.extensions import db


class FreshClient(FlaskClient):
    """A test client whose requests do not share ``g`` or the database session."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if db.session().in_transaction():
            db.session.commit()
        # Buffered: the response is closed at once, which runs call_on_close
        # callbacks (the sign-in mail) and closes static files.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def _client(app: Flask) -> FlaskClient:
    app.test_client_class = FreshClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return _client(app)


@pytest.fixture
def other_client(app: Flask) -> FlaskClient:
    """A second browser (a colleague)."""
    return _client(app)


@pytest.fixture
def fac(app: Flask, client: FlaskClient, network: dict[str, Any]) -> Any:
    """The facilitator, signed in on ``client`` (for the facilitator's pages)."""
    from tests.web.admin_helpers import sign_in

    person = network["people"]["facilitator"]
    sign_in(app, client, person)
    return person
