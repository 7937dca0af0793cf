"""Every address the API hands out answers the token that fetched it (API.md,
"Links answer the token").

On the kick-off demo network, with decisions added through the API in every
status and method (secret ballots, a published meeting time, large meeting
packs built by the worker), a facilitator and a representative read every
GET route of the API (found from the app's routes, so a new route is read
without being listed), collect every absolute address of this app anywhere
in the answers, and follow each with the same token: 200, or the 403 that
API.md documents for the role (:data:`EXPECTED_403`), never the sign-in page
and never a cookie. A token that signs nobody in is 401 with
``WWW-Authenticate: Bearer``; a write with only a token changes nothing.

Each request runs in an application context of its own, as in a server:
the test's own context would otherwise carry the person Flask-Login found
from one request to the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from html import unescape
from itertools import product
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from cop_vote.domain.ballots import METHODS
from cop_vote.domain.lifecycle import Status
from cop_vote.extensions import db
from cop_vote.models import Person
from cop_vote.web import exports
from tests.dbstate import snapshot

API = "/api/v1"
BASE = "http://localhost"
#: (role, endpoint) of a link that API.md documents as refused (403) for that
#: role. None today: every link the API hands a role answers it. A link that
#: answers 403 and is not listed here fails the test.
EXPECTED_403: frozenset[tuple[str, str]] = frozenset()

#: How each path argument of an API GET route is filled: from the ids of the
#: objects the walk has seen. A route with another argument fails the test
#: until it is taught here.
ARGUMENTS = ("decision_id", "meeting_id", "slug")


def fetch(
    app: Flask, client: FlaskClient, url: str, headers: dict[str, str], method: str = "GET"
) -> TestResponse:
    """One request in an application context of its own (see the module)."""
    with app.app_context():
        return client.open(url, method=method, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _iso(value: Any) -> str:
    return str(value.isoformat())


@pytest.fixture
def demo(runner: Any, token_for: Any) -> dict[str, dict[str, str]]:
    """The kick-off demo network (four open decisions), and API headers of
    its facilitator and of a representative of a voting organisation."""
    result = runner.invoke(args=["cop", "load-demo"])
    assert result.exit_code == 0, result.output
    people = list(db.session.execute(select(Person).order_by(Person.id)).scalars())
    facilitator = next(p for p in people if p.role == "facilitator")
    representative = next(
        p
        for p in people
        if p.role == "representative" and p.organisation is not None and p.organisation.voting
    )
    return {"facilitator": token_for(facilitator), "representative": token_for(representative)}


#: The decisions :func:`world` adds: (method, status, fields). With the demo's
#: four open ones, every method and every status, secret ballots closed and
#: published, a published meeting time (its calendar file).
ADDED: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("single_choice", "published", {}),
    ("approval", "open", {"results_visibility": "after_own_ballot"}),
    ("ranked", "closed", {}),
    ("score", "published", {}),
    ("consent", "open", {}),
    ("dot_vote", "published", {}),
    ("meeting_time", "published", {}),
    ("discussion", "open", {}),
    ("single_choice", "draft", {}),
    ("approval", "withdrawn", {}),
    ("single_choice", "closed", {"ballot_secrecy": "secret", "results_visibility": "after_close"}),
    ("ranked", "published", {"ballot_secrecy": "secret", "results_visibility": "after_close"}),
)


@pytest.fixture
def world(
    app: Flask, client: FlaskClient, clock: Any, monkeypatch: Any, demo: dict[str, Any]
) -> dict[str, Any]:
    """The demo with the decisions of :data:`ADDED`, made through the API;
    the representative's organisation has cast a ballot (or commented) in
    each one that opened; both people have a calendar feed. The first open
    and the first published one have three comments: more than the two a
    meeting pack built in the request may hold here, so their Word and
    Excel packs are built by the worker."""
    monkeypatch.setattr(exports, "LARGE_PACK_COMMENTS", 2)
    # Mail is not what this is about: nobody is mailed, so it takes half the time.
    db.session.execute(update(Person).values(notifications="none", alerts="none"))
    db.session.commit()
    fac, rep = demo["facilitator"], demo["representative"]

    def post(url: str, body: Any = None, who: dict[str, str] = fac, status: int = 200) -> Any:
        response = client.post(url, json=body, headers=who)
        assert response.status_code == status, (url, response.get_json())
        return response.get_json()

    def options(method: str) -> list[dict[str, Any]]:
        if method == "consent":
            return [{"label": "The proposal"}]
        if method != "meeting_time":
            return [{"label": "Foundation"}, {"label": "Association"}, {"label": "Network"}]
        start = clock.now + timedelta(days=30)
        return [
            {
                "starts_at": _iso(start + timedelta(days=n)),
                "ends_at": _iso(start + timedelta(days=n, hours=2)),
            }
            for n in range(3)
        ]

    long_threads = {"open", "published"}
    for method, status, fields in ADDED:
        body = {
            "title": f"{method}, {status}",
            "method": method,
            "options": options(method),
            "closes_at": _iso(clock.now + timedelta(days=14)),
            "results_visibility": "live",
            **fields,
        }
        decision = post(f"{API}/decisions", body, status=201)
        did = decision["id"]
        if status == "withdrawn":
            post(f"{API}/decisions/{did}/withdraw", {"statement": "Not needed."})
        if status in ("draft", "withdrawn"):
            continue
        post(f"{API}/decisions/{did}/open")
        if method == "discussion":
            post(f"{API}/decisions/{did}/comments", {"body": "We agree."}, rep, 201)
        else:
            ballot = client.put(
                f"{API}/decisions/{did}/ballot", json={"abstain": True}, headers=rep
            )
            assert ballot.status_code == 200, ballot.get_json()
        if status in long_threads and method != "discussion":
            long_threads.discard(status)
            for n in range(3):
                post(f"{API}/decisions/{did}/comments", {"body": f"Comment {n}."}, rep, 201)
        if status in ("closed", "published"):
            post(f"{API}/decisions/{did}/close")
        if status == "published":
            option = decision["options"][0]["id"]
            post(f"{API}/decisions/{did}/publish", {"option": option, "statement": "Decided."})
    for who in (fac, rep):
        post(f"{API}/me/calendar", who=who, status=201)
    db.session.commit()
    return {"headers": demo}


def urls_in(value: Any) -> Iterator[str]:
    """Every string in a JSON value that is an absolute address of this app."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and urlsplit(item).netloc == "localhost" and "://" in item:
            yield item


