"""A decision in two languages through the API: read, create, update, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from .conftest import API

DUTCH = {"nl": {"title": "Vorm van de community of practice", "description": "Kies er één."}}


def _get(client: FlaskClient, network: dict[str, Any], did: int, role: str = "adpc") -> Any:
    response = client.get(f"{API}/decisions/{did}", headers=network["headers"][role])
    assert response.status_code == 200
    return response.get_json()


def test_created_with_translations_every_role_reads_them(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    made = make_decision(
        "open",
        description="Choose one.",
        original_language="en",
        translations=DUTCH,
        options=[
            {"label": "Foundation", "translations": {"nl": {"label": "Stichting"}}},
            {"label": "Association", "translations": {"nl": {"label": "Vereniging"}}},
        ],
    )
    for role in ("facilitator", "adpc", "observer"):
        got = _get(client, network, made["id"], role)
        assert got["original_language"] == "en"
        assert got["title"] == "Form of the community of practice"
        assert got["translations"] == DUTCH
        assert [o["translations"] for o in got["options"]] == [
            {"nl": {"label": "Stichting", "description": ""}},
            {"nl": {"label": "Vereniging", "description": ""}},
        ]


def test_without_translations_the_network_language_and_none(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    got = _get(client, network, make_decision("draft")["id"], "facilitator")
    assert got["original_language"] == "nl"
    assert got["translations"] == {}
    assert all(o["translations"] == {} for o in got["options"])


def test_a_draft_takes_removes_and_keeps_translations(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]["facilitator"]
    did = make_decision("draft", original_language="en")["id"]
    url = f"{API}/decisions/{did}"
    assert client.patch(url, json={"translations": DUTCH}, headers=headers).status_code == 200
    # Options given again by label keep their translations unless the item gives them.
    options = _get(client, network, did, "facilitator")["options"]
    body = {
        "options": [
            {"label": options[0]["label"], "translations": {"nl": {"label": "Stichting"}}},
            {"label": options[1]["label"]},
        ]
    }
    assert client.patch(url, json=body, headers=headers).status_code == 200
    body = {"options": [{"label": options[0]["label"]}, {"label": options[1]["label"]}]}
    got = client.patch(url, json=body, headers=headers).get_json()
    assert got["options"][0]["translations"] == {"nl": {"label": "Stichting", "description": ""}}
    assert got["translations"] == DUTCH
    # Turning it round: the Dutch is now the original, so its Dutch translation must go.
    refused = client.patch(url, json={"original_language": "nl"}, headers=headers)
    assert refused.status_code == 400
    assert "translations.nl" in refused.get_json()["error"]["fields"]
    assert _get(client, network, did, "facilitator")["original_language"] == "en"
    got = client.patch(
        url, json={"original_language": "nl", "translations": {"nl": None}}, headers=headers
    )
    assert got.status_code == 400  # the option's Dutch translation is in the way too
    assert _get(client, network, did, "facilitator")["translations"] == DUTCH


def test_bad_translations_are_refused_and_change_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]["facilitator"]
    did = make_decision("draft", original_language="en", translations=DUTCH)["id"]
    url = f"{API}/decisions/{did}"
    before = _get(client, network, did, "facilitator")
    for body, field in (
        ({"translations": {"fr": {"title": "Forme"}}}, "translations.fr"),
        ({"translations": {"nl": {"description": "Zonder titel"}}}, "translations.nl.title"),
        ({"translations": {"nl": {"title": "T", "colour": "x"}}}, "translations.nl.colour"),
        ({"translations": {"nl": {"title": "Twee\nregels"}}}, "translations.nl.title"),
        ({"translations": {"en": {"title": "Same language"}}}, "translations.en"),
        ({"translations": ["nl"]}, "translations"),
        ({"original_language": "de"}, "original_language"),
    ):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 400, body
        assert field in response.get_json()["error"]["fields"], (body, response.get_json())
    assert _get(client, network, did, "facilitator") == before


def test_an_open_decision_translates_its_description_and_options_not_its_title(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]["facilitator"]
    did = make_decision("open", original_language="en", translations=DUTCH)["id"]
    url = f"{API}/decisions/{did}"
    title = DUTCH["nl"]["title"]
    changed = {"nl": {"title": "Een andere titel"}}
    assert client.patch(url, json={"translations": changed}, headers=headers).status_code == 409
    turned = {"original_language": "nl", "translations": {"nl": None}}
    assert client.patch(url, json=turned, headers=headers).status_code == 409
    assert _get(client, network, did)["translations"] == DUTCH
    body = {"translations": {"nl": {"title": title, "description": "Kies er precies één."}}}
    assert client.patch(url, json=body, headers=headers).status_code == 200
    option = _get(client, network, did)["options"][1]
    assert option["edited"] is False
    body = {"options": [{"id": option["id"], "translations": {"nl": {"label": "Vereniging"}}}]}
    got = client.patch(url, json=body, headers=headers).get_json()
    assert got["translations"]["nl"]["description"] == "Kies er precies één."
    assert got["options"][1]["translations"] == {"nl": {"label": "Vereniging", "description": ""}}
    assert got["options"][1]["edited"] is True


def test_an_open_decision_without_a_title_translation_may_be_given_one_once(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    """Readers of the other language saw the original title until now; adding its
    translation rewords nothing, changing or removing it afterwards would."""
    headers = network["headers"]["facilitator"]
    did = make_decision("open", original_language="en")["id"]
    url = f"{API}/decisions/{did}"
    response = client.patch(url, json={"translations": DUTCH}, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert _get(client, network, did)["translations"] == DUTCH
    for body in (
        {"translations": {"nl": {"title": "Een andere titel"}}},
        {"translations": {"nl": None}},
    ):
        response = client.patch(url, json=body, headers=headers)
        assert response.status_code == 409, body
        assert "once given" in response.get_json()["error"]["message"]
    assert _get(client, network, did)["translations"] == DUTCH


def test_a_closed_decision_takes_no_translation(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    headers = network["headers"]["facilitator"]
    did = make_decision("closed", original_language="en")["id"]
    response = client.patch(f"{API}/decisions/{did}", json={"translations": DUTCH}, headers=headers)
    assert response.status_code == 409
    assert _get(client, network, did)["translations"] == {}


def test_members_may_not_translate(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    did = make_decision("open", original_language="en")["id"]
    response = client.patch(
        f"{API}/decisions/{did}", json={"translations": DUTCH}, headers=network["headers"]["adpc"]
    )
    assert response.status_code == 403
    assert _get(client, network, did)["translations"] == {}
