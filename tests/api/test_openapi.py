"""The OpenAPI document is generated from the code and describes every route of API.md."""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from .conftest import API

#: Every route of API.md (docs/API.md) with the errors it can answer.
ROUTES: dict[tuple[str, str], set[int]] = {
    ("get", "/organisations"): {400, 401},
    ("post", "/organisations"): {400, 401, 403, 413},
    ("patch", "/organisations/{slug}"): {400, 401, 403, 404, 413},
    ("get", "/people"): {400, 401, 403},
    ("post", "/people"): {400, 401, 403, 413},
    ("patch", "/people/{person_id}"): {400, 401, 403, 404, 413},
    ("post", "/people/{person_id}/invitation"): {401, 403, 404, 409},
    ("get", "/organisations/{slug}/people"): {400, 401, 403, 404},
    ("post", "/organisations/{slug}/people"): {400, 401, 403, 404, 413},
    ("post", "/organisations/{slug}/people/{person_id}/invitation"): {401, 403, 404, 409},
    ("delete", "/organisations/{slug}/people/{person_id}"): {401, 403, 404, 409},
    ("get", "/me"): {401},
    ("patch", "/me"): {400, 401, 413},
    ("get", "/decisions"): {400, 401},
    ("post", "/decisions"): {400, 401, 403, 413},
    ("get", "/decisions/{decision_id}"): {401, 404},
    ("post", "/decisions/{decision_id}/open"): {401, 403, 404, 409},
    ("post", "/decisions/{decision_id}/close"): {401, 403, 404, 409},
    ("post", "/decisions/{decision_id}/publish"): {400, 401, 403, 404, 409, 413},
    ("post", "/decisions/{decision_id}/withdraw"): {400, 401, 403, 404, 409, 413},
    ("post", "/decisions/{decision_id}/reopen"): {400, 401, 403, 404, 409, 413},
    ("post", "/decisions/{decision_id}/electorate"): {400, 401, 403, 404, 409, 413},
    ("post", "/decisions/{decision_id}/amend"): {400, 401, 403, 404, 409, 413},
    ("patch", "/decisions/{decision_id}"): {400, 401, 403, 404, 409, 413},
    ("put", "/decisions/{decision_id}/ballot"): {400, 401, 403, 404, 409, 413},
    ("get", "/decisions/{decision_id}/ballot"): {401, 403, 404},
    ("delete", "/decisions/{decision_id}/ballot"): {401, 403, 404, 409},
    ("put", "/decisions/{decision_id}/ballots/{slug}"): {400, 401, 403, 404, 409, 413},
    ("get", "/decisions/{decision_id}/results"): {401, 403, 404},
    ("get", "/decisions/{decision_id}/comments"): {401, 404},
    ("post", "/decisions/{decision_id}/comments"): {400, 401, 403, 404, 409, 413},
    ("patch", "/comments/{comment_id}"): {400, 401, 403, 404, 409, 413},
    ("post", "/comments/{comment_id}/report"): {400, 401, 403, 404, 409, 413},
    ("get", "/decisions/{decision_id}/review"): {400, 401, 403, 404},
    ("post", "/decisions/{decision_id}/options"): {400, 401, 403, 404, 409, 413},
    ("post", "/decisions/{decision_id}/options/{option_id}/merge"): {400, 401, 403, 404, 409, 413},
    ("get", "/decisions/{decision_id}/ballot-record"): {401, 404, 409},
    ("get", "/decisions/{decision_id}/interests"): {401, 404},
    ("post", "/decisions/{decision_id}/interests"): {400, 401, 403, 404, 409, 413},
    ("delete", "/decisions/{decision_id}/interests/{option_id}"): {401, 403, 404, 409},
    ("get", "/decisions/{decision_id}/objections"): {401, 404},
    ("post", "/decisions/{decision_id}/objections"): {400, 401, 403, 404, 409, 413},
    ("get", "/decisions/{decision_id}/events"): {401, 404},
    ("get", "/me/tokens"): {400, 401},
    ("get", "/me/data"): {401},
    ("post", "/people/{person_id}/erasure"): {400, 401, 403, 404, 409, 413},
    ("delete", "/me/tokens/{token_id}"): {401, 404},
    ("get", "/meetings"): {400, 401},
    ("post", "/meetings"): {400, 401, 403, 413},
    ("get", "/meetings/{meeting_id}"): {401, 404},
    ("patch", "/meetings/{meeting_id}"): {400, 401, 403, 404, 413},
    ("put", "/meetings/{meeting_id}/minutes"): {400, 401, 403, 404, 413},
    ("put", "/meetings/{meeting_id}/attendance"): {400, 401, 403, 404, 413},
    ("post", "/meetings/{meeting_id}/actions"): {400, 401, 403, 404, 413},
    ("patch", "/meetings/{meeting_id}/actions/{action_id}"): {400, 401, 403, 404, 409, 413},
    ("post", "/meetings/{meeting_id}/decisions"): {400, 401, 403, 404, 409, 413},
    ("delete", "/meetings/{meeting_id}/decisions/{decision_id}"): {401, 403, 404},
    ("post", "/decisions/{decision_id}/duplicate"): {401, 403, 404},
    ("get", "/templates"): {401},
    ("post", "/decisions/from-template"): {400, 401, 403, 413},
    ("get", "/me/calendar"): {401},
    ("post", "/me/calendar"): {401},
    ("get", "/webhooks"): {400, 401, 403},
    ("post", "/webhooks"): {400, 401, 403, 413},
    ("delete", "/webhooks/{webhook_id}"): {401, 403, 404},
    ("post", "/decisions/{decision_id}/reminders"): {401, 403, 404, 409},
    ("post", "/decisions/{decision_id}/review"): {400, 401, 403, 404, 413},
    ("post", "/review"): {400, 401, 403, 413},
    ("get", "/review"): {400, 401, 403},
    ("get", "/mail"): {400, 401, 403},
    ("post", "/mail/{notification_id}/retry"): {401, 403, 404, 409},
    ("post", "/people/import"): {400, 401, 403, 413},
    ("post", "/me/tokens"): {400, 401, 413},
}