def api_get_routes(app: Flask) -> list[tuple[str, tuple[str, ...]]]:
    """``(rule, arguments)`` of every GET route of the API."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and "GET" in (rule.methods or ()):
            routes.append((rule.rule, tuple(sorted(rule.arguments))))
    return sorted(routes)


def read_the_api(app: Flask, client: FlaskClient, headers: dict[str, str]) -> dict[str, set[str]]:
    """Read every GET route of the API (each page of each list) for every
    object it can name; :returns: each app address found → the API addresses
    whose answers held it."""
    found: dict[str, set[str]] = {}
    ids: dict[str, set[Any]] = {name: set() for name in ARGUMENTS}

    def read(path: str) -> Any:
        body: Any = None
        url: str | None = path
        while url is not None:
            response = fetch(app, client, url, headers)
            if response.status_code != 200 or not response.is_json:
                return None
            body = response.get_json()
            for link in urls_in(body):
                found.setdefault(link, set()).add(url)
            cursor = body.get("next") if isinstance(body, dict) else None
            url = f"{path}{'&' if '?' in path else '?'}cursor={cursor}" if cursor else None
            if isinstance(body, dict):
                items = body.get("items") or []
                if path == f"{API}/decisions":
                    ids["decision_id"].update(item["id"] for item in items)
                if path == f"{API}/meetings":
                    ids["meeting_id"].update(item["id"] for item in items)
                if path == f"{API}/organisations":
                    ids["slug"].update(item["slug"] for item in items)
        return body

    routes = api_get_routes(app)
    # The lists first: they name the objects the other routes are read for.
    for rule, arguments in routes:
        if not arguments:
            read(rule)
    for rule, arguments in routes:
        if not arguments:
            continue
        unknown = set(arguments) - set(ARGUMENTS)
        assert not unknown, f"{rule}: teach this test how to fill {sorted(unknown)} (ARGUMENTS)"
        assert all(ids[name] for name in arguments), f"{rule}: the walk found nothing to read"
        for values in product(*(sorted(ids[name], key=str) for name in arguments)):
            path = rule
            for name, value in zip(arguments, values, strict=True):
                path = re.sub(r"<(?:[a-z]+:)?" + name + ">", str(value), path)
            read(path)
    return found


def follow(
    app: Flask, client: FlaskClient, url: str, headers: dict[str, str]
) -> tuple[TestResponse, list[str]]:
    """GET ``url`` with ``headers``, following redirects on this site (the
    token goes along, as it would to the same origin); :returns: the last
    answer and every address asked, in order. Each answer is checked for
    a cookie and for being sent to sign in."""
    asked = [url]
    while True:
        response = fetch(app, client, asked[-1], headers)
        assert "Set-Cookie" not in response.headers, (asked, response.headers["Set-Cookie"])
        location = response.headers.get("Location")
        if response.status_code not in (301, 302, 303, 307, 308) or not location:
            return response, asked
        assert "/auth/login" not in location, f"{asked}: sent to sign in"
        if location.startswith("/"):
            location = BASE + location
        assert urlsplit(location).netloc == "localhost", (asked, location)
        assert len(asked) < 5, asked
        asked.append(location)


def endpoint_of(app: Flask, url: str) -> str:
    parts = urlsplit(url)
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(parts.path, method="GET")
    return str(endpoint)


@pytest.mark.parametrize("role", ["facilitator", "representative"])
def test_every_address_in_the_api_answers_its_token(
    app: Flask, client: FlaskClient, world: dict[str, Any], role: str
) -> None:
    headers = world["headers"][role]
    if role == "facilitator":  # every method and status is there to be read
        listed = fetch(app, client, f"{API}/decisions?limit=200", headers).get_json()["items"]
        assert {d["method"] for d in listed} == set(METHODS)
        assert {d["status"] for d in listed} == {status.value for status in Status}
    found = read_the_api(app, client, headers)
    endpoints = {endpoint_of(app, url) for url in found}
    # The walk reached what this test is about: pages, downloads, the pack
    # the worker builds, the calendar, the feed, the API's own links.
    expected = {"web.decision", "web.meeting_calendar", "web.calendar_feed_file", "api.get_results"}
    expected |= {"api.get_ballot_record"}
    if role == "facilitator":
        expected |= {
            "web.meeting_pack",
            "web.meeting_pack_csv",
            "web.meeting_pack_docx",
            "web.meeting_pack_xlsx",
            "web.ballots_csv",
        }
    assert expected <= endpoints, expected - endpoints

    failures = []
    pack_jobs = 0
    for url in sorted(found):
        response, asked = follow(app, client, url, headers)
        endpoint = endpoint_of(app, url)
        if response.status_code == 403 and (role, endpoint) in EXPECTED_403:
            continue
        if response.status_code != 200:
            failures.append((url, asked, response.status_code, sorted(found[url])[:2]))
        if len(asked) > 1:
            pack_jobs += 1
            assert endpoint in ("web.meeting_pack_docx", "web.meeting_pack_xlsx"), asked
    assert not failures, failures
    if role == "facilitator":
        assert pack_jobs >= 2  # a Word and an Excel pack went through the worker


def test_a_pack_the_worker_builds_is_fetched_with_the_token(
    app: Flask, client: FlaskClient, world: dict[str, Any]
) -> None:
    headers = world["headers"]["facilitator"]
    decisions = fetch(app, client, f"{API}/decisions?limit=200", headers).get_json()["items"]
    for kind, mimetype in (("docx", exports.DOCX_MIMETYPE), ("xlsx", exports.XLSX_MIMETYPE)):
        handed = []
        for decision in decisions:
            link = decision["links"].get(f"meeting_pack_{kind}")
            if link:
                job_page, asked = follow(app, client, link, headers)
                if len(asked) > 1:
                    handed.append(job_page)
        assert len(handed) >= 2, f"the {kind} packs were not handed to the worker"
        for job_page in handed:
            # The queue runs at once in the tests: the job's page offers the file.
            assert job_page.status_code == 200
            html = job_page.get_data(as_text=True)
            found = re.search(r'href="(/decisions/\d+/meeting-pack/[^"]+\.' + kind + ')"', html)
            assert found, html
            file_url = BASE + unescape(found.group(1))
            download = fetch(app, client, file_url, headers)
            assert download.status_code == 200
            assert download.mimetype == mimetype
            assert "Set-Cookie" not in download.headers
            # Without the token the file is not given: a browser is sent to sign in.
            anonymous = fetch(app, client, file_url, {})
            assert anonymous.status_code == 302
            assert "/auth/login" in anonymous.headers["Location"]


def test_a_token_that_signs_nobody_in_is_401_not_the_sign_in_page(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    headers = demo["representative"]
    decision = fetch(app, client, f"{API}/decisions", headers).get_json()["items"][0]
    page = decision["url"]
    assert fetch(app, client, page, headers).status_code == 200
    head = fetch(app, client, page, headers, method="HEAD")
    assert head.status_code == 200 and "Set-Cookie" not in head.headers

    # A browser without the header is still sent to sign in.
    browser = fetch(app, client, page, {})
    assert browser.status_code == 302 and "/auth/login" in browser.headers["Location"]
    # The token in the query string signs nobody in.
    token = headers["Authorization"].split(" ", 1)[1]
    for name in ("token", "access_token"):
        in_query = fetch(app, client, f"{page}?{name}={token}", {})
        assert in_query.status_code == 302, name

    unknown = fetch(app, client, page, bearer("cv_unknown"))
    assert unknown.status_code == 401
    assert unknown.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Location" not in unknown.headers and "Set-Cookie" not in unknown.headers

    # Revoked through the API: the same address is 401 at once.
    (own,) = fetch(app, client, f"{API}/me/tokens", headers).get_json()["items"]
    with app.app_context():
        revoked = client.delete(f"{API}/me/tokens/{own['id']}", headers=headers)
    assert revoked.status_code == 204
    for url in (page, decision["links"].get("results", page)):
        gone = fetch(app, client, url, headers)
        assert gone.status_code == 401, url
        assert gone.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_person_is_refused_as_by_the_api(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    rep = demo["representative"]
    me = fetch(app, client, f"{API}/me", rep).get_json()
    page = fetch(app, client, f"{API}/decisions", rep).get_json()["items"][0]["url"]
    with app.app_context():
        changed = client.patch(
            f"{API}/people/{me['id']}",
            json={"active": False},
            headers=demo["facilitator"],
        )
    assert changed.status_code == 200, changed.get_json()
    assert fetch(app, client, f"{API}/me", rep).status_code == 401
    refused = fetch(app, client, page, rep)
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_write_with_only_a_token_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, demo: dict[str, Any]
) -> None:
    headers = demo["representative"]
    decisions = fetch(app, client, f"{API}/decisions", headers).get_json()["items"]
    decision = next(
        d for d in decisions if d["status"] == "open" and d["method"] == "single_choice"
    )
    page = fetch(app, client, decision["url"], headers)
    html = page.get_data(as_text=True)
    # The page holds the ballot form, with a CSRF token that no session keeps.
    form = re.search(r'<form[^>]*action="([^"]*ballot[^"]*)"', html)
    assert form, "no ballot form on the page"
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert csrf
    ballot_url = f"{API}/decisions/{decision['id']}/ballot"
    ballot = fetch(app, client, ballot_url, headers).get_data()
    before = snapshot()
    with app.app_context():
        sent = client.post(
            BASE + unescape(form.group(1)).split("#")[0],
            data={"csrf_token": unescape(csrf.group(1)), "option": decision["options"][0]["id"]},
            headers=headers,
        )
    assert sent.status_code in (400, 401, 403), sent.status_code
    assert "Set-Cookie" not in sent.headers
    assert snapshot() == before
    assert fetch(app, client, ballot_url, headers).get_data() == ballot
