"""Two facilitators (or two tabs) on one decision's form: the second save does
not silently undo the first. Each form carries the edition of the decision it
was drawn from; a save on an older edition is refused with a message, keeps
the entries, and goes through when sent again from the page it was refused on."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.admin_helpers import page_form, sign_in

from .conftest import _client
from .helpers import make_decision, stored_decision

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

REFUSAL = "Someone saved a change to this decision after you opened this page"


def _tabs(app: Flask, network: dict[str, Any]) -> tuple[FlaskClient, FlaskClient]:
    first, second = _client(app), _client(app)
    sign_in(app, first, network["people"]["facilitator"])
    sign_in(app, second, network["people"]["facilitator"])
    return first, second


def test_the_open_decision_form_refuses_a_save_on_an_older_edition(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now, description="Choose a city.")
    url = f"/admin/decisions/{did}/edit"
    first, second = _tabs(app, network)
    mine, theirs = page_form(first.get(url)), page_form(second.get(url))
    assert mine["edition"] and mine["edition"] == theirs["edition"]

    theirs["description"] = "Choose a city in the south."
    assert second.post(url, data=theirs).status_code == 303
    # The first tab still shows the old text and changes only an option's wording:
    # saving it would have put the old description back.
    mine["options-0-label"] = "Memphis, Tennessee"
    refused = first.post(url, data=mine)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and REFUSAL in html
    decision = stored_decision(did)
    assert decision.description == "Choose a city in the south."
    assert decision.options[0].label == "Memphis"
    # The refusal keeps the entries and carries the new edition: sent again, it saves.
    again = page_form(refused)
    assert again["options-0-label"] == "Memphis, Tennessee"
    assert again["edition"] != mine["edition"]
    assert first.post(url, data=again).status_code == 303
    assert stored_decision(did).options[0].label == "Memphis, Tennessee"


def test_the_translation_page_refuses_a_save_on_an_older_edition(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(
        network["people"]["facilitator"], clock.now, open_it=False, original_language="en"
    )
    url = f"/admin/decisions/{did}/translation"
    first, second = _tabs(app, network)
    mine, theirs = page_form(first.get(url)), page_form(second.get(url))
    theirs.update(title="Waar komen we samen?", description="Kies een stad.")
    assert second.post(url, data=theirs).status_code == 303
    mine.update(title="Waar ontmoeten we elkaar?")
    refused = first.post(url, data=mine)
    assert refused.status_code == 409 and REFUSAL in refused.get_data(as_text=True)
    assert stored_decision(did).translations == {
        "nl": {"title": "Waar komen we samen?", "description": "Kies een stad."}
    }


def test_the_draft_form_refuses_a_save_on_an_older_edition_and_a_form_without_one_saves(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    did = make_decision(network["people"]["facilitator"], clock.now, open_it=False)
    url = f"/admin/decisions/{did}/edit"
    first, second = _tabs(app, network)
    mine, theirs = page_form(first.get(url)), page_form(second.get(url))
    theirs["title"] = "Where do we meet in 2010?"
    assert second.post(url, data=theirs).status_code == 303
    mine["quorum"] = "50"
    refused = first.post(url, data=mine)
    assert refused.status_code == 409 and REFUSAL in refused.get_data(as_text=True)
    assert stored_decision(did).title == "Where do we meet in 2010?"
    # A client that sends no edition (a script posting the form) is not checked.
    del mine["edition"]
    assert first.post(url, data=mine).status_code == 303
    assert stored_decision(did).title == "Where do we meet?"
