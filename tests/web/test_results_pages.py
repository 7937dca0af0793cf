"""Participation, results and outcome pages."""

from __future__ import annotations

import re

import pytest

from cop_vote.extensions import db
from cop_vote.services import ballots as ballot_service
from cop_vote.services import transitions

from .helpers import make_decision, option_ids, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


def _cast(person, decision_id, body, now):
    ballot_service.cast_ballot(person, decision_id, body, now)
    db.session.commit()


def test_participation_counts_organisations_not_people(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _ = option_ids(decision_id)
    _cast(people["oxfam1"], decision_id, {"option": memphis}, clock.now)
    _cast(people["oxfam2"], decision_id, {"option": nashville}, clock.now)
    sign_in(client, app, people["stro"])
    page = client.get(f"/decisions/{decision_id}/participation").get_data(as_text=True)
    assert "1 of 3 organisations has cast a ballot." in page
    rows = re.findall(r"<th scope=\"row\"><bdi>([^<]+)</bdi></th>\s*<td>.*?>([^<]+)</span>", page)
    assert rows == [
        ("African Diaspora Policy Centre", "not yet"),
        ("Oxfam Novib", "cast"),
        ("Social Trade Organisation", "not yet"),
    ]
    assert "Nashville" not in page  # who voted, never what


def test_hidden_results_answer_403_saying_when(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    sign_in(client, app, people["adpc"])
    response = client.get(f"/decisions/{decision_id}/results")
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Results will be visible when the decision closes, on" in html
    assert "(Europe/Amsterdam)" in html


def test_after_close_the_results_table(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, days=1, quorum=0.5)
    memphis, nashville, atlanta = option_ids(decision_id)
    _cast(people["oxfam1"], decision_id, {"option": nashville}, clock.now)
    _cast(people["adpc"], decision_id, {"option": nashville}, clock.now)
    _cast(people["stro"], decision_id, {"abstain": True}, clock.now)
    clock.advance(days=2)
    sign_in(client, app, people["observer"])
    response = client.get(f"/decisions/{decision_id}/results")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<caption>Results per option, counted by organisation</caption>" in html
    assert '<th scope="col">Votes</th>' in html
    assert re.search(
        r'<bdi>Nashville</bdi>.*?</th>\s*<td class="figure"><span class="bar-track" '
        r'aria-hidden="true"><span class="bar w-100"></span></span>2</td>',
        html,
        re.S,
    )
    assert "Chosen by the count:</strong> <bdi>Nashville</bdi>" in html
    assert "3 of 3 organisations cast a ballot." in html
    assert "1 abstained." in html
    assert "Quorum met" in html


def test_a_tie_is_stated_in_words(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, days=1)
    memphis, nashville, _ = option_ids(decision_id)
    _cast(people["oxfam1"], decision_id, {"option": memphis}, clock.now)
    _cast(people["adpc"], decision_id, {"option": nashville}, clock.now)
    clock.advance(days=2)
    sign_in(client, app, people["stro"])
    html = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
    assert "Tie between:</strong> <bdi>Memphis</bdi>, <bdi>Nashville</bdi>" in html


def test_consent_results_list_blocks_with_reasons(app, client, network, clock):
    people = network["people"]
    decision_id = make_decision(
        people["facilitator"],
        clock.now,
        method="consent",
        options=("Proposal",),
        days=1,
        results_visibility="live",
    )
    _cast(people["oxfam1"], decision_id, {"position": "agree"}, clock.now)
    _cast(people["adpc"], decision_id, {"position": "block", "reason": "Too early."}, clock.now)
    sign_in(client, app, people["stro"])
    html = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
    assert "These are interim results" in html
    assert "The proposal does not pass." in html
    assert '<li dir="auto">Too early.</li>' in html
    assert re.search(r'<th scope="row">block</th><td class="figure">.*?</span></span>1</td>', html)


def test_outcome_of_a_published_and_a_withdrawn_decision(app, client, network, clock):
    people = network["people"]
    facilitator = people["facilitator"]
    published = make_decision(facilitator, clock.now, days=1, title="Meeting place")
    withdrawn = make_decision(facilitator, clock.now, days=1, title="Dropped")
    nashville = option_ids(published)[1]
    sign_in(client, app, people["adpc"])
    assert "No outcome has been published yet." in client.get(
        f"/decisions/{published}/outcome"
    ).get_data(as_text=True)
    transitions.withdraw_decision(facilitator, withdrawn, "Merged with another.", clock.now)
    clock.advance(days=2)
    transitions.publish_decision(
        facilitator, published, nashville, "We meet in Nashville.", clock.now
    )
    db.session.commit()
    html = client.get(f"/decisions/{published}/outcome").get_data(as_text=True)
    assert "Nashville" in html and "We meet in Nashville." in html and "Published on" in html
    html = client.get(f"/decisions/{withdrawn}/outcome").get_data(as_text=True)
    assert "This decision was withdrawn on" in html and "Merged with another." in html
    # On a Dutch page the English statement is marked English (and only there).
    assert 'lang="en"' not in html.split("<main", 1)[1]
    dutch = client.get(f"/decisions/{published}/outcome?lang=nl").get_data(as_text=True)
    assert dutch.count('<div class="statement" dir="auto" lang="en">We meet in Nashville.') == 2
    dutch = client.get(f"/decisions/{withdrawn}/outcome?lang=nl").get_data(as_text=True)
    assert '<div class="statement" dir="auto" lang="en">Merged with another.' in dutch


_SCROLL_BOX = re.compile(r"<div [^>]*table-wrap[^>]*>")


def _scroll_boxes(html):
    return _SCROLL_BOX.findall(html)


def test_every_sideways_scrolling_box_is_focusable_and_named(app, client, network, clock):
    """axe's scrollable-region-focusable at 320 px: a keyboard reaches each scroller,
    and a screen reader hears it as a region named after its table."""
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, days=1)
    memphis, _, _ = option_ids(decision_id)
    _cast(people["oxfam1"], decision_id, {"option": memphis}, clock.now)
    clock.advance(days=2)
    sign_in(client, app, people["observer"])
    results = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
    assert (
        '<div class="table-wrap" tabindex="0" role="region" '
        'aria-label="Results per option, counted by organisation">'
    ) in _scroll_boxes(results)
    pages = [results] + [
        client.get(path).get_data(as_text=True)
        for path in ("/network", f"/decisions/{decision_id}/participation")
    ]
    for html in pages:
        boxes = _scroll_boxes(html)
        assert boxes
        for box in boxes:
            assert 'tabindex="0" role="region" aria-label' in box, box
    # No template opens a scroller of its own: all take scroll_box's attributes.
    from pathlib import Path

    templates = Path(app.root_path).parent / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert '<div class="table-wrap"' not in text and "table-scroll" not in text, path


def test_a_quorum_is_written_in_the_pages_language(app, client, network, clock):
    """50.5 % in English, 50,5 % in Dutch, on the results and the facilitator's
    decision page; the edit form keeps every digit."""
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, quorum=0.505)
    draft_id = make_decision(people["facilitator"], clock.now, quorum="0.33335", open_it=False)
    sign_in(client, app, people["facilitator"])
    for language, point in (("en", "."), ("nl", ",")):
        client.set_cookie("lang", language)
        results = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
        admin = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
        assert f"50{point}5%" in results and f"50{point}5%" in admin
        edit = client.get(f"/admin/decisions/{draft_id}/edit").get_data(as_text=True)
        assert f'value="33{point}335"' in edit
