"""Rewording drops stale translations, through the API: a field changed in the
original language without its translation in the same update loses that
translation (readers of the other language read the new original), in drafts
and open decisions alike; a stale title or label takes its whole translation
with it (no translation goes without one); a translation given in the same
update is kept; a copy takes no stale text; the change note and its mail go
out once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import outbox

from .conftest import API

DUTCH = {"nl": {"title": "Vorm van de community of practice", "description": "Kies er één."}}
OPTIONS = [
    {
        "label": "Foundation",
        "description": "A legal person.",
        "translations": {"nl": {"label": "Stichting", "description": "Een rechtspersoon."}},
    },
    {"label": "Association", "translations": {"nl": {"label": "Vereniging"}}},
]


def _patch(client: FlaskClient, network: dict[str, Any], did: int, body: Any) -> Any:
    response = client.patch(
        f"{API}/decisions/{did}", json=body, headers=network["headers"]["facilitator"]
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _dutch(client: FlaskClient, network: dict[str, Any], did: int) -> Any:
    """The decision as a Dutch reader gets it."""
    headers = {**network["headers"]["facilitator"], "Accept-Language": "nl"}
    return client.get(f"{API}/decisions/{did}", headers=headers).get_json()


def test_an_option_reworded_in_the_original_loses_its_stale_translation_only(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    made = make_decision(
        "open",
        original_language="en",
        description="Choose one.",
        translations=DUTCH,
        options=OPTIONS,
    )
    did, first, second = made["id"], made["options"][0]["id"], made["options"][1]["id"]
    before = len(outbox(app))
    got = _patch(client, network, did, {"options": [{"id": first, "label": "A foundation"}]})
    # The label's Dutch is gone (with its translation), the other option keeps its own.
    assert got["options"][0]["translations"] == {}
    assert got["options"][1]["translations"] == {"nl": {"label": "Vereniging", "description": ""}}
    assert got["translations"] == DUTCH
    # One note, one mail per representative.
    assert [(c["kind"], c["option"]) for c in got["changes"]] == [("option", first)]
    assert len(outbox(app)) - before == 4
    read = _dutch(client, network, did)
    assert read["options"][0]["label"] == "A foundation"
    assert read["options"][0]["description"] == "A legal person."
    # Rewording the other option with its new Dutch in the same update keeps the Dutch.
    body = {
        "options": [
            {
                "id": second,
                "label": "An association",
                "translations": {"nl": {"label": "Een vereniging"}},
            }
        ]
    }
    got = _patch(client, network, did, body)
    assert got["options"][1]["translations"]["nl"]["label"] == "Een vereniging"
    # The same wording again is no rewording: the translations stay as they are.
    got = _patch(client, network, did, {"options": [{"id": second, "label": "An association"}]})
    assert got["options"][1]["translations"]["nl"]["label"] == "Een vereniging"
    # A copy takes the new wording, not the stale Dutch.
    copied = client.post(
        f"{API}/decisions/{did}/duplicate", headers=network["headers"]["facilitator"]
    )
    assert copied.status_code == 201, copied.get_json()
    copy = copied.get_json()
    labels = [(o["label"], o["translations"].get("nl", {}).get("label")) for o in copy["options"]]
    assert labels == [("A foundation", None), ("An association", "Een vereniging")]


def test_an_open_description_reworded_loses_its_translation_unless_given(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    made = make_decision(
        "open", original_language="en", description="Choose one.", translations=DUTCH
    )
    did = made["id"]
    got = _patch(client, network, did, {"description": "Choose exactly one."})
    assert got["translations"] == {"nl": {"title": DUTCH["nl"]["title"], "description": ""}}
    assert [c["kind"] for c in got["changes"]] == ["description"]
    assert _dutch(client, network, did)["description"] == "Choose exactly one."
    given = {"nl": {"title": DUTCH["nl"]["title"], "description": "Kies er precies één."}}
    got = _patch(client, network, did, {"description": "Choose one only.", "translations": given})
    assert got["translations"] == given


def test_a_draft_reworded_loses_the_stale_translations_of_what_changed(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    made = make_decision(
        "draft",
        original_language="en",
        description="Choose one.",
        translations=DUTCH,
        options=OPTIONS,
    )
    did = made["id"]
    body = {
        "title": "The form of our network",
        "options": [
            {"label": "Foundation", "description": "A legal person without members."},
            {"label": "association"},  # the same option, only its case changed
        ],
    }
    got = _patch(client, network, did, body)
    # A stale title takes its translation along; a stale description only itself.
    assert got["translations"] == {}
    assert [o["translations"] for o in got["options"]] == [
        {"nl": {"label": "Stichting", "description": ""}},
        {},
    ]
    read = _dutch(client, network, did)
    assert (read["title"], read["description"]) == ("The form of our network", "Choose one.")
    # The title and its new translation together: both kept.
    new = {"nl": {"title": "De vorm van ons netwerk"}}
    got = _patch(client, network, did, {"title": "Our network's form", "translations": new})
    assert got["translations"] == {"nl": {"title": "De vorm van ons netwerk", "description": ""}}
