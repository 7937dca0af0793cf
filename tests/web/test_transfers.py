"""Light transfers: compressed answers, and static files cached only by hashed URL."""

from __future__ import annotations

import gzip
import re
from html import unescape
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, url_for
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Person
from cop_vote.services import network
from cop_vote.transfers import HASHED_MAX_AGE, UNHASHED_MAX_AGE

from .helpers import sign_in

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
_STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def _text(response: Any) -> str:
    encoding = response.headers.get("Content-Encoding")
    data = response.data
    if encoding == "br":
        data = brotli.decompress(data)
    elif encoding == "gzip":
        data = gzip.decompress(data)
    else:
        assert encoding is None, encoding
    return str(data.decode())


def _demo_representative(app: Flask, client: Any, clock: Any) -> dict[str, int]:
    network.load_demo(clock.now)
    db.session.commit()
    amina = db.session.execute(
        select(Person).where(Person.email == "amina.warsame@adpc.example.org")
    ).scalar_one()
    sign_in(client, app, amina)
    titles = {d["key"]: d["title_en"] for d in network.kickoff_data()["decisions"]}
    found = {
        key: db.session.execute(select(Decision.id).where(Decision.title == title)).scalar()
        for key, title in titles.items()
    }
    db.session.commit()
    return {key: value for key, value in found.items() if value is not None}


def test_first_load_of_the_demo_decision_page_is_at_most_30_kb(
    app: Flask, client: Any, clock: Any
) -> None:
    decisions = _demo_representative(app, client, clock)
    page = client.get(f"/decisions/{decisions['cop-form']}", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["Content-Encoding"] in ("br", "gzip")
    html = _text(page)
    assert "comment" in html.lower()
    assets = sorted({unescape(ref) for ref in _STATIC.findall(html)})
    assert any(a.startswith("/static/css/") for a in assets), assets
    assert any(a.startswith("/static/js/htmx") for a in assets), assets
    sizes = {"page": len(page.data)}
    for asset in assets:
        answer = client.get(asset, headers=BROWSER)
        assert answer.status_code == 200, asset
        # Compressed unless too small to gain from it (the icon).
        small = len(answer.data) < app.config["COMPRESS_MIN_SIZE"]
        assert answer.headers.get("Content-Encoding") in ("br", "gzip") or small, asset
        sizes[asset] = len(answer.data)
    assert sum(sizes.values()) <= 30 * 1024, sizes
    # Later pages: the static files are cached, only the page comes.
    later = [
        "/",
        f"/decisions/{decisions['cop-form']}/participation",
        *(f"/decisions/{d}" for key, d in decisions.items() if key != "cop-form"),
    ]
    for path in later:
        answer = client.get(path, headers=BROWSER)
        assert answer.status_code == 200, path
        assert len(answer.data) <= 10 * 1024, (path, len(answer.data))


def test_static_files_are_cached_for_a_year_only_by_their_hashed_url(
    app: Flask, client: Any
) -> None:
    with app.test_request_context():
        hashed = url_for("static", filename="js/htmx.min.js")
    assert re.fullmatch(r"/static/js/htmx\.min\.js\?v=[0-9a-f]{16}", hashed), hashed
    answer = client.get(hashed, headers=BROWSER)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == f"public, max-age={HASHED_MAX_AGE}, immutable"
    assert "Accept-Encoding" in answer.headers["Vary"]
    # Static answers keep the site's strict policy.
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    for other in ("/static/js/htmx.min.js", "/static/js/htmx.min.js?v=0123456789abcdef"):
        answer = client.get(other, headers=BROWSER)
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == f"public, max-age={UNHASHED_MAX_AGE}", other
    # The same bytes whichever URL asked, compressed and plain.
    plain = client.get(hashed)
    assert "Content-Encoding" not in plain.headers
    assert _text(client.get(hashed, headers=BROWSER)).encode() == plain.data


def test_static_files_are_compressed_at_the_highest_level_once(app: Flask, client: Any) -> None:
    with app.test_request_context():
        hashed = url_for("static", filename="js/htmx.min.js")
    assert app.static_folder is not None
    original = (Path(app.static_folder) / "js" / "htmx.min.js").read_bytes()
    for _ in range(2):  # compressed on the first request, from memory on the second
        answer = client.get(hashed, headers={"Accept-Encoding": "br"})
        assert answer.headers["Content-Encoding"] == "br"
        assert answer.data == brotli.compress(original, quality=11)
        answer = client.get(hashed, headers={"Accept-Encoding": "gzip"})
        assert answer.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(answer.data) == original
        assert len(answer.data) == len(gzip.compress(original, compresslevel=9))
    # An old version's URL is answered with the current file, compressed as a page is.
    answer = client.get(
        "/static/js/htmx.min.js?v=0123456789abcdef", headers={"Accept-Encoding": "br"}
    )
    assert brotli.decompress(answer.data) == original


def test_pages_are_private_and_small_answers_plain(app: Flask, client: Any) -> None:
    login = client.get("/auth/login", headers=BROWSER)
    assert login.headers["Cache-Control"] == "private, no-cache"
    health = client.get("/healthz", headers=BROWSER)
    assert health.headers["Cache-Control"] == "private, no-cache"
    assert "Content-Encoding" not in health.headers  # a few bytes: not worth it


def test_the_icon_is_linked_and_its_old_address_leads_to_it(app: Flask, client: Any) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and unescape(icon.group(1)).startswith("/static/favicon.svg?v=")
    old = client.get("/favicon.ico")
    assert old.status_code == 301 and old.headers["Location"] == unescape(icon.group(1))
    svg = client.get(old.headers["Location"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg")