def _spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    spec: dict[str, Any] = json.loads(response.get_data(as_text=True))
    return spec


def test_document_is_openapi_3_and_needs_no_token(client: FlaskClient) -> None:
    spec = _spec(client)
    assert spec["openapi"].startswith("3.")
    assert (
        spec["components"]["securitySchemes"]["BearerAuth"]
        == {"type": "http", "scheme": "bearer"}
        | spec["components"]["securitySchemes"]["BearerAuth"]
    )


def test_every_route_is_documented_with_its_errors(client: FlaskClient) -> None:
    spec = _spec(client)
    documented = {
        (method, path.removeprefix(API)): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }
    missing = set(ROUTES) - set(documented)
    assert not missing
    error_ref = "#/components/schemas/ErrorSchema"
    for key, codes in ROUTES.items():
        operation = documented[key]
        responses = operation["responses"]
        assert codes <= {int(c) for c in responses}, (key, sorted(responses))
        assert "422" not in responses, key
        assert any(c.startswith("2") for c in responses), key
        for code in responses:
            if code.startswith("4"):
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, (key, code)
        assert operation["summary"], key
        assert operation["security"] == [{"BearerAuth": []}], key
        if key[0] in ("post", "put", "patch") and not key[1].endswith(
            ("/open", "/close", "/invitation", "/duplicate", "/me/calendar", "/reminders", "/retry")
        ):
            assert "application/json" in operation["requestBody"]["content"], key


def test_no_route_is_documented_with_422(client: FlaskClient) -> None:
    spec = _spec(client)
    assert '"422"' not in json.dumps(spec["paths"])
    assert "HTTPError" not in spec["components"]["schemas"]
    assert "ValidationError" not in spec["components"]["schemas"]


def test_error_schema_has_the_contract_shape(client: FlaskClient) -> None:
    schemas = _spec(client)["components"]["schemas"]
    error = schemas["ErrorSchema"]
    assert error["required"] == ["error"]
    detail_ref = error["properties"]["error"]["$ref"].rsplit("/", 1)[1]
    detail = schemas[detail_ref]
    assert {"code", "message", "fields"} <= set(detail["properties"])
    assert set(detail["required"]) == {"code", "message"}


