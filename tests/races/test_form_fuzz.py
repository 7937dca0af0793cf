"""Every page form POST route, fuzzed over HTTP against four gunicorn workers.

The routes come from ``app.url_map`` (every ``web.*`` rule that takes POST),
filled with the identifiers of a seeded network; each is sent, as the
facilitator and as a representative: an oversized body, NUL bytes, control
characters, wrong types (letters, huge and negative numbers), duplicated
keys, no CSRF token, and no fields at all. No answer may be a 5xx, the
workers' log may hold no traceback, and a refused request (4xx) may change
nothing: the row counts of the main tables stay as they were.

Runs on SQLite and, with ``--db=postgresql``, on PostgreSQL (which refuses
NUL in text and integers beyond its range, so a value that slips through to a
query fails there first). Bounded: about 35 routes x 9 bodies x 2 people,
one server.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import (
    ApiToken,
    Attendance,
    Ballot,
    BallotChange,
    Comment,
    CommentReport,
    Decision,
    DecisionChange,
    Elector,
    Event,
    FollowUpAction,
    InterestDeclaration,
    LoginSession,
    Meeting,
    MeetingDecision,
    Option,
    Organisation,
    Person,
    Webhook,
)
from cop_vote.services import auth
from tests.live.server import LiveServer
from tests.seed import seed

TABLES = (
    Organisation,
    Person,
    Decision,
    Option,
    Ballot,
    BallotChange,
    Comment,
    CommentReport,
    Meeting,
    MeetingDecision,
    Attendance,
    FollowUpAction,
    InterestDeclaration,
    DecisionChange,
    Elector,
    Webhook,
    Event,
    ApiToken,
    LoginSession,
)
#: Field names the page forms use (a form ignores the ones it does not know).
FIELDS = (
    "body", "option", "options", "parent", "version", "action", "position", "reason",
    "label", "description", "title", "name", "short_name", "slug", "kind", "voting",
    "email", "organisation", "role", "function", "language", "notifications",
    "mail_language", "method", "closes_at", "quorum", "results_visibility",
    "ballot_secrecy", "comments", "counting", "max_score", "dots", "dots_per_option",
    "reminder_hours", "document_url", "statement", "given_by", "version_for",
    "duplicate", "into", "held_on", "location", "text", "owner", "due_on", "note",
    "restore", "next", "options-0-label", "options-0-starts_at", "rank-1", "score-1",
    "dots-1", "slot-1", "attendance-adpc", "note-adpc", "minutes", "decision", "template",
    "done", "lead",
)  # fmt: skip
NUMBERS = ("decision", "option", "parent", "version", "max_score", "dots", "dots_per_option",
           "reminder_hours", "duplicate", "into", "restore", "comments", "quorum", "rank-1",
           "score-1", "dots-1", "organisation", "lead")  # fmt: skip
TOO_BIG = 300 * 1024


def _bodies(token: str) -> list[tuple[str, Any]]:
    """(name, form body) of each kind of bad request; ``token`` is a valid CSRF token."""
    with_token = [("csrf_token", token)]
    twice = [(f, v) for f in FIELDS[:9] for v in "12"]
    return [
        ("oversized", [*with_token, ("body", "x" * TOO_BIG)]),
        ("nul", [*with_token, *((f, f"a\x00{f}") for f in FIELDS)]),
        ("control", [*with_token, *((f, f"\x1b[31m{f}\x07\x7f") for f in FIELDS)]),
        ("letters", [*with_token, *((f, "abc") for f in NUMBERS)]),
        ("huge", [*with_token, *((f, "9" * 25) for f in NUMBERS)]),
        ("negative", [*with_token, *((f, "-1") for f in NUMBERS)]),
        ("duplicated", [*with_token, ("csrf_token", "x"), *twice]),
        ("no csrf", [(f, "1") for f in FIELDS]),
        ("no fields", with_token),
    ]  # fmt: skip


def _counts() -> tuple[int, ...]:
    """The row count of each of :data:`TABLES`, in one query."""
    query = select(*(select(func.count()).select_from(t).scalar_subquery() for t in TABLES))
    counts = tuple(int(n) for n in db.session.execute(query).one())
    db.session.commit()  # no transaction of ours may hold SQLite's lock while workers run
    return counts


def _routes(app: Flask, args: dict[str, Any]) -> list[str]:
    """Every page POST route, filled with ``args``; signing out last."""
    paths = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("web.") or "POST" not in (rule.methods or ()):
                continue
            missing = set(rule.arguments) - set(args)
            assert not missing, (rule.rule, missing)
            values = {name: args[name] for name in rule.arguments}
            paths.append(url_for(rule.endpoint, **values))
    logout = "/auth/logout"
    return sorted(p for p in paths if p != logout) + [logout]


def test_page_forms_refuse_bad_input_without_a_5xx_and_change_nothing(
    app: Flask, database_url: str, clock: Any
) -> None:
    seeded = seed(app, clock.now)
    secrets = {}
    for role in ("representative", "facilitator"):
        issued = auth.issue_login_link(seeded.people[role].email or "", clock.now, minutes=30)
        assert issued is not None
        secrets[role] = issued[1]
    args = {
        "decision_id": seeded.decisions["open"],
        "comment_id": seeded.comment,
        "meeting_id": seeded.meeting,
        "action_id": seeded.extra["action"],
        # Someone and an organisation that no signed-in client depends on.
        "person_id": seeded.people["observer"].id,
        "slug": "seva",
        "token_id": 2**31 - 1,
        "option_id": 2**31 - 1,
        "notification_id": 2**31 - 1,
        "webhook_id": 2**31 - 1,
        "secret": "not-a-sign-in-link",
    }
    db.session.commit()
    routes = _routes(app, args)
    assert len(routes) >= 25, routes
    answers: list[tuple[str, str, str, int]] = []
    with LiveServer(database_url, workers=4) as server:
        for role, secret in secrets.items():  # the representative first: signing out ends each
            with server.client() as browser:
                browser.sign_in(secret)
                token = browser.csrf("/profile")
                counts = _counts()
                for path in routes:
                    for name, body in _bodies(token):
                        response = browser.post(path, content=_encode(body), headers=FORM)
                        status = response.status_code
                        answers.append((role, path, name, status))
                        assert status < 500, (role, path, name, response.text[:500])
                        now = _counts()
                        if 400 <= status < 500:
                            assert now == counts, (role, path, name, status)
                        counts = now
        errors = server.server_errors()
    assert errors == [], errors
    refused = sum(1 for *_rest, status in answers if 400 <= status < 500)
    assert refused >= len(answers) // 2, answers  # the bad bodies were refused, not ignored


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _encode(pairs: list[tuple[str, str]]) -> bytes:
    """A form body that keeps repeated keys and every byte (NUL included)."""
    from urllib.parse import urlencode

    return urlencode(pairs).encode()
