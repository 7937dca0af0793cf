"""The facilitator's outcome pages with CSRF on (issue 10, parts 4 and 5): a dot
vote selecting 3 is published with 3 ordered options from the ranking, a tie
at the boundary is reported; reopening and amending take a reason, keep both
versions visible to members, and a secret decision is refused after close."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, OutcomeHistory
from cop_vote.services import ballots, outcomes, transitions
from tests.api.test_publish_several import BOUNDARY_TIE, NO_TIE, QUESTIONS
from tests.web.admin_helpers import csrf_token, post_form, sign_in
from tests.web.helpers import make_decision, option_ids, outbox
from tests.web.test_dutch_everywhere import content_values, english_in, page_text


def _dot_vote(network: dict[str, Any], clock: Any, dots: dict[str, dict[str, int]]) -> int:
    """A closed dot vote on five questions selecting 3, with ``dots`` per representative."""
    people = network["people"]
    did = make_decision(
        people["facilitator"], clock.now, method="dot_vote", options=QUESTIONS, dots=3, selects=3
    )
    ids = dict(zip(QUESTIONS, option_ids(did), strict=True))
    for who, placed in dots.items():
        content = {"dots": {str(ids[q]): n for q, n in placed.items()}}
        ballots.cast_ballot(people[who], did, content, clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    return did


def _member(app: Flask, person: Any) -> FlaskClient:
    """A client signed in as ``person``, reading the pages in English."""
    member = app.test_client()
    sign_in(app, member, person)
    member.set_cookie("lang", "en")
    return member


def _text(html: str) -> str:
    """The page's text, tags removed and white space collapsed."""
    text = unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))
    return re.sub(r" ([,;.])", r"\1", text)


def test_the_draft_form_of_a_dot_vote_sets_how_many_options_it_selects(
    client: FlaskClient, fac: Any
) -> None:
    page = client.get("/admin/decisions/new?method=dot_vote")
    assert 'name="selects"' in page.get_data(as_text=True)
    assert 'name="selects"' not in client.get("/admin/decisions/new?method=ranked").get_data(
        as_text=True
    )
    data: dict[str, Any] = {
        "title": "Learning questions 2010",
        "method": "dot_vote",
        "dots": "3",
        "selects": "3",
        "quorum": "0",
        "results_visibility": "after_close",
        "ballot_secrecy": "open",
        "comments": "open",
        "closes_at": "",
    }
    for i, label in enumerate(QUESTIONS):
        data[f"options-{i}-label"] = label
    response = post_form(client, "/admin/decisions/new?method=dot_vote", data)
    assert response.status_code == 303, response.get_data(as_text=True)
    made = db.session.scalars(select(Decision).order_by(Decision.id.desc())).first()
    assert made is not None and made.selects == 3
    data["selects"] = "0"
    refused = post_form(client, "/admin/decisions/new?method=dot_vote", data)
    assert refused.status_code == 400
    assert "error-summary" in refused.get_data(as_text=True)


