"""Constant work per request: the number of SQL statements of every page and
API route does not grow with the network.

Every GET route of ``app.url_map`` (and the main writes: the API's PUT ballot,
the ballot form, the comment form) is requested at two sizes of the kick-off
network, signed in as a role that may see it, counting statements with a
SQLAlchemy ``before_cursor_execute`` event. A route that is added without a
way to fill it here fails :func:`test_every_route_is_counted`, so it cannot
escape the count. Speed itself is measured in ``bench/``, not here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from flask import Flask, before_render_template, has_request_context, request, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event, select

from cop_vote import notifications, queue
from cop_vote.clock import now
from cop_vote.extensions import db
from cop_vote.models import Comment, Decision, Organisation, Person
from cop_vote.services import (
    auth,
    ballots,
    calendar_feed,
    comments,
    decisions,
    moderation,
    transitions,
)
from tests import dbstate
from tests.seed import Seeded, seed

from .conftest import FreshClient
from .helpers import csrf_token, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

#: Routes not counted, and why.
EXCLUDED = {
    # Files from disk, no database; the icon's old address leads to one.
    "static",
    "favicon",
    # The OpenAPI document is built from code, no database.
    "openapi.spec",
    # The sign-in link consumes a one-time secret; its GET shows a confirm
    # form and reads one token (checked in tests/web/test_auth.py).
    "web.login_link",
    # A lead's confirm page for removing someone else of their organisation:
    # the seeded lead's is the only person of theirs, so the walk would ask
    # for the lead themself (403). Counted in tests/web/test_our_organisation.py.
    "web.our_organisation_remove",
}

#: Which seeded decision fills ``decision_id`` for an endpoint (default ``open``).
DECISION_FOR = {
    "web.outcome": "published",
    "web.ballot_record": "published",
    "web.ballots_csv": "published",
    "web.meeting_calendar": "published",
    "api.get_ballot_record": "published",
    "api.list_objections": "published",
    "web.admin_decision_publish": "closed",
    "web.admin_decision_reopen": "reopenable",
    "web.admin_decision_amend": "published",
    "web.admin_decision_open": "draft",
    "web.admin_decision_edit": "draft",
}

#: Roles tried, in order, for each route: the first that gets a 2xx answer in
#: the small network is used at both sizes.
ROLES = ("representative", "facilitator", "observer")

#: Extra member organisations (three representatives each) in the large network.
SMALL, LARGE = 0, 20


def _empty(app: Flask) -> None:
    """Remove every row (as the ``app`` fixture does), to build another network."""
    db.session.rollback()
    dbstate.empty()
    db.session.expunge_all()


def build(app: Flask, now: datetime, extra: int, *, comments_per_org: int = 1) -> Seeded:
    """The seeded kick-off network with ``extra`` more member organisations,
    three representatives each, a ballot from every organisation on the open
    and live decisions, and a comment from every organisation."""
    with notifications.suppressed():
        for i in range(extra):
            org = Organisation(
                slug=f"extra-{i}", name=f"Extra {i}", short_name=f"X{i}", kind="ngo", created_at=now
            )
            db.session.add(org)
            for j in range(3):
                db.session.add(
                    Person(
                        name=f"Rep {i}.{j}",
                        email=f"rep{i}.{j}@extra.example.org",
                        organisation=org,
                        role="representative",
                        created_at=now,
                    )
                )
        db.session.commit()
        seeded = seed(app, now)
        reps = db.session.execute(
            select(Person).where(Person.role == "representative").order_by(Person.id)
        ).scalars()
        first: dict[int, Person] = {}
        for person in reps:
            if person.organisation_id is not None:
                first.setdefault(person.organisation_id, person)
        live = db.session.get(Decision, seeded.decisions["live"])
        form = db.session.get(Decision, seeded.decisions["open"])
        assert live is not None and form is not None
        facilitator = seeded.people["facilitator"]
        secret = decisions.create_decision(
            facilitator,
            {
                "title": "A secret choice",
                "method": "single_choice",
                "ballot_secrecy": "secret",
                "options": [{"label": "Yes"}, {"label": "No"}],
            },
            now,
        )
        transitions.open_decision(facilitator, secret.id, now)
        seeded.decisions["closed"] = secret.id
        # An open-ballot decision closed with every organisation's ballot: one
        # that can be reopened (a secret one cannot).
        reopenable = decisions.create_decision(
            facilitator,
            {
                "title": "An open choice",
                "method": "single_choice",
                "options": [{"label": "Yes"}, {"label": "No"}],
            },
            now,
        )
        transitions.open_decision(facilitator, reopenable.id, now)
        seeded.decisions["reopenable"] = reopenable.id
        previous: int | None = None
        for org_id, person in first.items():
            if ballots.find_ballot(form.id, org_id) is None:
                ballots.cast_ballot(person, form.id, {"option": form.options[-1].id}, now)
            ballots.cast_ballot(person, live.id, {"dots": {str(live.options[0].id): 1}}, now)
            for k in range(comments_per_org):
                comment = comments.add_comment(person, form.id, f"Comment {k} of {org_id}.", now)
            ballots.cast_ballot(person, secret.id, {"option": secret.options[0].id}, now)
            ballots.cast_ballot(person, reopenable.id, {"option": reopenable.options[0].id}, now)
            if previous is not None:
                moderation.report_comment(person, previous, "Look at this.", now)
            previous = comment.id
        transitions.close_decision(facilitator, secret.id, now)
        transitions.close_decision(facilitator, reopenable.id, now)
        db.session.commit()
    return seeded


#: Statements sent while a template renders (lazy loads in templates), by endpoint.
IN_TEMPLATES: dict[str, list[str]] = {}
_rendering: list[str] = []


def _render_started(sender: Any, template: Any, context: Any, **extra: Any) -> None:
    _rendering.append(template.name)


def _render_ended(sender: Any, template: Any, context: Any, **extra: Any) -> None:
    if _rendering:
        _rendering.pop()


@contextmanager
def counting() -> Iterator[list[str]]:
    """Collect the statements sent to the database meanwhile; those sent while
    a template renders are also kept in :data:`IN_TEMPLATES` (by endpoint)."""
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)
        if _rendering:
            endpoint = request.endpoint if has_request_context() else None
            IN_TEMPLATES.setdefault(str(endpoint), []).append(" ".join(statement.split())[:120])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    before_render_template.connect(_render_started)
    template_rendered.connect(_render_ended)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
        before_render_template.disconnect(_render_started)
        template_rendered.disconnect(_render_ended)
        _rendering.clear()


def _routes(app: Flask) -> list[tuple[str, str]]:
    """Every (endpoint, rule) with a GET, minus :data:`EXCLUDED`."""
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in EXCLUDED
    )


class Visitor:
    """Signed-in browsers and API tokens for each role of a seeded network."""

    def __init__(self, app: Flask, seeded: Seeded, now: datetime) -> None:
        self.app = app
        self.seeded = seeded
        self.browsers: dict[str, FlaskClient] = {}
        self.tokens: dict[str, dict[str, str]] = {}
        for role in ROLES:
            person = seeded.people[role]
            app.test_client_class = FreshClient
            browser = app.test_client()
            browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
            sign_in(browser, app, person)
            self.browsers[role] = browser
            _p, token = auth.issue_api_token(person.email or "", now)
            self.tokens[role] = {"Authorization": f"Bearer {token}"}
        db.session.commit()
        # A token's first use writes its last_used_at (one UPDATE, then at most
        # once an hour): use each once here, so that every count is of a token
        # in use, whichever route happens to come first.
        for role in ROLES:
            assert app.test_client().get("/api/v1/me", headers=self.tokens[role]).status_code == 200

    def url(self, endpoint: str, rule: str) -> str | None:
        arguments = set(self.app.url_map._rules_by_endpoint[endpoint][0].arguments)
        wants_job = "job" in arguments
        arguments.discard("job")
        wants_feed = endpoint == "web.calendar_feed_file"
        arguments.discard("secret" if wants_feed else "")
        values = self.seeded.path_args(arguments, decision=DECISION_FOR.get(endpoint, "open"))
        if values is None:
            return None
        if wants_job:
            # A large meeting pack the worker built (tasks run at once in the tests).
            facilitator = self.seeded.people["facilitator"]
            kind = "xlsx" if endpoint.endswith("xlsx_file") else "docx"
            values["job"] = queue.get().prepare_pack(
                values["decision_id"], facilitator.id, "en", kind
            )
        if wants_feed:
            # The representative's calendar feed (read with no session, as an app does).
            values["secret"] = calendar_feed.issue_feed(
                self.seeded.people["representative"], str(self.app.config["SECRET_KEY"]), now()
            )[0]
            db.session.commit()
        with self.app.test_request_context():
            from flask import url_for

            return url_for(endpoint, **values)

    def get(self, role: str, endpoint: str, url: str, **kwargs: Any) -> tuple[int, int]:
        """(status, statements) of one GET as ``role``."""
        if endpoint.startswith("api."):
            client = self.app.test_client()
            with counting() as statements:
                response = client.get(url, headers=self.tokens[role], **kwargs)
        else:
            browser = self.browsers[role]
            db.session.commit()
            with counting() as statements:
                response = browser.get(url, **kwargs)
        if os.environ.get("COP_SHOW_STATEMENTS") == endpoint:
            print(
                "\n" + endpoint, url, *(" ".join(s.split())[:160] for s in statements), sep="\n  "
            )
        return response.status_code, len(statements)


def measure(
    visitor: Visitor, roles: dict[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Statements per endpoint; with ``roles`` given, as those roles."""
    counts: dict[str, int] = {}
    chosen: dict[str, str] = {}
    missing: list[str] = []
    for endpoint, rule in _routes(visitor.app):
        url = visitor.url(endpoint, rule)
        if url is None:
            missing.append(endpoint)
            continue
        for role in [roles[endpoint]] if roles else list(ROLES):
            if roles and endpoint not in roles:
                continue
            status, n = visitor.get(role, endpoint, url)
            if 200 <= status < 300:
                counts[endpoint] = n
                chosen[endpoint] = role
                break
        else:
            missing.append(endpoint)
    return counts, chosen, missing


