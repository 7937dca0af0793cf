"""The facilitator's pages in the one design system: what a reader and a screen reader get.

The count on the publish form names its figures in the reader's language, the
review queue's checkboxes say whose comment they select, and the action lists
and facts are lists of links and summary lists, not loose bullets.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.services import transitions
from cop_vote.services.ballots import cast_ballot
from cop_vote.services.comments import add_comment
from tests.web.helpers import make_decision, option_ids, sign_in

from .test_dutch_everywhere import _dutch_client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _closed_score_decision(network: dict[str, Any], clock: Any) -> int:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now, method="score", max_score=5)
    memphis, nashville, atlanta = option_ids(decision_id)
    for rep, scores in (
        ("adpc", {memphis: 5, nashville: 1, atlanta: 0}),
        ("stro", {memphis: 4, nashville: 2, atlanta: 0}),
        ("oxfam1", {memphis: 4, nashville: 0, atlanta: 1}),
    ):
        body = {"scores": {str(k): v for k, v in scores.items()}}
        cast_ballot(network["people"][rep], decision_id, body, clock.now)
    transitions.close_decision(fac, decision_id, clock.now)
    db.session.commit()
    return decision_id


def test_the_publish_count_names_its_figures_in_both_languages(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _closed_score_decision(network, clock)
    url = f"/admin/decisions/{decision_id}/publish"
    sign_in(client, app, network["people"]["facilitator"])
    html = client.get(url).get_data(as_text=True)
    table = html.split("<caption>Count per option</caption>", 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="col"[^>]*>([^<]+)</th>', table)
    assert headers == ["Option", "Total score", "Mean score", "Scored by"]
    assert "Memphis (selected)" in _text(table) and "4.33" in table
    for key in ("sum", "mean", "scored_by"):
        assert f">{key}<" not in table and f"{key}:" not in _text(table)

    dutch = _dutch_client(app)
    sign_in(dutch, app, network["people"]["facilitator"])
    page = dutch.get(url).get_data(as_text=True)
    assert page.count("4,33") == 1 and "4.33" not in page
    assert "Totaalscore" in _text(page)


def test_each_review_checkbox_says_whose_comment_it_selects(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    comment = add_comment(
        network["people"]["adpc"], decision_id, "Memphis is easy to reach.", clock.now
    )
    db.session.commit()
    sign_in(client, app, fac)
    html = client.get(f"/admin/decisions/{decision_id}/review").get_data(as_text=True)
    label = re.search(rf'<label for="pick-{comment.id}">(.*?)</label>', html, re.S)
    assert label is not None
    spoken = unescape(re.sub(r"<[^>]+>", "", label.group(1))).strip()
    assert spoken == "Select the comment by Amina Warsame (ADPC)"
    assert "visually-hidden" not in label.group(1)  # the whole label is seen and heard
    assert ">Tick<" not in html


def test_action_lists_and_facts_are_styled_lists(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    decision_id = make_decision(fac, clock.now)
    sign_in(client, app, fac)
    html = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    # Every definition list on the page is a summary list of rows.
    assert html.count("<dl") == html.count('<dl class="decision-summary summary-list"') == 2
    assert re.search(r"<div><dt>Quorum</dt><dd>0%</dd></div>", html)
    # The actions: the next step first, as the main button; withdrawing marked as such.
    actions = html.split('<ul class="actions" aria-labelledby="actions-title">', 1)[1]
    actions = actions.split("</ul>", 1)[0]
    links = re.findall(r"<a( class=\"[^\"]+\")? href=\"([^\"]+)\">([^<]+)</a>", actions)
    assert links[0] == (' class="primary"', f"/admin/decisions/{decision_id}/close", "Close now")
    assert (' class="warning"', f"/admin/decisions/{decision_id}/withdraw", "Withdraw") in links
    css = client.get("/static/css/site.css").get_data(as_text=True)
    for selector in ("ul.actions {", ".admin-nav a {", "dl.summary-list {", ".button-group {"):
        assert selector in css, selector
