"""Rewording on the facilitator's forms drops stale translations: Dutch readers
of a decision reworded in English read the new English option label and
description (marked as English), not the old Dutch; a meeting renamed, or an
action reworded, in English reaches Dutch readers of the network page and
the meeting page; English readers read the new text."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Meeting, Notification, Person
from cop_vote.services import decisions as decision_service
from cop_vote.services import network as network_service
from cop_vote.services import transitions
from tests.web.admin_helpers import csrf_token, page_form, sign_in

from .conftest import _client
from .helpers import make_decision

DUTCH_TITLE = {"nl": {"title": "Waar komen we samen?", "description": "Kies een stad."}}


def _dutch_reader(app: Flask, person: Person) -> FlaskClient:
    reader = _client(app)
    reader.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(app, reader, person)
    return reader


def test_an_option_and_description_reworded_on_the_form_reach_dutch_readers(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    facilitator = people["facilitator"]
    did = make_decision(
        facilitator,
        clock.now,
        open_it=False,
        description="Choose a city.",
        translations=DUTCH_TITLE,
    )
    dutch = {"Memphis": "Memphis (de stad)", "Nashville": "Nashville (de stad)"}
    options = [
        {"label": label, "translations": {"nl": {"label": dutch[label]}} if label in dutch else {}}
        for label in ("Memphis", "Nashville", "Atlanta")
    ]
    decision_service.update_decision(facilitator, did, {"options": options}, clock.now)
    transitions.open_decision(facilitator, did, clock.now)
    db.session.commit()
    reader = _dutch_reader(app, people["adpc"])
    before = reader.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Memphis (de stad)" in before and "Kies een stad." in before

    sign_in(app, client, facilitator)
    url = f"/admin/decisions/{did}/edit"
    form = page_form(client.get(url))
    form.update({"description": "Choose a city in the south.", "options-0-label": "Memphis, TN"})
    assert client.post(url, data=form).status_code == 303

    html = reader.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Memphis (de stad)" not in html and "Kies een stad." not in html
    assert '<span lang="en">Memphis, TN</span>' in html
    assert "Choose a city in the south." in html
    assert "Nashville (de stad)" in html  # not reworded: its Dutch stays
    assert "Waar komen we samen?" in html  # the title did not change
    english = client.get(f"/decisions/{did}").get_data(as_text=True)
    assert "Memphis, TN" in english and "Memphis (de stad)" not in english
    # One change note each, one mail per representative of the electorate.
    assert html.count("Gewijzigd op ") == 2
    assert db.session.query(Notification).filter_by(kind="changed").count() == 4


def test_a_meeting_renamed_and_an_action_reworded_in_english_reach_dutch_readers(
    app: Flask, client: FlaskClient, clock: Any
) -> None:
    network_service.load_demo(clock.now)
    db.session.commit()
    data = network_service.kickoff_data()
    meeting = db.session.execute(select(Meeting)).scalars().one()
    mid, action = meeting.id, meeting.actions[0]
    aid, old_action_nl = action.id, data["follow_up_actions"][0]["text_nl"]
    facilitator = db.session.execute(
        select(Person).where(Person.role == "facilitator").limit(1)
    ).scalar_one()
    reader = db.session.execute(
        select(Person).where(Person.email == "amina.warsame@adpc.example.org")
    ).scalar_one()
    dutch = _dutch_reader(app, reader)
    assert data["meeting"]["title_nl"] in dutch.get("/network").get_data(as_text=True)

    sign_in(app, client, facilitator)
    page = client.get(f"/admin/meetings/{mid}")
    fields = {
        "csrf_token": csrf_token(page),
        "title": "Kick-off of the community of practice (Utrecht)",
        "held_on": data["meeting"]["date"],
        "location": "Utrecht",
        "minutes": "",
    }
    assert client.post(f"/admin/meetings/{mid}/edit", data=fields).status_code == 303
    url = f"/admin/meetings/{mid}/actions/{aid}"
    form = page_form(client.get(url))
    form["text"] = "Share the report with every organisation."
    assert client.post(url, data=form).status_code == 303

    english = client.get(f"/admin/meetings/{mid}").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    for html in (
        dutch.get("/network").get_data(as_text=True),
        english,
        client.get(f"/admin/meetings/{mid}").get_data(as_text=True),
    ):
        assert data["meeting"]["title_nl"] not in html
        assert "Kick-off of the community of practice (Utrecht)" in html
    text = dutch.get("/network").get_data(as_text=True)
    assert old_action_nl not in text
    assert '<span lang="en">Share the report with every organisation.</span>' in text
    # The other actions keep their Dutch.
    assert data["follow_up_actions"][1]["text_nl"] in text
