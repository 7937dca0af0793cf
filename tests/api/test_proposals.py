"""Proposals and merges through the API; the decision's document link."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import API


@pytest.fixture
def phase(make_decision: Any) -> dict[str, Any]:
    """A draft taking proposals, with one option of the facilitator's."""
    return make_decision(
        "draft", method="approval", options=[{"label": "Remittances"}], proposals_open=True
    )


def _propose(client: FlaskClient, headers: dict[str, str], did: int, **body: Any) -> Any:
    return client.post(f"{API}/decisions/{did}/options", headers=headers, json=body)


def test_two_organisations_propose_and_the_options_show_them(
    client: FlaskClient, network: dict[str, Any], phase: dict[str, Any]
) -> None:
    h, did = network["headers"], phase["id"]
    seen = client.get(f"{API}/decisions/{did}", headers=h["adpc"])
    assert seen.status_code == 200
    assert seen.get_json()["proposals_open"] is True
    assert seen.get_json()["status"] == "draft"
    first = _propose(client, h["adpc"], did, label="Diaspora and trade", description="Trade.")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["proposed_by"] == "adpc"
    assert first.get_json()["label"] == "Diaspora and trade"
    second = _propose(client, h["oxfam2"], did, label="Brain gain")
    assert second.status_code == 201
    assert second.get_json()["proposed_by"] == "oxfam-novib"
    options = client.get(f"{API}/decisions/{did}", headers=h["stro"]).get_json()["options"]
    assert [(o["label"], o["proposed_by"]) for o in options] == [
        ("Remittances", None),
        ("Diaspora and trade", "adpc"),
        ("Brain gain", "oxfam-novib"),
    ]
    listed = client.get(f"{API}/decisions", headers=h["stro"]).get_json()["items"]
    assert [d["id"] for d in listed] == [did]


def test_refusals_in_the_contract_order(
    client: FlaskClient, network: dict[str, Any], phase: dict[str, Any], make_decision: Any
) -> None:
    h, did = network["headers"], phase["id"]
    assert _propose(client, {}, did, label="x").status_code == 401
    observer = _propose(client, h["observer"], did, label="x")
    assert observer.status_code == 403
    assert observer.get_json()["error"]["code"] == "forbidden"
    assert _propose(client, h["observer"], 999999, label="x").status_code == 403
    assert _propose(client, h["adpc"], 999999, label="x").status_code == 404
    ordinary = make_decision("draft")
    assert client.get(f"{API}/decisions/{ordinary['id']}", headers=h["adpc"]).status_code == 404
    assert _propose(client, h["adpc"], ordinary["id"], label="x").status_code == 404
    bad = _propose(client, h["adpc"], did, label="")
    assert bad.status_code == 400
    assert "label" in bad.get_json()["error"]["fields"]
    unknown = _propose(client, h["adpc"], did, label="x", colour="red")
    assert unknown.status_code == 400 and "colour" in unknown.get_json()["error"]["fields"]
    malformed = client.post(
        f"{API}/decisions/{did}/options",
        headers={**h["adpc"], "Content-Type": "application/json"},
        data="{",
    )
    assert malformed.status_code == 400
    open_ = make_decision("open")
    closed_phase = _propose(client, h["adpc"], open_["id"], label="Too late")
    assert closed_phase.status_code == 409
    assert closed_phase.get_json()["error"]["code"] == "conflict"
    # 400 wins over 409: a bad body on an open decision
    assert _propose(client, h["adpc"], open_["id"], label="").status_code == 400


def test_facilitator_merges_a_duplicate(
    client: FlaskClient, network: dict[str, Any], phase: dict[str, Any]
) -> None:
    h, did = network["headers"], phase["id"]
    kept = _propose(client, h["adpc"], did, label="Diaspora and trade").get_json()["id"]
    dup = _propose(client, h["stro"], did, label="Trade by the diaspora").get_json()["id"]
    url = f"{API}/decisions/{did}/options/{dup}/merge"
    assert client.post(url, headers=h["adpc"], json={"into": kept}).status_code == 403
    assert client.post(url, headers=h["observer"], json={"into": kept}).status_code == 403
    missing = f"{API}/decisions/{did}/options/999999/merge"
    assert client.post(missing, headers=h["facilitator"], json={"into": kept}).status_code == 404
    for body in ({}, {"into": "x"}, {"into": dup}, {"into": 999999}, {"into": True}):
        answer = client.post(url, headers=h["facilitator"], json=body)
        assert answer.status_code == 400, body
        assert "into" in answer.get_json()["error"]["fields"]
    merged = client.post(url, headers=h["facilitator"], json={"into": kept})
    assert merged.status_code == 200, merged.get_json()
    options = merged.get_json()["options"]
    assert [o["id"] for o in options] == [phase["options"][0]["id"], kept]
    assert options[1]["description"] == "(also proposed by STRO)"
    assert options[1]["proposed_by"] == "adpc"
    assert client.post(url, headers=h["facilitator"], json={"into": kept}).status_code == 404