def test_every_route_is_counted(app: Flask, clock: Any) -> None:
    """Each GET route gets a 2xx answer for some role, so none escapes the count;
    and no template sends a query (everything a page shows is passed in)."""
    seeded = build(app, clock.now, SMALL)
    IN_TEMPLATES.clear()
    _counts, _roles, missing = measure(Visitor(app, seeded, clock.now))
    assert missing == []
    assert IN_TEMPLATES == {}


#: The htmx fragments of pages (endpoint, element id, role, seeded decision).
FRAGMENTS = (
    ("web.decision", "comments", "representative", "open"),
    ("web.decision", "participation-count", "representative", "open"),
    ("web.decision", "ballot", "representative", "open"),
    ("web.results", "results-panel", "representative", "live"),
    ("web.participation", "participation-panel", "representative", "open"),
    ("web.review_queue", "review-queue", "facilitator", "open"),
)


def _fragments(visitor: Visitor) -> dict[str, int]:
    """Statements of each htmx fragment, as htmx asks for it."""
    out: dict[str, int] = {}
    for endpoint, target, role, decision in FRAGMENTS:
        with visitor.app.test_request_context():
            from flask import url_for

            url = url_for(endpoint, decision_id=visitor.seeded.decisions[decision])
        status, n = visitor.get(
            role, endpoint, url, headers={"HX-Request": "true", "HX-Target": target}
        )
        assert status == 200, (endpoint, target, status)
        out[f"{endpoint}#{target}"] = n
    return out


