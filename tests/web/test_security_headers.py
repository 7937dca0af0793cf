"""Every GET answer carries the security headers and a strict CSP, and no page
holds an inline script, an inline style or an event-handler attribute.

The routes come from ``app.url_map`` (pages, API, static files, health), each
visited as facilitator, representative, observer and anonymous visitor, with
the identifiers of a seeded network, for several decisions in different states,
and for the htmx fragments of the pages that have them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.services import auth as auth_service
from tests.seed import ROLES, Seeded, seed

from .conftest import _client
from .helpers import sign_in

DECISIONS = ("open", "live", "published", "discussion", "draft")
#: (path template, HX-Target) of the htmx fragments.
FRAGMENTS = (
    ("/decisions/{open}", "ballot"),
    ("/decisions/{open}", "comments"),
    ("/decisions/{open}", "participation-count"),
    ("/admin/decisions/{open}/review", "review-queue"),
)

_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
_STYLE_ELEMENT = re.compile(r"<style\b", re.I)
_EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def csp(response: Any) -> dict[str, str]:
    """The Content-Security-Policy as ``{directive: sources}``."""
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def check_headers(response: Any, where: str) -> None:
    """The security headers of one answer (any status, any content type)."""
    policy = csp(response)
    assert policy.get("default-src") == "'self'", where
    assert policy.get("script-src") == "'self'", where
    assert policy.get("style-src") == "'self'", where
    assert policy.get("object-src") == "'none'", where
    assert policy.get("base-uri") == "'self'", where
    assert policy.get("form-action") == "'self'", where
    assert policy.get("frame-ancestors") == "'none'", where
    header = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in (
        "strict-origin-when-cross-origin",
        "no-referrer",
    ), where
    permissions = response.headers.get("Permissions-Policy", "")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions, where
    assert "Strict-Transport-Security" not in response.headers, where  # plain HTTP


def check_body(response: Any, where: str) -> None:
    """No inline script, style or event handler in an HTML answer."""
    if response.mimetype != "text/html":
        return
    html = response.get_data(as_text=True)
    assert not _INLINE_SCRIPT.search(html), (where, _INLINE_SCRIPT.search(html))
    assert not _STYLE_ATTRIBUTE.search(html), (where, _STYLE_ATTRIBUTE.search(html))
    assert not _STYLE_ELEMENT.search(html), where
    assert not _EVENT_HANDLER.search(html), (where, _EVENT_HANDLER.search(html))


def get_urls(app: Flask, seeded: Seeded, secret: str) -> list[str]:
    """Every GET route of the app, filled with the seeded network's identifiers."""
    urls: set[str] = set()
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()):
                continue
            arguments = set(rule.arguments)
            for decision in DECISIONS if "decision_id" in arguments else ("open",):
                values = seeded.path_args(arguments - {"secret"}, decision)
                if values is None:
                    continue
                if "secret" in arguments:
                    values["secret"] = secret
                urls.add(url_for(rule.endpoint, _external=False, **values))
    return sorted(urls)


@pytest.fixture
def seeded(app: Flask, clock: Any) -> Seeded:
    return seed(app, clock.now)


@pytest.fixture
def link_secret(app: Flask, seeded: Seeded, clock: Any) -> str:
    """An unspent sign-in link (its GET page spends nothing)."""
    issued = auth_service.issue_login_link(seeded.extra["colleague"].email, clock.now)
    assert issued is not None
    db.session.commit()
    return issued[1]


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_get_answer_has_the_headers_and_no_inline_script_or_style(
    app: Flask, seeded: Seeded, link_secret: str, role: str
) -> None:
    client: FlaskClient = _client(app)
    headers: dict[str, str] = {}
    if role != "anonymous":
        person = seeded.people[role]
        sign_in(client, app, person)
        _person, token = auth_service.issue_api_token(person.email or "", app.config["CLOCK"]())
        db.session.commit()
        headers = {"Authorization": f"Bearer {token}"}
    urls = get_urls(app, seeded, link_secret)
    assert len(urls) > 40, urls
    statuses: dict[str, int] = {}
    for url in urls:
        response = client.get(url, headers=headers if url.startswith("/api/") else {})
        statuses[url] = response.status_code
        assert response.status_code < 500, (role, url)
        check_headers(response, f"{role} {url}")
        check_body(response, f"{role} {url}")
        response.close()
    if role != "anonymous":
        for template, target in FRAGMENTS:
            url = template.format(**seeded.decisions)
            response = client.get(url, headers={"HX-Request": "true", "HX-Target": target})
            check_headers(response, f"{role} {url} #{target}")
            check_body(response, f"{role} {url} #{target}")
    # The walk saw real pages, not only refusals.
    shown = [url for url, status in statuses.items() if status == 200]
    assert len(shown) >= {"facilitator": 40, "anonymous": 5}.get(role, 12), (role, statuses)


def test_error_answers_carry_the_headers_too(client: FlaskClient) -> None:
    for response in (
        client.get("/no/such/page"),
        client.post("/auth/login", data={"x": "y" * 300 * 1024}),
        client.get("/api/v1/me"),
    ):
        check_headers(response, response.request.path)


def test_the_sign_in_link_page_keeps_no_referrer(client: FlaskClient, link_secret: str) -> None:
    response = client.get(f"/auth/link/{link_secret}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_htmx_is_configured_for_the_csp(client: FlaskClient) -> None:
    html = client.get("/auth/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', html)
    assert config is not None
    assert '"includeIndicatorStyles":false' in config.group(1)
    assert '"allowEval":false' in config.group(1)


def test_https_is_forced_only_when_asked(database_url: str, clock: Any) -> None:
    from cop_vote import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x",
            "FORCE_HTTPS": True,
            "SESSION_COOKIE_SECURE": True,
            "CLOCK": clock,
        }
    )
    with app.app_context():
        client = app.test_client()
        response = client.get("/auth/login")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("https://")
        secure = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
        assert secure.status_code == 200
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
        assert client.get("/healthz").status_code == 200  # a load balancer's plain check
        db.session.remove()
        db.engine.dispose()
