"""Bad input gets a 400 (or 413) naming the field, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Ballot, Event
from cop_vote.services.decisions import DECISION_FIELDS
from cop_vote.services.organisations import ORG_FIELDS, PERSON_FIELDS

from .conftest import API


def _events() -> int:
    count = db.session.execute(select(func.count()).select_from(Event)).scalar() or 0
    db.session.rollback()
    return count


def _ballots() -> list[tuple[int, int, Any]]:
    rows = [
        (b.organisation_id, b.version, b.content)
        for b in db.session.execute(select(Ballot).order_by(Ballot.id)).scalars()
    ]
    db.session.rollback()
    return rows


MALFORMED: list[tuple[bytes | str, str]] = [
    ("{", "application/json"),
    ("nope", "application/json"),
    ('{"option": 1,}', "application/json"),
    ('{"quorum": NaN}', "application/json"),
    ('{"quorum": Infinity}', "application/json"),
    (b"\xff\xfe{\x00}", "application/json"),
    ("[" * 50000 + "]" * 50000, "application/json"),
    ("", "application/json"),
    ('{"option": 1}', "text/plain"),
    ("option=1", "application/x-www-form-urlencoded"),
]
NOT_OBJECTS = ["[]", "[1, 2]", '"text"', "12", "null", "true"]
BAD_VALUES = ['{"body": "\\u0000"}', '{"body": "\\ud800"}', '{"x": 1e999}']


@pytest.fixture
def targets(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> list[tuple[str, str, str]]:
    """Every write route with a real object: (who, method, path)."""
    open_ = make_decision("open")
    closed = make_decision("closed")
    draft = make_decision("draft")
    adpc = network["headers"]["adpc"]
    comment = client.post(
        f"{API}/decisions/{open_['id']}/comments", headers=adpc, json={"body": "Hello"}
    ).get_json()
    assert (
        client.put(
            f"{API}/decisions/{open_['id']}/ballot",
            headers=adpc,
            json={"option": open_["options"][0]["id"]},
        ).status_code
        == 200
    )
    did = open_["id"]
    return [
        ("facilitator", "POST", "/organisations"),
        ("facilitator", "PATCH", "/organisations/stro"),
        ("facilitator", "POST", "/people"),
        ("facilitator", "PATCH", f"/people/{network['people']['stro'].id}"),
        ("facilitator", "POST", "/decisions"),
        ("facilitator", "PATCH", f"/decisions/{draft['id']}"),
        ("facilitator", "PATCH", f"/decisions/{did}"),
        ("facilitator", "POST", f"/decisions/{closed['id']}/publish"),
        ("facilitator", "POST", f"/decisions/{draft['id']}/withdraw"),
        ("adpc", "PUT", f"/decisions/{did}/ballot"),
        ("facilitator", "PUT", f"/decisions/{did}/ballots/stro"),
        ("adpc", "POST", f"/decisions/{did}/comments"),
        ("adpc", "PATCH", f"/comments/{comment['id']}"),
        ("facilitator", "PATCH", f"/comments/{comment['id']}"),
    ]


def test_malformed_bodies_are_400_on_every_write_route(
    client: FlaskClient, network: dict[str, Any], targets: list[tuple[str, str, str]]
) -> None:
    before_events, before_ballots = _events(), _ballots()
    for who, method, path in targets:
        headers = network["headers"][who]
        for data, content_type in MALFORMED:
            response = client.open(
                f"{API}{path}", method=method, headers=headers, data=data, content_type=content_type
            )
            assert response.status_code == 400, (method, path, data[:20])
            error = response.get_json()["error"]
            assert error["code"] == "malformed_json" and "body" in error["fields"]
        for data in NOT_OBJECTS:
            response = client.open(
                f"{API}{path}",
                method=method,
                headers=headers,
                data=data,
                content_type="application/json",
            )
            assert response.status_code == 400, (method, path, data)
            assert response.get_json()["error"]["fields"] == {"body": "Must be a JSON object."}
        for data in BAD_VALUES:
            response = client.open(
                f"{API}{path}",
                method=method,
                headers=headers,
                data=data,
                content_type="application/json",
            )
            assert response.status_code == 400, (method, path, data)
            assert set(response.get_json()["error"]["fields"]) <= {"body", "x"}
    assert _events() == before_events
    assert _ballots() == before_ballots


def test_oversized_bodies_are_413_as_json_on_every_write_route(
    app: Flask, client: FlaskClient, network: dict[str, Any], targets: list[tuple[str, str, str]]
) -> None:
    before_events, before_ballots = _events(), _ballots()
    big = '{"body": "' + "x" * app.config["MAX_CONTENT_LENGTH"] + '"}'
    for who, method, path in targets:
        response = client.open(
            f"{API}{path}",
            method=method,
            headers=network["headers"][who],
            data=big,
            content_type="application/json",
        )
        assert response.status_code == 413, (method, path)
        assert response.content_type == "application/json"
        assert response.get_json()["error"]["code"] == "body_too_large"
    assert _events() == before_events
    assert _ballots() == before_ballots


WEIRD = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**30,
    "",
    " ",
    "x" * 6000,
    "\u202e\u200b",
    "<script>alert(1)</script>",
    [],
    [None],
    {},
    {"a": {"b": []}},
]
# Every field the services accept, so a field added later is fuzzed too.
ORG = list(ORG_FIELDS)
PERSON = list(PERSON_FIELDS)
DECISION = list(DECISION_FIELDS)
BALLOT = [
    "option",
    "options",
    "ranking",
    "scores",
    "position",
    "reason",
    "dots",
    "availability",
    "abstain",
    "version",
]
#: Fields tried per route, over a valid base body, so that each weird value is
#: the only thing wrong. Every route also gets an unknown field.
FIELDS: dict[tuple[str, str], tuple[list[str], dict[str, Any]]] = {
    ("POST", "/organisations"): (ORG, {"name": "Fuzz"}),
    ("PATCH", "/organisations/"): (ORG, {}),
    ("POST", "/people"): (
        PERSON,
        {"name": "Fuzz", "email": "fuzz@example.org", "organisation": "stro", "role": "observer"},
    ),
    ("PATCH", "/people/"): (PERSON, {}),
    ("POST", "/decisions"): (
        DECISION,
        {"title": "T", "method": "approval", "options": [{"label": "a"}, {"label": "b"}]},
    ),
    ("PATCH", "/decisions/"): (DECISION, {}),
    ("POST", "/publish"): (["option", "statement"], {"option": None, "statement": "x"}),
    ("POST", "/withdraw"): (["statement"], {}),
    ("PUT", "/ballot"): (BALLOT, {}),
    ("PUT", "/ballots/"): ([*BALLOT, "given_by"], {"given_by": "Marieke"}),
    ("POST", "/comments"): (["body", "option", "parent"], {"body": "x"}),
    ("PATCH", "/comments/"): (["body", "review", "reason", "note"], {}),
}


def _fields(method: str, path: str) -> tuple[list[str], dict[str, Any]]:
    for (m, fragment), value in FIELDS.items():
        if m == method and fragment in path and (fragment.endswith("/") or path.endswith(fragment)):
            return value
    raise AssertionError((method, path))


def test_garbage_in_every_field_of_every_write_route_is_never_a_500(
    client: FlaskClient, network: dict[str, Any], targets: list[tuple[str, str, str]]
) -> None:
    for who, method, path in targets:
        headers = network["headers"][who]
        keys, base = _fields(method, path)
        for key in [*keys, "unknown"]:
            for value in WEIRD:
                events = _events()
                response = client.open(
                    f"{API}{path}", method=method, headers=headers, json={**base, key: value}
                )
                status = response.status_code
                assert status in (200, 201, 400, 403, 404, 409), (method, path, key, value)
                if status >= 400:
                    error = response.get_json()["error"]
                    assert error["message"], (method, path, key, value)
                    assert _events() == events, (method, path, key, value)
                if status == 400:
                    assert error.get("fields"), (method, path, key, value)


def test_bad_times_name_the_field(client: FlaskClient, network: dict[str, Any]) -> None:
    fac = network["headers"]["facilitator"]
    base = {"title": "T", "method": "single_choice", "options": [{"label": "a"}, {"label": "b"}]}
    for value in (
        "tomorrow",
        "2031-03-30T01:30:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2000-01-01T00:00:00Z",
        1700000000,
        [],
    ):
        response = client.post(f"{API}/decisions", headers=fac, json={**base, "closes_at": value})
        assert response.status_code == 400, value
        assert "closes_at" in response.get_json()["error"]["fields"]
    for quorum in (2, -0.1, "half", "1e-99999999", "0.333333333333333333333", True):
        response = client.post(f"{API}/decisions", headers=fac, json={**base, "quorum": quorum})
        assert response.status_code == 400, quorum
        assert "quorum" in response.get_json()["error"]["fields"]


# --- ballot shapes per method -------------------------------------------------------


def _bodies(ids: list[int]) -> dict[str, list[tuple[Any, str]]]:
    a, b = ids[0], ids[1]
    return {
        "single_choice": [
            ({"option": 99999}, "option"),
            ({"option": [a]}, "option"),
            ({"options": [a]}, "options"),
            ({"option": True}, "option"),
            ({"option": 1.0 * a}, "option"),
            ({}, "option"),
        ],
        "approval": [
            ({"options": a}, "options"),
            ({"options": [a, 99999]}, "options.1"),
            ({"option": a}, "option"),
        ],
        "ranked": [
            ({"ranking": [a, a]}, "ranking.1"),
            ({"ranking": {"1": a}}, "ranking"),
            ({"ranking": [99999]}, "ranking.0"),
        ],
        "score": [
            ({"scores": {str(a): 99}}, f"scores.{a}"),
            ({"scores": {str(a): -1}}, f"scores.{a}"),
            ({"scores": {"99999": 1}}, "scores.99999"),
            ({"scores": [1, 2]}, "scores"),
        ],
        "consent": [
            ({"position": "block"}, "reason"),
            ({"position": "maybe"}, "position"),
            ({"position": "agree", "extra": 1}, "extra"),
        ],
        "dot_vote": [
            ({"dots": {str(a): 3, str(b): 3}}, "dots"),
            ({"dots": {str(a): -1}}, f"dots.{a}"),
        ],
        "meeting_time": [
            ({"availability": {str(a): "maybe"}}, f"availability.{a}"),
            ({"availability": {"99999": "yes"}}, "availability.99999"),
        ],
    }


@pytest.mark.parametrize(
    "method",
    ["single_choice", "approval", "ranked", "score", "consent", "dot_vote", "meeting_time"],
)
def test_wrong_ballot_shapes_name_the_field_and_change_nothing(
    client: FlaskClient, network: dict[str, Any], clock: Any, make_decision: Any, method: str
) -> None:
    fields: dict[str, Any] = {"method": method}
    if method == "consent":
        fields["options"] = [{"label": "The proposal"}]
    if method == "meeting_time":
        from datetime import timedelta

        start = clock.now + timedelta(days=30)
        fields["options"] = [
            {
                "starts_at": (start + timedelta(days=i)).isoformat(),
                "ends_at": (start + timedelta(days=i, hours=2)).isoformat(),
            }
            for i in range(3)
        ]
    decision = make_decision("open", **fields)
    ids = [o["id"] for o in decision["options"]] + [0, 0]
    url = f"{API}/decisions/{decision['id']}/ballot"
    headers = network["headers"]["adpc"]
    assert client.put(url, headers=headers, json={"abstain": True}).status_code == 200
    before_events, before_ballots = _events(), _ballots()
    for body, field in _bodies(ids)[method] + [
        ({"abstain": False}, "abstain"),
        ({"abstain": True, "option": 1}, "option"),
    ]:
        response = client.put(url, headers=headers, json=body)
        assert response.status_code == 400, (body, response.get_json())
        error = response.get_json()["error"]
        assert field in error["fields"], (body, error)
    assert _events() == before_events
    assert _ballots() == before_ballots
    assert client.get(url, headers=headers).get_json()["ballot"] in (
        {"abstain": True},
        {"position": "abstain"},
    )


def test_unknown_fields_and_options_are_named(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    closed = make_decision("closed")
    response = client.post(
        f"{API}/decisions/{closed['id']}/publish",
        headers=fac,
        json={"option": 99999, "statement": "x"},
    )
    assert response.status_code == 400 and "option" in response.get_json()["error"]["fields"]
    response = client.post(
        f"{API}/decisions/{closed['id']}/publish",
        headers=fac,
        json={"option": None, "statement": "x", "colour": "red"},
    )
    assert response.status_code == 400 and "colour" in response.get_json()["error"]["fields"]
    response = client.post(
        f"{API}/decisions/{closed['id']}/comments",
        headers=network["headers"]["adpc"],
        json={"body": "x", "option": 99999},
    )
    assert response.status_code == 400 and "option" in response.get_json()["error"]["fields"]
    response = client.post(
        f"{API}/decisions/{closed['id']}/comments",
        headers=network["headers"]["adpc"],
        json={"body": "x", "parent": 10**20},
    )
    assert response.status_code == 400 and "parent" in response.get_json()["error"]["fields"]
    for query in (
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?cursor=zzz",
        "?cursor=W10",
        "?limit=%C2%B2",
    ):
        response = client.get(f"{API}/decisions{query}", headers=fac)
        assert response.status_code == 400, query


def test_a_slug_no_organisation_can_have_names_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    """A NUL (or any character no slug has) in a path or query is 404 or 400;
    PostgreSQL refused the lookup with a 500 before."""
    headers = network["headers"]["facilitator"]
    did = make_decision("open")["id"]
    for slug in ("a%00b", "A%20B", "x" * 65):
        assert (
            client.patch(f"{API}/organisations/{slug}", json={}, headers=headers).status_code == 404
        )
        recorded = client.put(
            f"{API}/decisions/{did}/ballots/{slug}", json={"abstain": True}, headers=headers
        )
        assert recorded.status_code == 404
        queue = client.get(f"{API}/decisions/{did}/review?organisation={slug}", headers=headers)
        assert queue.status_code == 400
        assert "organisation" in queue.get_json()["error"]["fields"]


def test_a_write_that_takes_no_body_refuses_fields_and_changes_nothing(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    facilitator = network["headers"]["facilitator"]
    decision = make_decision("open")
    close = f"{API}/decisions/{decision['id']}/close"
    refused = client.post(close, headers=facilitator, json={"reason": "x"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["fields"] == {"reason": "Unknown field."}
    answer = client.get(f"{API}/decisions/{decision['id']}", headers=facilitator)
    assert answer.get_json()["status"] == "open"
    calendar = client.post(f"{API}/me/calendar", headers=facilitator, json={"x": 1})
    assert calendar.status_code == 400 and "x" in calendar.get_json()["error"]["fields"]
    # Without a body, or with an empty object, as before.
    assert client.post(close, headers=facilitator, json={}).status_code == 200
    assert client.post(f"{API}/me/calendar", headers=facilitator).status_code == 201