def _writes(visitor: Visitor, now: datetime) -> dict[str, int]:
    """Statements of the main writes: the API's PUT ballot, the ballot form,
    the comment form (as a representative of the seeded network)."""
    app, seeded = visitor.app, visitor.seeded
    decision = db.session.get(Decision, seeded.decisions["open"])
    assert decision is not None
    option = decision.options[1].id
    out: dict[str, int] = {}
    client = app.test_client()
    with counting() as statements:
        response = client.put(
            f"/api/v1/decisions/{decision.id}/ballot",
            json={"option": option},
            headers=visitor.tokens["representative"],
        )
    assert response.status_code == 200, response.get_json()
    out["api.put_ballot"] = len(statements)
    browser = visitor.browsers["representative"]
    page = browser.get(f"/decisions/{decision.id}").get_data(as_text=True)
    token = csrf_token(page)
    version = response.get_json()["version"]
    with counting() as statements:
        response = browser.post(
            f"/decisions/{decision.id}/ballot",
            data={"csrf_token": token, "option": str(decision.options[0].id), "version": version},
        )
    assert response.status_code in (200, 303), response.status_code
    out["web.cast"] = len(statements)
    with counting() as statements:
        response = browser.post(
            f"/decisions/{decision.id}/comments", data={"csrf_token": token, "body": "One more."}
        )
    assert response.status_code in (200, 303), response.status_code
    out["web.comment_add"] = len(statements)
    return out