def test_a_dot_vote_selecting_3_is_published_with_3_ordered_options(
    app: Flask, client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    did = _dot_vote(network, clock, NO_TIE)
    ids = dict(zip(QUESTIONS, option_ids(did), strict=True))
    url = f"/admin/decisions/{did}/publish"
    html = client.get(url).get_data(as_text=True)
    # The form starts from the ranking: Remittances and Youth (3 dots), Trade (2).
    for place, question in enumerate(("Remittances", "Youth", "Trade")):
        name = "option" if place == 0 else f"places-{place - 1}"
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
        assert select_html, name
        assert re.search(rf'<option selected value="{ids[question]}"', select_html.group(0)) or (
            f'value="{ids[question]}" selected' in select_html.group(0)
        ), (name, question)
    assert "Place 3" in html and "remaining place" not in html
    response = post_form(
        client,
        url,
        {
            "option": str(ids["Youth"]),
            "places-0": str(ids["Remittances"]),
            "places-1": str(ids["Trade"]),
            "statement": "The activity plan takes up these three questions.",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    decision = db.session.get(Decision, did)
    assert decision is not None
    assert [o.label for o in decision.selected_options] == ["Youth", "Remittances", "Trade"]
    assert decision.outcome_option_id == ids["Youth"]
    # Members see the three in order on the outcome page and the decision page.
    member = _member(app, network["people"]["stro"])
    for page in (f"/decisions/{did}/outcome", f"/decisions/{did}"):
        text = _text(member.get(page).get_data(as_text=True))
        assert "Chosen options, in order: Youth Remittances Trade" in text, page


def test_a_tie_at_the_boundary_is_shown_and_the_places_left_open(
    app: Flask, client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    did = _dot_vote(network, clock, BOUNDARY_TIE)
    text = _text(client.get(f"/admin/decisions/{did}/publish").get_data(as_text=True))
    assert "Tie for 1 remaining place: Return migration, Trade, Climate" in text
    assert "Selected by the count, best first: Remittances; Youth." in text
    results = _text(client.get(f"/decisions/{did}/results").get_data(as_text=True))
    assert "Tie for 1 remaining place: Return migration, Trade, Climate" in results
    # The results list the options best first, with their place.
    order = [q for q in re.findall(r"(Remittances|Youth|Return migration|Trade|Climate) ", results)]
    table = results[results.index("best first") :]
    assert table.index("Remittances") < table.index("Youth") < table.index("Return migration")
    assert order  # the labels are on the page
    assert "Rule not met" in results


def test_publishing_more_than_one_option_twice_is_refused_on_the_page(
    client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    did = _dot_vote(network, clock, {"adpc": {"Youth": 3}})
    youth = option_ids(did)[2]
    response = post_form(
        client,
        f"/admin/decisions/{did}/publish",
        {"option": str(youth), "places-0": str(youth), "places-1": "", "statement": "Twice."},
    )
    assert response.status_code == 400
    assert "Name each option once; it is named twice." in response.get_data(as_text=True)
    for junk in ({"option": "abc"}, {"option": str(youth), "places-0": "99999999999"}):
        refused = post_form(
            client, f"/admin/decisions/{did}/publish", {**junk, "statement": "Junk."}
        )
        assert refused.status_code == 400, junk
    assert db.session.get(Decision, did).status == "closed"  # type: ignore[union-attr]


def test_reopening_on_the_page_takes_a_reason_and_shows_it_to_members(
    app: Flask, client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    url = f"/admin/decisions/{did}/reopen"
    deadline = (clock.now + timedelta(days=3)).astimezone(ZoneInfo(app.config["NETWORK_TIME_ZONE"]))
    refused = post_form(
        client, url, {"closes_at": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": ""}
    )
    assert refused.status_code == 400
    assert db.session.get(Decision, did).status == "closed"  # type: ignore[union-attr]
    reason = "STRO's representative was ill in the last week."
    response = post_form(
        client, url, {"closes_at": deadline.strftime("%Y-%m-%dT%H:%M"), "reason": reason}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None and decision.status == "open"
    assert decision.closes_at == deadline.replace(second=0, microsecond=0)
    member = _member(app, people["stro"])
    text = _text(member.get(f"/decisions/{did}").get_data(as_text=True))
    assert "Reopened for ballots on" in text and reason in text
    assert "New deadline:" in text


def test_a_secret_decision_cannot_be_reopened_on_the_page_and_the_page_says_why(
    client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    transitions.close_decision(people["facilitator"], did, clock.now)
    db.session.commit()
    url = f"/admin/decisions/{did}/reopen"
    page = client.get(url)
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "ballots were cut from their organisations" in html and 'name="reason"' not in html
    admin_page = client.get(f"/admin/decisions/{did}").get_data(as_text=True)
    assert url not in admin_page and "cannot be reopened" in admin_page
    token = csrf_token(client.get("/admin/decisions/new"))
    later = (clock.now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    posted = client.post(url, data={"csrf_token": token, "closes_at": later, "reason": "Again."})
    assert posted.status_code == 409
    assert db.session.get(Decision, did).status == "closed"  # type: ignore[union-attr]


def test_amending_on_the_page_keeps_the_original_visible_to_members(
    app: Flask, client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    memphis, nashville, _atlanta = option_ids(did)
    transitions.close_decision(people["facilitator"], did, clock.now)
    transitions.publish_decision(
        people["facilitator"], did, memphis, "We meet in Memphis.", clock.now
    )
    db.session.commit()
    url = f"/admin/decisions/{did}/amend"
    html = client.get(url).get_data(as_text=True)
    assert "We meet in Memphis." in html  # the form starts from the outcome as it is
    unchanged = post_form(
        client, url, {"option": str(memphis), "statement": "We meet in Memphis.", "reason": "No."}
    )
    assert unchanged.status_code == 400
    assert "changes nothing" in unchanged.get_data(as_text=True)
    clock.advance(hours=2)
    reason = "The hall in Memphis is closed for works."
    response = post_form(
        client,
        url,
        {"option": str(nashville), "statement": "We meet in Nashville.", "reason": reason},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    entries = db.session.scalars(
        select(OutcomeHistory).where(OutcomeHistory.decision_id == did).order_by(OutcomeHistory.id)
    ).all()
    assert [(e.kind, e.option_ids) for e in entries] == [
        ("published", [memphis]),
        ("amended", [nashville]),
    ]
    member = _member(app, people["adpc"])
    text = _text(member.get(f"/decisions/{did}/outcome").get_data(as_text=True))
    assert "Chosen option Nashville" in text
    history = text[text.index("History of the outcome") :]
    assert history.index("Published on") < history.index("We meet in Memphis.")
    assert history.index("We meet in Memphis.") < history.index("Amended on")
    assert f"because: {reason}" in history and "We meet in Nashville." in history


def test_reopen_amend_and_several_options_read_in_dutch_hold_no_english(
    app: Flask, client: FlaskClient, fac: Any, network: dict[str, Any], clock: Any
) -> None:
    """The mails of a reopening and an amendment, and the pages that show them,
    for a Dutch reader (the texts people typed are Dutch too)."""

    people = network["people"]
    for person in people.values():
        person.language = "nl"
    db.session.commit()
    did = _dot_vote(network, clock, {"adpc": {"Youth": 3}, "oxfam1": {"Trade": 2, "Climate": 1}})
    youth, trade = option_ids(did)[2], option_ids(did)[3]
    before = len(outbox(app))
    later = (clock.now + timedelta(days=2)).isoformat()
    outcomes.reopen_decision(fac, did, later, "STRO was ziek in de laatste week.", clock.now)
    db.session.commit()
    transitions.close_decision(fac, did, clock.now)
    transitions.publish_decision(
        fac, did, None, "Deze drie vragen.", clock.now, option_ids=[youth, trade]
    )
    outcomes.amend_outcome(
        fac, did, {"options": [trade, youth], "reason": "Volgorde uit het verslag."}, clock.now
    )
    db.session.commit()
    content = content_values()
    leaks: dict[str, list[str]] = {}
    subjects = [message.subject for message in outbox(app)[before:]]
    assert any(s.startswith("Stemmen weer geopend") for s in subjects), subjects
    assert any(s.startswith("Uitkomst gewijzigd") for s in subjects), subjects
    for message in outbox(app)[before:]:
        html = str(message.alternatives[0][0]) if message.alternatives else ""
        found = english_in(message.subject + "\n" + message.body + "\n" + page_text(html), content)
        if found:
            leaks[message.subject] = found
    client.set_cookie("lang", "nl")
    for url in (
        f"/decisions/{did}",
        f"/decisions/{did}/outcome",
        f"/decisions/{did}/results",
        f"/decisions/{did}/trail",
        f"/admin/decisions/{did}",
        f"/admin/decisions/{did}/amend",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        found = english_in(page_text(response.get_data(as_text=True)), content)
        if found:
            leaks[url] = found
    assert leaks == {}
    text = _text(client.get(f"/decisions/{did}/outcome").get_data(as_text=True))
    assert "Gekozen opties, op volgorde" in text and "Gewijzigd op" in text
