"""The demo network reads entirely in the reader's language (issue 9, item 4).

Every HTML page of ``app.url_map`` is walked on the seeded kick-off network
(tests/seed.py), as facilitator, representative and observer, once with the
interface in Dutch and once in English. The demo's content strings of the
other language (its titles, descriptions, option labels, meeting, attendance
notes and actions, and the meeting-time slots as stored) must not appear in
the page's text, except inside an element marked with that language (the
"Show original" disclosure) or in a form field that edits the original.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Option
from cop_vote.services import network
from tests.seed import ROLES, Seeded, seed

from .conftest import _client
from .helpers import sign_in
from .test_security_headers import get_urls

#: Elements whose content is not text a reader reads on the page.
_SKIPPED = {"script", "style", "textarea", "template"}
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _Reader(HTMLParser):
    """The page's text outside elements marked with another language (or skipped)."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[bool] = []  # per open element: whether it hides its content
        self.parts: list[str] = []
        self.page_language: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.page_language = values.get("lang")
        if tag in _VOID:
            return
        lang = values.get("lang")
        hides = tag in _SKIPPED or (lang is not None and lang != self.language)
        self.stack.append(hides)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not any(self.stack):
            self.parts.append(data)

    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def read(html: str, language: str) -> tuple[str, str | None]:
    """The text a reader of ``language`` reads as such, and the page's ``lang``."""
    reader = _Reader(language)
    reader.feed(html)
    return reader.text(), reader.page_language


def content_strings(language: str) -> set[str]:
    """The demo network's content in ``language``, as the kick-off data gives it."""
    data = network.kickoff_data()
    suffix = f"_{language}"
    texts: set[str] = {data["meeting"][f"title{suffix}"]}
    for decision in data["decisions"]:
        texts |= {decision.get(f"title{suffix}", ""), decision.get(f"context{suffix}", "")}
        for option in decision.get("options", []):
            texts.add(option[f"label{suffix}"])
    for question in data["learning_questions"]:
        texts |= {question.get(f"text{suffix}", ""), question.get(f"remark{suffix}", "")}
    for action in data["follow_up_actions"]:
        texts.add(action[f"text{suffix}"])
    notes = "note" if language == "en" else f"note{suffix}"
    texts |= {o.get(notes, "") for o in data["organisations"]}
    return {text for text in texts if text}


@pytest.fixture
def seeded(app: Flask, clock: Any) -> Seeded:
    return seed(app, clock.now)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_the_demo_network_reads_in_the_interface_language(
    app: Flask, seeded: Seeded, role: str, language: str
) -> None:
    other = "en" if language == "nl" else "nl"
    foreign = content_strings(other)
    own = content_strings(language)
    if other == "en":
        # Meeting-time slots are stored with an English label made from their times.
        foreign |= set(
            db.session.scalars(select(Option.label).where(Option.starts_at.is_not(None)))
        )
    assert not foreign & own
    client: FlaskClient = _client(app)
    client.set_cookie("lang", language, domain="localhost")
    sign_in(client, app, seeded.people[role])
    pages = 0
    seen: set[str] = set()
    for url in get_urls(app, seeded, "unused"):
        if url.startswith(("/api/", "/static/", "/login/")) or url == "/healthz":
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()
            continue
        text, page_language = read(response.get_data(as_text=True), language)
        response.close()
        assert page_language == language, url
        leaks = sorted(s for s in foreign if s in text)
        assert not leaks, (role, language, url, leaks)
        seen |= {s for s in own if s in text}
        pages += 1
    assert pages >= (30 if role == "facilitator" else 10), pages
    # The pages showed the demo's own texts in this language, not nothing.
    data = network.kickoff_data()
    titles = {d[f"title_{language}"] for d in data["decisions"]}
    assert titles <= seen, titles - seen
    assert data["meeting"][f"title_{language}"] in seen