def test_statements_do_not_grow_with_the_network(app: Flask, clock: Any) -> None:
    """Every GET route and the main writes issue as many statements in a
    network of 16 + 20 organisations as in one of 16."""
    small_seed = build(app, clock.now, SMALL)
    small_visitor = Visitor(app, small_seed, clock.now)
    small, roles, missing = measure(small_visitor)
    assert missing == []
    small.update(_fragments(small_visitor))
    small.update(_writes(small_visitor, clock.now))
    _empty(app)
    large_visitor = Visitor(app, build(app, clock.now, LARGE), clock.now)
    large, _roles, _missing = measure(large_visitor, roles)
    large.update(_fragments(large_visitor))
    large.update(_writes(large_visitor, clock.now))
    grown = {
        endpoint: (small[endpoint], large.get(endpoint))
        for endpoint in small
        if large.get(endpoint) != small[endpoint]
    }
    if os.environ.get("COP_SHOW_COUNTS"):
        for endpoint in sorted(small):
            role = roles.get(endpoint, "-")
            print(f"{endpoint:40} {role:15} {small[endpoint]:5} {large.get(endpoint)}")
    assert grown == {}, "statements (small, large) per endpoint that changed"


def _add_comments(decision_id: int, people: list[Person], count: int, now: datetime) -> None:
    """``count`` comments (every third with a reply), written as rows for speed."""
    for i in range(count):
        author = people[i % len(people)]
        comment = Comment(
            decision_id=decision_id,
            author_id=author.id,
            organisation_id=author.organisation_id,
            body=f"Comment {i}.",
            created_at=now,
            review="flagged" if i % 5 == 0 else "new",
        )
        db.session.add(comment)
        if i % 3 == 0:
            db.session.flush()
            db.session.add(
                Comment(
                    decision_id=decision_id,
                    parent_id=comment.id,
                    author_id=people[(i + 1) % len(people)].id,
                    organisation_id=people[(i + 1) % len(people)].organisation_id,
                    body=f"Reply to {i}.",
                    created_at=now,
                )
            )
    db.session.commit()


def test_many_comments_cost_as_many_statements_as_a_few(app: Flask, clock: Any) -> None:
    """A decision with 300 comments is shown (first page, a later page, the
    API's list, the review queue, the meeting pack) with as many statements
    as one with 10: comment pages are fetched with LIMIT and a keyset cursor."""
    seeded = build(app, clock.now, SMALL)
    visitor = Visitor(app, seeded, clock.now)
    did = seeded.decisions["discussion"]
    people = list(
        db.session.execute(
            select(Person).where(Person.role == "representative").order_by(Person.id)
        ).scalars()
    )
    app.config["COMMENTS_PER_PAGE"] = 5
    app.config["REVIEW_PER_PAGE"] = 5

    def counts() -> dict[str, int]:
        first = db.session.execute(
            select(Comment.id)
            .where(Comment.decision_id == did, Comment.parent_id.is_(None))
            .order_by(Comment.id)
            .offset(6)
            .limit(1)
        ).scalar_one()
        urls = {
            "decision": ("representative", "web.decision", f"/decisions/{did}"),
            "later page": ("representative", "web.decision", f"/decisions/{did}?after={first}"),
            "api comments": (
                "representative",
                "api.list_comments",
                f"/api/v1/decisions/{did}/comments?limit=5",
            ),
            "review": ("facilitator", "web.review_queue", f"/admin/decisions/{did}/review"),
            "pack": ("facilitator", "web.meeting_pack", f"/decisions/{did}/meeting-pack"),
            "pack csv": (
                "facilitator",
                "web.meeting_pack_csv",
                f"/decisions/{did}/meeting-pack.csv",
            ),
            "pack xlsx": (
                "facilitator",
                "web.meeting_pack_xlsx",
                f"/decisions/{did}/meeting-pack.xlsx",
            ),
            "api review": (
                "facilitator",
                "api.review_queue",
                f"/api/v1/decisions/{did}/review?limit=5",
            ),
        }
        found: dict[str, int] = {}
        for name, (role, endpoint, url) in urls.items():
            status, n = visitor.get(role, endpoint, url)
            assert status == 200, (name, status)
            found[name] = n
        return found

    _add_comments(did, people, 10, clock.now)
    few = counts()
    _add_comments(did, people, 290, clock.now)
    many = counts()
    assert many == few
