"""Rate limits of the writes people make, shared by the pages and the API.

Each family of writes has one limit, counted per person across both doors (a
ballot changed on the page and through the API counts once per change), or
per address where nobody is signed in yet. Sizes are for real use: a
representative changing the organisation's ballot a few times a minute, or a
facilitator recording the ballots given in a meeting, is never stopped; a
script hammering a route is. With several processes set
``RATELIMIT_STORAGE_URI`` to Redis so that the count is shared.

========================  ==========================  ==========================
writes                    limit                       counted per
========================  ==========================  ==========================
sign-in link requests     5/minute, 20/hour           e-mail address asked for
                          30/minute, 300/hour         client address
signing in (link POST)    30/minute, 300/hour         client address
ballot writes             30/minute, 300/hour         person (else address)
comment writes            10/minute, 120/hour         person (else address);
                                                      a facilitator's review is
                                                      not a comment write
comment reports           10/minute, 60/hour          person (else address)
========================  ==========================  ==========================

An answer over a limit is 429 with ``Retry-After``: the site's error page, or
the API's error object with code ``rate_limited``.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from . import clock
from .extensions import limiter
from .services import auth as auth_service

LINK_REQUESTS_PER_ADDRESS = "5/minute;20/hour"
LINK_REQUESTS_PER_CLIENT = "30/minute;300/hour"
SIGN_INS = "30/minute;300/hour"
BALLOT_WRITES = "30/minute;300/hour"
COMMENT_WRITES = "10/minute;120/hour"
REPORT_WRITES = "10/minute;60/hour"

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]


def client_key() -> str:
    """The client's address (behind a proxy, configure it to pass the real one)."""
    return "client:" + (get_remote_address() or "unknown")


def _actor() -> tuple[int, str] | None:
    """``(id, role)`` of the signed-in person (page session or API token), or ``None``.

    Runs before the view, so the API's token is looked up here; the answer is
    kept on ``g`` for the request.
    """
    if "rate_limit_actor" in g:
        return g.rate_limit_actor  # type: ignore[no-any-return]
    found = None
    if request.path.startswith("/api/"):
        token = auth_service.bearer_token(request.headers.get("Authorization"))
        if token is not None:
            found = auth_service.person_for_token(token, clock.now())
    elif getattr(current_user, "is_authenticated", False):
        found = current_user
    actor = (int(found.id), str(found.role)) if found is not None else None
    g.rate_limit_actor = actor
    return actor


def person_key() -> str:
    """The signed-in person, else the client's address."""
    actor = _actor()
    return f"person:{actor[0]}" if actor is not None else client_key()


def _facilitator_reviewing() -> bool:
    """A facilitator's ``PATCH`` of a comment is review work, not a comment write."""
    actor = _actor()
    return request.method == "PATCH" and actor is not None and actor[1] == "facilitator"


#: Decorators for the views of each family (page and API share one count).
ballot_writes = limiter.shared_limit(
    BALLOT_WRITES, scope="ballot-writes", key_func=person_key, methods=WRITE_METHODS
)
comment_writes = limiter.shared_limit(
    COMMENT_WRITES,
    scope="comment-writes",
    key_func=person_key,
    methods=WRITE_METHODS,
    exempt_when=_facilitator_reviewing,
)
report_writes = limiter.shared_limit(
    REPORT_WRITES, scope="report-writes", key_func=person_key, methods=WRITE_METHODS
)
sign_ins = limiter.shared_limit(SIGN_INS, scope="sign-ins", key_func=client_key, methods=["POST"])
link_requests = limiter.shared_limit(
    LINK_REQUESTS_PER_CLIENT, scope="link-requests", key_func=client_key, methods=["POST"]
)


def init_app(app: Flask) -> None:
    """Send ``Retry-After`` only where it means something: on a refusal (429).

    Flask-Limiter adds it to every answer of a limited route, where a client
    (or a proxy) could read it as "come back later" after a success.
    """

    @app.after_request
    def _retry_after_on_refusals_only(response: Response) -> Response:
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)
        return response
