"""The meeting record, duplicates and templates through /api/v1 (tokens): the
same rules and the same log as the pages; members read, facilitators write;
bad input changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Decision, Event

API = "/api/v1"


def _events(kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.kind == kind))


def _meeting(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    answer = client.post(
        f"{API}/meetings",
        json={"title": "Follow-up meeting", "held_on": "2010-02-11", "location": "Den Haag"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_facilitator_keeps_the_meeting_record_through_the_api(
    client: FlaskClient,
    network: dict[str, Any],
    make_decision: Callable[..., dict[str, Any]],
) -> None:
    fac = network["headers"]["facilitator"]
    meeting = _meeting(client, fac)
    mid = meeting["id"]
    assert meeting["minutes"] == "" and meeting["decisions"] == [] and meeting["actions"] == []

    patched = client.patch(
        f"{API}/meetings/{mid}",
        json={"title": "Second meeting", "held_on": "2010-02-12"},
        headers=fac,
    )
    assert patched.status_code == 200
    assert (patched.get_json()["title"], patched.get_json()["held_on"]) == (
        "Second meeting",
        "2010-02-12",
    )
    minutes = client.put(
        f"{API}/meetings/{mid}/minutes", json={"minutes": "We chose a form."}, headers=fac
    )
    assert minutes.status_code == 200 and minutes.get_json()["minutes"] == "We chose a form."

    attendance = client.put(
        f"{API}/meetings/{mid}/attendance",
        json={
            "attendance": {
                "adpc": {"status": "present"},
                "stro": {"status": "excused", "note": "Abroad."},
            }
        },
        headers=fac,
    )
    assert attendance.status_code == 200
    assert attendance.get_json()["attendance"] == [
        {
            "organisation": "adpc",
            "organisation_name": "African Diaspora Policy Centre",
            "status": "present",
            "note": "",
        },
        {
            "organisation": "stro",
            "organisation_name": "Social Trade Organisation",
            "status": "excused",
            "note": "Abroad.",
        },
    ]

    added = client.post(
        f"{API}/meetings/{mid}/actions",
        json={"text": "Send the report.", "owner": "stro", "due_on": "2010-03-01"},
        headers=fac,
    )
    assert added.status_code == 201
    action = added.get_json()
    assert (action["owner"], action["due_on"], action["done"]) == ("stro", "2010-03-01", False)
    assert action["owner_name"] == "Social Trade Organisation"
    done = client.patch(
        f"{API}/meetings/{mid}/actions/{action['id']}", json={"done": True}, headers=fac
    )
    assert done.status_code == 200 and done.get_json()["done"] is True
    assert done.get_json()["done_at"] is not None
    again = client.patch(
        f"{API}/meetings/{mid}/actions/{action['id']}", json={"done": True}, headers=fac
    )
    assert again.status_code == 409
    reopened = client.patch(
        f"{API}/meetings/{mid}/actions/{action['id']}",
        json={"done": False, "owner": None, "due_on": None},
        headers=fac,
    )
    assert reopened.status_code == 200
    assert (reopened.get_json()["done"], reopened.get_json()["owner"]) == (False, None)
    assert reopened.get_json()["owner_name"] is None

    decision = make_decision("open")
    draft = make_decision("draft", title="A draft")
    for did in (decision["id"], draft["id"]):
        linked = client.post(f"{API}/meetings/{mid}/decisions", json={"decision": did}, headers=fac)
        assert linked.status_code == 200
    twice = client.post(
        f"{API}/meetings/{mid}/decisions", json={"decision": decision["id"]}, headers=fac
    )
    assert twice.status_code == 409
    body = client.get(f"{API}/meetings/{mid}", headers=fac).get_json()
    assert [d["id"] for d in body["decisions"]] == [decision["id"], draft["id"]]
    # A member reads the meeting; the draft is not on the agenda they see.
    member = client.get(f"{API}/meetings/{mid}", headers=network["headers"]["adpc"]).get_json()
    assert [d["id"] for d in member["decisions"]] == [decision["id"]]
    assert member["minutes"] == "We chose a form."
    listed = client.get(f"{API}/meetings", headers=network["headers"]["observer"]).get_json()
    assert [m["id"] for m in listed["items"]] == [mid] and listed["next"] is None

    removed = client.delete(f"{API}/meetings/{mid}/decisions/{decision['id']}", headers=fac)
    assert removed.status_code == 200
    assert [d["id"] for d in removed.get_json()["decisions"]] == [draft["id"]]
    gone = client.delete(f"{API}/meetings/{mid}/decisions/{decision['id']}", headers=fac)
    assert gone.status_code == 404
    # The same log as the pages.
    assert _events("meeting.updated") == 2 and _events("meeting.attendance") == 1
    assert _events("meeting.action_done") == 1 and _events("meeting.action_updated") == 1
    assert _events("meeting.decision_linked") == 2 and _events("meeting.decision_unlinked") == 1


def test_bad_input_and_members_change_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    fac = network["headers"]["facilitator"]
    mid = _meeting(client, fac)["id"]
    before = client.get(f"{API}/meetings/{mid}", headers=fac).get_json()
    refusals = [
        ("patch", f"/meetings/{mid}", {"title": "", "held_on": "2010-02-30"}, {"title", "held_on"}),
        ("patch", f"/meetings/{mid}", {"agenda": []}, {"agenda"}),
        ("put", f"/meetings/{mid}/minutes", {"minutes": 5}, {"minutes"}),
        (
            "put",
            f"/meetings/{mid}/attendance",
            {"attendance": {"adpc": {"status": "present"}, "stro": {"status": "late"}}},
            {"attendance.stro"},
        ),
        ("post", f"/meetings/{mid}/actions", {"text": " ", "owner": "nobody"}, {"text", "owner"}),
        ("post", f"/meetings/{mid}/decisions", {"decision": 99999}, {"decision"}),
        ("post", f"/meetings/{mid}/decisions", {"decision": "1"}, {"decision"}),
    ]
    for verb, path, body, fields in refusals:
        answer = getattr(client, verb)(f"{API}{path}", json=body, headers=fac)
        assert answer.status_code == 400, (path, answer.get_json())
        assert set(answer.get_json()["error"]["fields"]) == fields, answer.get_json()
    assert client.get(f"{API}/meetings/{mid}", headers=fac).get_json() == before
    member = network["headers"]["adpc"]
    assert (
        client.patch(f"{API}/meetings/{mid}", json={"title": "X"}, headers=member).status_code
        == 403
    )
    assert client.post(f"{API}/meetings", json={}, headers=member).status_code == 403
    assert client.get(f"{API}/meetings/99999", headers=member).status_code == 404
    decision = make_decision("open")
    assert (
        client.post(f"{API}/decisions/{decision['id']}/duplicate", headers=member).status_code
        == 403
    )
    assert client.get(f"{API}/meetings/{mid}", headers=fac).get_json() == before


def test_duplicate_and_templates_through_the_api(
    client: FlaskClient, network: dict[str, Any], make_decision: Callable[..., dict[str, Any]]
) -> None:
    fac = network["headers"]["facilitator"]
    source = make_decision("published")
    copy = client.post(f"{API}/decisions/{source['id']}/duplicate", headers=fac)
    assert copy.status_code == 201
    body = copy.get_json()
    assert body["status"] == "draft" and body["closes_at"] is None
    assert (
        body["title"]
        == source["title"]
        + " ("
        + ("kopie" if source["original_language"] == "nl" else "copy")
        + ")"
    )
    assert [o["label"] for o in body["options"]] == [o["label"] for o in source["options"]]
    assert body["outcome"] is None
    assert client.post(f"{API}/decisions/99999/duplicate", headers=fac).status_code == 404

    listed = client.get(f"{API}/templates", headers=network["headers"]["adpc"]).get_json()
    assert [t["key"] for t in listed["items"]] == [
        "cooperation_form",
        "learning_questions",
        "meeting_date",
        "feedback_round",
    ]
    assert all(set(t["texts"]) == {"nl", "en"} for t in listed["items"])
    drafted = client.post(
        f"{API}/decisions/from-template",
        json={"template": "learning_questions", "language": "en"},
        headers=fac,
    )
    assert drafted.status_code == 201
    draft = drafted.get_json()
    assert (draft["title"], draft["method"], draft["original_language"]) == (
        "Prioritise the learning questions",
        "dot_vote",
        "en",
    )
    assert draft["translations"]["nl"]["title"] == "Prioriteer de leervragen"
    count = db.session.scalar(select(func.count()).select_from(Decision))
    for bad, fields in (
        ({"template": "nope"}, {"template"}),
        ({"template": "meeting_date", "language": "de"}, {"language"}),
        ({"template": "meeting_date", "extra": 1}, {"extra"}),
    ):
        answer = client.post(f"{API}/decisions/from-template", json=bad, headers=fac)
        assert answer.status_code == 400
        assert set(answer.get_json()["error"]["fields"]) == fields
    assert db.session.scalar(select(func.count()).select_from(Decision)) == count
    member = network["headers"]["adpc"]
    refused = client.post(
        f"{API}/decisions/from-template", json={"template": "meeting_date"}, headers=member
    )
    assert refused.status_code == 403
