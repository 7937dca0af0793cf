"""End to end through the API: the kick-off's follow-up decisions from ``cop load-demo``.

Representatives of several organisations cast ballots with each method's body
(API.md, "Ballots"), malformed bodies are refused with 400 naming the field,
the facilitator closes and publishes, and the results carry the method's figures.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Decision, Person

API = "/api/v1"


@pytest.fixture
def demo(app: Flask, runner: Any, token_for: Any) -> dict[str, Any]:
    """The kick-off demo: decision ids by method, facilitator headers, and headers
    for one representative each of several organisations."""
    result = runner.invoke(args=["cop", "load-demo"])
    assert result.exit_code == 0, result.output
    decisions = {d.method: d.id for d in db.session.execute(select(Decision)).scalars()}
    people = list(db.session.execute(select(Person).order_by(Person.id)).scalars())
    facilitator = next(p for p in people if p.role == "facilitator")
    reps: list[dict[str, str]] = []
    seen: set[int | None] = set()
    for person in people:
        if person.role == "representative" and person.organisation_id not in seen:
            seen.add(person.organisation_id)
            reps.append(token_for(person))
    assert len(reps) >= 4
    return {"decisions": decisions, "facilitator": token_for(facilitator), "reps": reps}


def _options(client: FlaskClient, did: int, headers: dict[str, str]) -> list[int]:
    response = client.get(f"{API}/decisions/{did}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return [o["id"] for o in response.get_json()["options"]]


def _put(client: FlaskClient, did: int, headers: dict[str, str], body: Any) -> Any:
    return client.put(f"{API}/decisions/{did}/ballot", json=body, headers=headers)


def _ok(client: FlaskClient, did: int, headers: dict[str, str], body: Any) -> None:
    response = _put(client, did, headers, body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["ballot"]


def _refused(client: FlaskClient, did: int, headers: dict[str, str], body: Any, field: str) -> None:
    response = _put(client, did, headers, body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    fields = error.get("fields") or {}
    # The field itself (``dots``) or one entry of it (``dots.12``).
    assert field in fields or any(key.startswith(field + ".") for key in fields), (field, error)


def _close_and_publish(
    client: FlaskClient, did: int, headers: dict[str, str], option: int | None
) -> dict[str, Any]:
    response = client.post(f"{API}/decisions/{did}/close", headers=headers)
    assert response.status_code == 200, response.get_json()
    response = client.post(
        f"{API}/decisions/{did}/publish",
        json={"option": option, "statement": "Decided after the count."},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _figures(results: dict[str, Any], *keys: str) -> dict[int, tuple[Any, ...]]:
    return {o["id"]: tuple(o[k] for k in keys) for o in results["options"]}


def test_learning_agenda_dot_vote_through_the_api(client, demo):
    did = demo["decisions"]["dot_vote"]
    reps, facilitator = demo["reps"], demo["facilitator"]
    a, b, c, *_rest = _options(client, did, facilitator)
    _ok(client, did, reps[0], {"dots": {str(a): 2, str(b): 1}})
    _ok(client, did, reps[1], {"dots": {str(a): 3}})
    _ok(client, did, reps[2], {"dots": {str(b): 1, str(c): 2}})
    _refused(client, did, reps[3], {"dots": {str(a): 3, str(b): 1}}, "dots")
    _refused(client, did, reps[3], {"dots": {"999999": 1}}, "dots.999999")
    _ok(client, did, reps[3], {"abstain": True})

    _close_and_publish(client, did, facilitator, a)
    response = client.get(f"{API}/decisions/{did}/results", headers=reps[0])
    assert response.status_code == 200, response.get_json()
    results = response.get_json()
    assert results["method"] == "dot_vote"
    assert results["status"] == "published"
    assert results["ballots_cast"] == 4 and results["abstentions"] == 1
    figures = _figures(results, "dots")
    assert (figures[a], figures[b], figures[c]) == ((5,), (2,), (2,))
    assert results["winners"] == [a] and results["tie"] is False
    links = client.get(f"{API}/decisions/{did}", headers=reps[0]).get_json()["links"]
    assert "calendar" not in links or links["calendar"] is None


def test_follow_up_meeting_poll_through_the_api(client, demo):
    did = demo["decisions"]["meeting_time"]
    reps, facilitator = demo["reps"], demo["facilitator"]
    a, b, c = _options(client, did, facilitator)
    _ok(client, did, reps[0], {"availability": {str(a): "yes", str(b): "yes", str(c): "no"}})
    _ok(client, did, reps[1], {"availability": {str(a): "if_need_be", str(b): "yes"}})
    _ok(client, did, reps[2], {"availability": {str(a): "yes", str(b): "no", str(c): "yes"}})
    _refused(client, did, reps[3], {"availability": {str(a): "maybe"}}, f"availability.{a}")
    _refused(client, did, reps[3], {"availability": {"999999": "yes"}}, "availability.999999")
    before = client.get(f"{API}/decisions/{did}", headers=reps[0]).get_json()["links"]
    assert not before.get("calendar")

    _close_and_publish(client, did, facilitator, a)
    results = client.get(f"{API}/decisions/{did}/results", headers=reps[0]).get_json()
    figures = _figures(results, "yes", "if_need_be", "no")
    assert figures == {a: (2, 1, 0), b: (2, 0, 1), c: (1, 0, 2)}
    assert results["winners"] == [a] and results["tie"] is False

    decision = client.get(f"{API}/decisions/{did}", headers=reps[0]).get_json()
    calendar = decision["links"]["calendar"]
    assert calendar and calendar.endswith(f"/decisions/{did}/meeting.ics")
    # The link answers the token that fetched it (API.md, "Links answer the
    # token"): the invitation itself, for the chosen slot.
    response = client.get(calendar.replace("http://localhost", ""), headers=reps[0])
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_feedback_discussion_through_the_api(client, demo):
    did = demo["decisions"]["discussion"]
    reps, facilitator = demo["reps"], demo["facilitator"]
    response = _put(client, did, reps[0], {"option": 1})
    assert response.status_code == 400, response.get_json()
    assert "ballot" in response.get_json()["error"]["fields"]
    for n, headers in enumerate(reps[:2]):
        response = client.post(
            f"{API}/decisions/{did}/comments",
            json={"body": f"Comment {n + 1} on the IDS proposal."},
            headers=headers,
        )
        assert response.status_code == 201, response.get_json()
    comments = client.get(f"{API}/decisions/{did}/comments", headers=reps[2]).get_json()
    assert [c["body"] for c in comments["items"]] == [
        "Comment 1 on the IDS proposal.",
        "Comment 2 on the IDS proposal.",
    ]
    published = _close_and_publish(client, did, facilitator, None)
    assert published["status"] == "published"


def test_unknown_option_and_too_many_dots_name_the_field(client, demo):
    did = demo["decisions"]["dot_vote"]
    reps = demo["reps"]
    a, *_rest = _options(client, did, reps[0])
    _refused(client, did, reps[0], {"dots": {str(a): 4}}, f"dots.{a}")
    _refused(client, did, reps[0], {"dots": {"not-an-id": 1}}, "dots.not-an-id")
    response = client.get(f"{API}/decisions/{did}/ballot", headers=reps[0])
    assert response.status_code == 404
