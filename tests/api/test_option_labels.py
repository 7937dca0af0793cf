"""Two options of one decision never share a label (ignoring case), however it
gets there: created, edited as a draft, or reworded while open. A count, the
results and a screen reader could not tell such options apart."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.dbstate import changed_tables, snapshot

from .conftest import API


def test_rewording_an_open_option_as_another_options_label_is_refused_and_changes_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    decision = make_decision("open")
    first, second, third, _fourth = (o["id"] for o in decision["options"])
    path = f"{API}/decisions/{decision['id']}"
    refused_bodies = [
        # Another option's label in other case.
        {"options": [{"id": second, "label": "FOUNDATION"}]},
        # Two options reworded to one label in the same body.
        {"options": [{"id": second, "label": "Same"}, {"id": third, "label": "same"}]},
        # The label one option gives up is taken by another while it keeps it.
        {"options": [{"id": first, "label": "Association"}]},
    ]
    for body in refused_bodies:
        before = snapshot()
        response = client.patch(path, json=body, headers=fac)
        assert response.status_code == 400, (body, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "invalid_input"
        assert error["fields"] == {"options": "Labels must differ."}
        assert snapshot() == before, changed_tables(before, snapshot())

    # Its own label in other case, and two labels swapped, are fine.
    body = {
        "options": [
            {"id": first, "label": "FOUNDATION"},
            {"id": second, "label": "Cooperative"},
            {"id": _fourth, "label": "Association"},
        ]
    }
    response = client.patch(path, json=body, headers=fac)
    assert response.status_code == 200, response.get_json()
    labels = [o["label"] for o in response.get_json()["options"]]
    assert labels == ["FOUNDATION", "Cooperative", "Network without legal form", "Association"]


def test_a_draft_or_a_new_decision_with_two_labels_alike_is_refused(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    body = {"title": "T", "method": "approval", "options": [{"label": "a"}, {"label": "A"}]}
    response = client.post(f"{API}/decisions", json=body, headers=fac)
    assert response.status_code == 400
    # "options" says so; each later option with an earlier one's label is named too.
    assert response.get_json()["error"]["fields"] == {
        "options": "Labels must differ.",
        "options.1.label": "An earlier option has this label.",
    }
    draft = make_decision("draft")
    response = client.patch(
        f"{API}/decisions/{draft['id']}",
        json={"options": [{"label": "Twice"}, {"label": "Once"}, {"label": "twice "}]},
        headers=fac,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {
        "options": "Labels must differ.",
        "options.2.label": "An earlier option has this label.",
    }


def test_every_bad_field_of_a_decision_is_named_in_one_answer(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """A facilitator fixing a draft should not meet one refusal per submit."""
    fac = network["headers"]["facilitator"]
    body = {
        "title": " ",
        "method": "approval",
        "quorum": 1.5,
        "closes_at": "2001-01-01T10:00:00+01:00",
        "comments": "sometimes",
        "options": [{"label": "a"}, {"label": "A"}],
    }
    before = snapshot()
    response = client.post(f"{API}/decisions", json=body, headers=fac)
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {
        "title",
        "quorum",
        "closes_at",
        "comments",
        "options",
        "options.1.label",
    }, fields
    assert fields["options"] == "Labels must differ."
    assert snapshot() == before
    # A draft's edit likewise, and nothing of it is changed.
    draft = make_decision("draft")
    before = snapshot()
    response = client.patch(
        f"{API}/decisions/{draft['id']}",
        json={"quorum": "lots", "max_score": 0, "options": [{"label": "x"}, {"label": "X"}]},
        headers=fac,
    )
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {
        "quorum",
        "max_score",
        "options",
        "options.1.label",
    }
    assert snapshot() == before


def test_a_draft_refuses_an_option_id_that_is_not_its_own_and_changes_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    facilitator = network["headers"]["facilitator"]
    other = make_decision("open")
    draft = make_decision("draft")
    url = f"{API}/decisions/{draft['id']}"
    before = client.get(url, headers=facilitator).get_json()["options"]
    foreign = other["options"][0]["id"]
    refused = client.patch(
        url,
        headers=facilitator,
        json={"options": [{"id": foreign, "label": "x"}, {"label": before[1]["label"]}]},
    )
    assert refused.status_code == 400
    assert refused.get_json()["error"]["fields"] == {
        "options.0.id": "Not an option of this decision."
    }
    assert client.get(url, headers=facilitator).get_json()["options"] == before
    # Its own ids, as read, are taken (the options are matched by label).
    own = [{"id": o["id"], "label": o["label"]} for o in before]
    assert client.patch(url, headers=facilitator, json={"options": own}).status_code == 200
    assert [o["id"] for o in client.get(url, headers=facilitator).get_json()["options"]] == [
        o["id"] for o in before
    ]
