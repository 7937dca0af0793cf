"""Error answers never read a body that is too large or malformed, on pages and API.

A page's error answer is the site's page with its heading; the API's is the
one JSON error object (API.md, "Conventions"). 400, 404, 405, 413 and 500 are
checked here for both; 429 in ``test_rate_limits.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Comment

from .helpers import csrf_token, make_decision, sign_in

TOO_BIG = 300 * 1024  # over MAX_CONTENT_LENGTH (256 KiB)


def _comments() -> int:
    count = db.session.execute(select(func.count()).select_from(Comment)).scalar() or 0
    db.session.commit()
    return int(count)


@pytest.fixture
def signed_in(app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any) -> dict:
    """A representative signed in on an open decision, with the page's CSRF token."""
    decision_id = make_decision(network["people"]["facilitator"], clock.now)
    sign_in(client, app, network["people"]["adpc"])
    page = client.get(f"/decisions/{decision_id}").get_data(as_text=True)
    return {"decision": decision_id, "csrf": csrf_token(page)}


def _is_page(response: Any, status: int, heading: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == status, (status, html[:300])
    assert response.mimetype == "text/html"
    assert f"<h1>{heading}</h1>" in html


def _is_json_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == code


def test_a_signed_in_form_post_over_the_limit_is_413(client, signed_in):
    url = f"/decisions/{signed_in['decision']}/comments"
    response = client.post(url, data={"csrf_token": signed_in["csrf"], "body": "x" * TOO_BIG})
    _is_page(response, 413, "Too much at once")
    assert _comments() == 0


def test_an_oversized_post_is_413_before_sign_in_and_on_the_sign_in_form(client, network):
    response = client.post("/auth/login", data={"email": "a@example.org", "x": "y" * TOO_BIG})
    _is_page(response, 413, "Too much at once")
    response = client.post("/decisions/1/ballot", data={"x": "y" * TOO_BIG})
    _is_page(response, 413, "Too much at once")


def test_an_oversized_body_without_form_type_is_still_413(client, signed_in):
    url = f"/decisions/{signed_in['decision']}/ballot"
    response = client.post(url, data=b"x" * TOO_BIG, content_type="application/octet-stream")
    _is_page(response, 413, "Too much at once")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (
            b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nno end',
            "multipart/form-data; boundary=b",
        ),
        (b"garbage without boundary", "multipart/form-data"),
        (b"body=%ff%fe%zz&&==&csrf_token", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00\x00", "application/x-www-form-urlencoded; charset=utf-8"),
    ],
)
def test_a_malformed_form_body_gets_a_page_never_a_500(client, signed_in, body, content_type):
    url = f"/decisions/{signed_in['decision']}/comments"
    response = client.post(url, data=body, content_type=content_type)
    assert response.status_code in (400, 413), response.status_code
    assert "<h1>" in response.get_data(as_text=True)
    assert _comments() == 0


def test_page_errors_are_pages(client, signed_in):
    _is_page(client.get("/decisions/999999"), 404, "Not found")
    _is_page(client.get("/no/such/page"), 404, "Not found")
    _is_page(client.delete(f"/decisions/{signed_in['decision']}"), 405, "Not possible here")
    _is_page(
        client.post(f"/decisions/{signed_in['decision']}/comments", data={"body": "no csrf"}),
        400,
        "The request could not be handled",
    )


def test_api_errors_are_json(client, network):
    headers = network["headers"]["facilitator"]
    _is_json_error(client.get("/api/v1/decisions/999999", headers=headers), 404, "not_found")
    _is_json_error(client.delete("/api/v1/decisions", headers=headers), 405, "method_not_allowed")
    _is_json_error(
        client.post(
            "/api/v1/organisations", data="{", content_type="application/json", headers=headers
        ),
        400,
        "malformed_json",
    )
    big = '{"name": "' + "x" * TOO_BIG + '"}'
    _is_json_error(
        client.post(
            "/api/v1/organisations", data=big, content_type="application/json", headers=headers
        ),
        413,
        "body_too_large",
    )


@pytest.fixture
def failing_app(app: Flask) -> Flask:
    """The app with one page and one API route that fail, answering as in production."""

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_url_rule("/boom", "boom", boom, methods=["GET", "POST"])
    app.add_url_rule("/api/v1/boom", "api_boom", boom, methods=["GET", "POST"])
    app.testing = False
    return app


def test_500_is_a_page_and_a_json_error_and_reads_no_body(
    failing_app: Flask, network: dict[str, Any]
) -> None:
    from .conftest import _client

    client = _client(failing_app)
    for method in ("get", "post"):
        kwargs = {"data": {"x": "y" * TOO_BIG}} if method == "post" else {}
        response = getattr(client, method)("/boom", **kwargs)
        if method == "get":
            _is_page(response, 500, "Something went wrong")
        else:  # the CSRF check meets the body first: too large
            _is_page(response, 413, "Too much at once")
    _is_json_error(client.get("/api/v1/boom"), 500, "internal_error")
    assert "a bug" not in client.get("/boom").get_data(as_text=True)