def test_documented_objects_match_the_answers(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    schemas = _spec(client)["components"]["schemas"]

    def props(name: str) -> set[str]:
        return set(schemas[name]["properties"])

    h = network["headers"]
    decision = make_decision("open")
    did = decision["id"]
    assert set(decision) == props("DecisionSchema")
    assert set(decision["options"][0]) <= props("OptionSchema")
    ballot = client.put(
        f"{API}/decisions/{did}/ballot",
        headers=h["adpc"],
        json={"option": decision["options"][0]["id"]},
    ).get_json()
    assert set(ballot) == props("BallotSchema")
    comment = client.post(
        f"{API}/decisions/{did}/comments", headers=h["facilitator"], json={"body": "x"}
    ).get_json()
    assert set(comment) == props("CommentSchema")
    me = client.get(f"{API}/me", headers=h["adpc"]).get_json()
    assert set(me) == props("MeSchema")
    person = client.get(f"{API}/people", headers=h["facilitator"]).get_json()["items"][0]
    assert set(person) == props("PersonItemSchema")
    org = client.get(f"{API}/organisations", headers=h["adpc"]).get_json()["items"][0]
    assert set(org) == props("OrganisationItemSchema")
    results = client.get(f"{API}/decisions/{did}/results", headers=h["facilitator"]).get_json()
    assert props("ResultsSchema") <= set(results)
    meeting = client.post(
        f"{API}/meetings", headers=h["facilitator"], json={"title": "M", "held_on": "2010-02-11"}
    ).get_json()
    assert set(meeting) == props("MeetingSchema")
    action = client.post(
        f"{API}/meetings/{meeting['id']}/actions", headers=h["facilitator"], json={"text": "Do."}
    ).get_json()
    assert set(action) == props("ActionSchema")
    template = client.get(f"{API}/templates", headers=h["adpc"]).get_json()["items"][0]
    assert set(template) == props("TemplateSchema")


def test_the_document_lists_exactly_the_routes(client: FlaskClient) -> None:
    spec = _spec(client)
    documented = {
        (method, path.removeprefix(API)) for path, item in spec["paths"].items() for method in item
    }
    assert documented == set(ROUTES)


def test_bodies_are_required_and_answers_closed(client: FlaskClient) -> None:
    """Every declared body is required (an empty one is 400), and every object
    an answer can hold lists its fields and refuses others, or is one of such."""
    spec = _spec(client)
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if "requestBody" in operation:
                assert operation["requestBody"]["required"] is True, (method, path)
    for name, schema in schemas.items():
        if "oneOf" in schema:
            assert all("$ref" in branch or "required" in branch for branch in schema["oneOf"])
        elif not name.endswith("InSchema") and name != "ErrorDetailSchema":
            assert schema.get("additionalProperties") is False, name


def test_ballot_writes_document_if_match_and_etag(client: FlaskClient) -> None:
    paths = _spec(client)["paths"]
    for path, method in (
        ("/decisions/{decision_id}/ballot", "put"),
        ("/decisions/{decision_id}/ballot", "delete"),
        ("/decisions/{decision_id}/ballots/{slug}", "put"),
    ):
        operation = paths[API + path][method]
        if_match = next(p for p in operation["parameters"] if p["name"] == "If-Match")
        assert if_match["in"] == "header" and not if_match["required"]
        assert "replaces whatever is current" in if_match["description"]
        assert "409" in operation["responses"]
        if method == "put":
            assert "replaces whatever is current" in " ".join(operation["description"].split())
            headers = operation["responses"]["200"]["headers"]
            assert headers["ETag"]["required"] is True


def test_results_are_documented_per_method(client: FlaskClient) -> None:
    schemas = _spec(client)["components"]["schemas"]
    results = schemas["ResultsSchema"]
    mapping = results["discriminator"]["mapping"]
    assert set(mapping) == {
        "single_choice",
        "approval",
        "ranked",
        "score",
        "consent",
        "dot_vote",
        "meeting_time",
        "discussion",
    }
    ranked = schemas["RankedResultsSchema"]["properties"]
    assert {b["$ref"].rsplit("/", 1)[1] for b in ranked["explanation"]["items"]["oneOf"]} == {
        "IrvRoundSchema",
        "SchulzeTablesSchema",
    }
    consent = schemas["ConsentResultsSchema"]["required"]
    assert {"positions", "blocks", "passed"} <= set(consent)
