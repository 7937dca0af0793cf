"""Searching and filtering the decisions list (issue 11, part 2): ``?q=`` finds
a decision by a word of its title, description or an option's label, also in
their Dutch translations, on SQLite and PostgreSQL; ``?status=`` and
``?method=`` filter; bad parameters are 400 naming the parameter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import API


@pytest.fixture
def three(make_decision: Callable[..., dict[str, Any]]) -> dict[str, int]:
    form = make_decision(
        "open",
        title="Form of the community of practice",
        original_language="en",
        options=[
            {"label": "Foundation", "translations": {"nl": {"label": "Stichting"}}},
            {"label": "Association 100%_sure", "translations": {"nl": {"label": "Vereniging"}}},
        ],
    )
    agenda = make_decision(
        "draft",
        title="Learning agenda",
        description="Which themes come first; remittances among them.",
        method="approval",
        original_language="en",
        translations={"nl": {"title": "Leeragenda", "description": "Welke thema's eerst."}},
        options=[{"label": "Remittances"}, {"label": "Return migration"}],
    )
    meeting = make_decision(
        "closed",
        title="Follow-up meeting of the community",
        options=[{"label": "Utrecht"}, {"label": "Arnhem"}],
    )
    return {"form": form["id"], "agenda": agenda["id"], "meeting": meeting["id"]}


def _ids(client: FlaskClient, headers: dict[str, str], query: str) -> list[int]:
    response = client.get(f"{API}/decisions?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=stichting", ["form"]),  # an option label's Dutch translation
        ("q=Vereniging", ["form"]),
        ("q=foundation", ["form"]),  # an option label, other case
        ("q=remittances", ["agenda"]),  # description and option label
        ("q=leeragenda", ["agenda"]),  # the title's Dutch translation
        ("q=thema%27s+eerst", ["agenda"]),  # every word, in the translated description
        ("q=practice+utrecht", []),  # words of two decisions: neither has both
        ("q=practice+stichting", ["form"]),  # title and option together
        ("q=cooperative", []),
        ("q=", ["meeting", "agenda", "form"]),  # empty: no search
        ("q=+++", ["meeting", "agenda", "form"]),
        ("status=open", ["form"]),
        ("status=closed", ["meeting"]),
        ("method=approval", ["agenda"]),
        ("method=single_choice&q=utrecht", ["meeting"]),
        ("status=draft&q=foundation", []),
    ],
)
def test_search_and_filters_find_the_decisions(
    client: FlaskClient,
    network: dict[str, Any],
    three: dict[str, int],
    query: str,
    expected: list[str],
) -> None:
    headers = network["headers"]["facilitator"]
    assert _ids(client, headers, query) == [three[name] for name in expected]


def test_like_wildcards_are_taken_literally(
    client: FlaskClient, network: dict[str, Any], three: dict[str, int], database_url: str
) -> None:
    # Unescaped, % and _ would match every decision. SQLite finds them as
    # characters of a label; PostgreSQL's parser takes no word from them.
    headers = network["headers"]["facilitator"]
    literal = [] if database_url.startswith("postgresql") else [three["form"]]
    assert _ids(client, headers, "q=%25") == literal
    assert _ids(client, headers, "q=_") == literal
    assert _ids(client, headers, "q=100%25_sure") == [three["form"]]


def test_members_search_only_what_they_may_see(
    client: FlaskClient, network: dict[str, Any], three: dict[str, int]
) -> None:
    # The agenda is a draft: a representative does not see it, searched or not.
    assert _ids(client, network["headers"]["adpc"], "q=remittances") == []
    assert _ids(client, network["headers"]["adpc"], "q=stichting") == [three["form"]]


def test_a_search_pages_with_its_cursor(
    client: FlaskClient, network: dict[str, Any], three: dict[str, int]
) -> None:
    headers = network["headers"]["facilitator"]
    first = client.get(f"{API}/decisions?q=community&limit=1", headers=headers).get_json()
    assert first["next"] is not None
    second = client.get(
        f"{API}/decisions?q=community&limit=1&cursor={first['next']}", headers=headers
    ).get_json()
    assert [i["id"] for i in first["items"] + second["items"]] == [three["meeting"], three["form"]]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("q=" + "a" * 201, "q"),
        ("q=a%00b", "q"),
        ("status=ajar", "status"),
        ("method=lottery", "method"),
    ],
)
def test_bad_search_parameters_are_refused_with_the_field(
    client: FlaskClient, network: dict[str, Any], three: dict[str, int], query: str, field: str
) -> None:
    response = client.get(f"{API}/decisions?{query}", headers=network["headers"]["facilitator"])
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["fields"]