def test_opening_ends_the_phase(
    client: FlaskClient, network: dict[str, Any], phase: dict[str, Any]
) -> None:
    h, did = network["headers"], phase["id"]
    _propose(client, h["adpc"], did, label="Diaspora and trade")
    _propose(client, h["stro"], did, label="Local currencies")
    opened = client.post(f"{API}/decisions/{did}/open", headers=h["facilitator"])
    assert opened.status_code == 200
    body = opened.get_json()
    assert body["status"] == "open" and body["proposals_open"] is False
    ids = [o["id"] for o in body["options"]]
    assert [o["label"] for o in body["options"]] == [
        "Remittances",
        "Diaspora and trade",
        "Local currencies",
    ]
    assert _propose(client, h["adpc"], did, label="Too late").status_code == 409
    ballot = client.put(
        f"{API}/decisions/{did}/ballot", headers=h["stro"], json={"options": ids[1:]}
    )
    assert ballot.status_code == 200, ballot.get_json()


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        # Rows for tests/api/test_access.py's table (every route for every role).
        ("POST", "/decisions/{open}/options", {"label": "A new idea"}, (409, 409, 403, 401)),
        ("POST", "/decisions/{phase}/options", {"label": "A new idea"}, (201, 201, 403, 401)),
        ("POST", "/decisions/{draft}/options", {"label": "A new idea"}, (409, 404, 403, 401)),
        ("POST", "/decisions/{phase}/options/{option}/merge", {"into": 0}, (400, 403, 403, 401)),
    ],
)
def test_every_role(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Any,
    phase: dict[str, Any],
    method: str,
    path: str,
    body: dict[str, Any],
    expected: tuple[int, int, int, int],
) -> None:
    ids = {
        "open": make_decision("open")["id"],
        "draft": make_decision("draft")["id"],
        "phase": phase["id"],
        "option": phase["options"][0]["id"],
    }
    h = network["headers"]
    for role, status in zip(("facilitator", "adpc", "observer", None), expected, strict=True):
        headers = h[role] if role else {}
        sent = {**body, "label": f"{body['label']} ({role})"} if "label" in body else body
        answer = client.open(
            f"{API}{path.format(**ids)}", method=method, headers=headers, json=sent
        )
        assert answer.status_code == status, (role, answer.get_json())
        assert answer.content_type == "application/json"


def test_routes_are_documented(client: FlaskClient) -> None:
    spec = json.loads(client.get(f"{API}/openapi.json").get_data(as_text=True))
    routes = {
        "/decisions/{decision_id}/options": {400, 401, 403, 404, 409, 413},
        "/decisions/{decision_id}/options/{option_id}/merge": {400, 401, 403, 404, 409, 413},
    }
    for path, codes in routes.items():
        operation = spec["paths"][f"{API}{path}"]["post"]
        responses = operation["responses"]
        assert codes <= {int(c) for c in responses}
        assert "422" not in responses
        assert operation["summary"]
        assert operation["security"] == [{"BearerAuth": []}]
        assert "application/json" in operation["requestBody"]["content"]
    option = spec["components"]["schemas"]["OptionSchema"]["properties"]
    assert "proposed_by" in option
    decision = spec["components"]["schemas"]["DecisionSchema"]["properties"]
    assert {"document_url", "proposals_open"} <= set(decision)


def test_document_url(client: FlaskClient, network: dict[str, Any], make_decision: Any) -> None:
    h = network["headers"]
    url = "https://example.org/ids-research-proposal.pdf"
    decision = make_decision("open", method="discussion", options=[], document_url=url)
    assert decision["document_url"] == url
    seen = client.get(f"{API}/decisions/{decision['id']}", headers=h["observer"]).get_json()
    assert seen["document_url"] == url
    plain = make_decision("draft")
    assert plain["document_url"] is None
    for bad in ("javascript:alert(1)", "ftp://example.org/proposal.pdf"):
        answer = client.post(
            f"{API}/decisions",
            headers=h["facilitator"],
            json={"title": "Feedback", "method": "discussion", "document_url": bad},
        )
        assert answer.status_code == 400
        error = answer.get_json()["error"]
        assert error["code"] == "invalid_input" and "document_url" in error["fields"]
        patch = client.patch(
            f"{API}/decisions/{decision['id']}",
            headers=h["facilitator"],
            json={"document_url": bad},
        )
        assert patch.status_code == 400 and "document_url" in patch.get_json()["error"]["fields"]
    new = "http://example.org/v2"
    patch = client.patch(
        f"{API}/decisions/{decision['id']}", headers=h["facilitator"], json={"document_url": new}
    )
    assert patch.status_code == 200 and patch.get_json()["document_url"] == new
