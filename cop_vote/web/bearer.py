"""Pages answer the API's bearer token when read (API.md, "Links answer the token").

The API hands out addresses of pages and downloads (a decision's page, its
meeting pack, the ballots as CSV, a pack the worker prepares, ...); a script
follows them with the token that fetched them. So a page's ``GET`` or
``HEAD`` with ``Authorization: Bearer <token>`` and no session is signed in
as the token's person, by the API's own check
(:func:`cop_vote.services.auth.person_for_token`: a revoked or unknown token,
and a person without access, sign nobody in). Rate limits count that person
(:func:`cop_vote.ratelimits.person_key` reads the signed-in person).

* Only the header carries a token, never the query string.
* Only reading: a ``POST`` (or any other write) with a token and no session
  stays refused, since the forms' CSRF protection belongs to a session.
* Such a request has no session: no cookie is set, changed or removed
  (:class:`TokenRequestsKeepNoSession`), and the answer varies on
  ``Authorization``.
* A token that signs nobody in is 401 with ``WWW-Authenticate: Bearer``, not
  the sign-in page a browser is sent to.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from .. import clock
from ..extensions import login_manager
from ..models import Person
from ..services import auth as auth_service

#: The methods a token may read pages with.
READ_METHODS = frozenset({"GET", "HEAD"})

#: The error page's message for a token that signs nobody in (translated by
#: :data:`cop_vote.web.render.KNOWN_MESSAGES`).
BAD_TOKEN = (
    "This token gives no access: it is unknown or revoked, or its person no longer has access."
)


def presented_token(req: Request) -> str | None:
    """The bearer token of ``req``'s ``Authorization`` header, if any."""
    return auth_service.bearer_token(req.headers.get("Authorization"))


def person_of_token(req: Request) -> Person | None:
    """Flask-Login's request loader: the person of a page read's bearer token.

    Asked only when no session signs the request in. The API authenticates
    its own requests (:data:`cop_vote.api.common.auth`), so this answers
    for the pages alone.
    """
    if req.method not in READ_METHODS or req.blueprint != "web":
        return None
    token = presented_token(req)
    if token is None:
        return None
    return auth_service.person_for_token(token, clock.now(), note_use=True)


def refuse_bad_token() -> None:
    """Called when nobody is signed in: a request with a bearer token gets 401
    (a script is told its token failed), not the redirect to the sign-in page.

    :raises Unauthorized: with ``WWW-Authenticate: Bearer``.
    """
    if presented_token(request) is None:
        return
    raise Unauthorized(
        BAD_TOKEN,
        www_authenticate=WWWAuthenticate("bearer", {"error": "invalid_token"}),
    )


class TokenRequestsKeepNoSession(SecureCookieSessionInterface):
    """Flask's cookie sessions, except that a request with a bearer token
    never sets, changes or removes the session cookie (a page's form may have
    put a CSRF token in its session: it is not kept)."""

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if presented_token(request) is not None:
            response.vary.add("Authorization")
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Sign page reads in by bearer token; keep such requests out of sessions."""
    login_manager.request_loader(person_of_token)
    app.session_interface = TokenRequestsKeepNoSession()
