"""The decisions page's search form (issue 11, part 2): a GET form that finds a
decision by a word of an option label, also in its Dutch translation, keeps
its filters, and answers a bad parameter with the error summary."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.services import decisions as decision_service
from cop_vote.services import transitions
from tests.web.helpers import make_decision, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _titles(html: str) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'<h2><a href="/decisions/\d+" dir="auto">([^<]*)</a>', html)
    ]


def _two(network: dict[str, Any], clock: Any) -> None:
    facilitator = network["people"]["facilitator"]
    make_decision(
        facilitator,
        clock.now,
        title="Form of the community",
        options=("Foundation", "Association"),
    )
    other = make_decision(facilitator, clock.now, title="Follow-up meeting", method="approval")
    decision_service.update_decision(
        facilitator,
        other,
        {"translations": {"nl": {"title": "Vervolgbijeenkomst"}}},
        clock.now,
    )
    db.session.commit()


def test_search_form_finds_by_option_label_and_keeps_the_filters(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    _two(network, clock)
    sign_in(client, app, network["people"]["adpc"])
    html = client.get("/").get_data(as_text=True)
    assert '<form method="get" action="/" class="decision-search" role="search"' in html
    assert '<label for="search-q">' in html
    assert _titles(html) == ["Follow-up meeting", "Form of the community"]

    found = client.get("/?q=foundation&method=single_choice")
    assert found.status_code == 200
    html = found.get_data(as_text=True)
    assert _titles(html) == ["Form of the community"]
    assert 'name="q" value="foundation"' in html
    assert '<option value="single_choice" selected>' in html
    assert "1 decision found." in html

    html = client.get("/?q=vervolgbijeenkomst").get_data(as_text=True)
    assert _titles(html) == ["Follow-up meeting"]
    html = client.get("/?q=cooperative").get_data(as_text=True)
    assert _titles(html) == [] and "No decision matches your search." in html
    html = client.get("/?q=").get_data(as_text=True)
    assert len(_titles(html)) == 2 and "Show all decisions" not in html


def test_dutch_translation_of_an_option_label_is_found_in_dutch(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    decision = decision_service.create_decision(
        facilitator,
        {
            "title": "Form",
            "original_language": "en",
            "method": "single_choice",
            "closes_at": (clock.now + timedelta(days=7)).isoformat(),
            "translations": {"nl": {"title": "Vorm"}},
            "options": [
                {"label": "Foundation", "translations": {"nl": {"label": "Stichting"}}},
                {"label": "Association", "translations": {"nl": {"label": "Vereniging"}}},
            ],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, decision.id, clock.now)
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, app, network["people"]["adpc"])
    html = client.get("/?q=stichting").get_data(as_text=True)
    assert _titles(html) == ["Vorm"]
    assert "1 besluit gevonden." in html


def test_an_overlong_search_is_refused_with_the_error_summary(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    _two(network, clock)
    sign_in(client, app, network["people"]["adpc"])
    response = client.get("/?q=" + "a" * 201 + "&status=ajar&method=approval")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert '<a href="#search-q">At most 200 characters (201 given).</a>' in html
    assert '<a href="#search-status">' in html
    assert 'id="search-q" name="q" value=""' in html
    # What was understood still applies.
    assert _titles(html) == ["Follow-up meeting"]


def test_a_draft_in_the_list_says_nothing_of_a_ballot(app, client, network, clock) -> None:
    """A draft has no electorate yet: the list names no ballot line under it."""
    people = network["people"]
    make_decision(people["facilitator"], clock.now, title="Draft only", open_it=False)
    sign_in(client, app, people["facilitator"])
    html = client.get("/").get_data(as_text=True)
    draft = html[html.index("Draft only") :]
    draft = draft[: draft.find("</li>")]
    assert "ballot" not in draft
