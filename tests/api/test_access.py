"""Every route for every role, and which refusal wins when several apply."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests import dbstate
from tests.dbstate import changed_tables, snapshot

from .conftest import API

ROLES = ("facilitator", "representative", "observer", "anonymous")
HEADER_OF = {"facilitator": "facilitator", "representative": "adpc", "observer": "observer"}

# (method, path template, body template, {role: status}); the path and body are
# filled in from the world built by ``world`` below.
F, R, OBS, A = ROLES
TABLE: list[tuple[str, str, Any, dict[str, int]]] = [
    (
        "POST",
        "/decisions/{open}/options",
        {"label": "A new idea"},
        {F: 409, R: 409, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/decisions/{open}/options/{option}/merge",
        {"into": "{option}"},
        {F: 400, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/me", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("PATCH", "/me", {"language": "en"}, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/organisations", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("POST", "/organisations", {"name": "New Org"}, {F: 201, R: 403, OBS: 403, A: 401}),
    (
        "PATCH",
        "/organisations/stro",
        {"short_name": "S.T.R.O."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/people", None, {F: 200, R: 200, OBS: 403, A: 401}),
    (
        "POST",
        "/people",
        {
            "name": "New Person",
            "email": "new@stro.example.org",
            "organisation": "stro",
            "role": "representative",
        },
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    (
        "PATCH",
        "/people/{stro_person}",
        {"function": "Director"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("POST", "/people/{stro_person}/invitation", None, {F: 200, R: 403, OBS: 403, A: 401}),
    # An organisation's people: its lead (none here) or a facilitator.
    ("GET", "/organisations/stro/people", None, {F: 200, R: 403, OBS: 403, A: 401}),
    (
        "POST",
        "/organisations/stro/people",
        {"name": "New", "email": "new@stro.example.org"},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/organisations/stro/people/{stro_person}/invitation",
        None,
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "DELETE",
        "/organisations/stro/people/{stro_person}",
        None,
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/decisions", None, {F: 200, R: 200, OBS: 200, A: 401}),
    (
        "POST",
        "/decisions",
        {"title": "T", "method": "approval", "options": [{"label": "a"}, {"label": "b"}]},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/decisions/{open}", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/decisions/{draft}", None, {F: 200, R: 404, OBS: 404, A: 401}),
    (
        "PATCH",
        "/decisions/{open}",
        {"description": "More context."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("POST", "/decisions/{draft}/open", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("POST", "/decisions/{open}/close", None, {F: 200, R: 403, OBS: 403, A: 401}),
    (
        "POST",
        "/decisions/{closed}/publish",
        {"option": None, "statement": "Done."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/decisions/{closed}/reopen",
        {"closes_at": "2099-01-04T17:00:00+01:00", "reason": "One more week."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/decisions/{closed}/amend",
        {"statement": "Corrected.", "reason": "Not published yet."},
        {F: 409, R: 403, OBS: 403, A: 401},
    ),
    # No organisation outside the world's electorate: the facilitator's body is refused.
    (
        "POST",
        "/decisions/{open}/electorate",
        {"organisation": 999999},
        {F: 400, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/decisions/{draft}/withdraw",
        {"statement": "Not needed."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("PUT", "/decisions/{open}/ballot", {"option": "{option}"}, {F: 403, R: 200, OBS: 403, A: 401}),
    ("GET", "/decisions/{open}/ballot", None, {F: 404, R: 200, OBS: 403, A: 401}),
    ("DELETE", "/decisions/{open}/ballot", None, {F: 403, R: 204, OBS: 403, A: 401}),
    (
        "PUT",
        "/decisions/{open}/ballots/stro",
        {"option": "{option}", "given_by": "Marieke"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/decisions/{open}/results", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("GET", "/decisions/{closed}/results", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/decisions/{open}/comments", None, {F: 200, R: 200, OBS: 200, A: 401}),
    (
        "POST",
        "/decisions/{open}/comments",
        {"body": "A thought."},
        {F: 201, R: 201, OBS: 403, A: 401},
    ),
    ("PATCH", "/comments/{comment}", {"body": "Reworded."}, {F: 403, R: 200, OBS: 403, A: 401}),
    (
        "PATCH",
        "/comments/{comment}",
        {"review": "flagged", "note": "For the meeting"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "PATCH",
        "/comments/{comment}",
        {"review": "flagged", "option": "{option}"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    # The comment is ADPC's own: its representative may not report it (400).
    (
        "POST",
        "/comments/{comment}/report",
        {"reason": "Off topic."},
        {F: 201, R: 400, OBS: 403, A: 401},
    ),
    ("GET", "/decisions/{open}/review", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("GET", "/decisions/{closed}/ballot-record", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/decisions/{open}/ballot-record", None, {F: 409, R: 409, OBS: 409, A: 401}),
    ("GET", "/decisions/{draft}/ballot-record", None, {F: 409, R: 404, OBS: 404, A: 401}),
    # The facilitating organisation has no ballot here, so it cannot object (403).
    (
        "POST",
        "/decisions/{closed}/objections",
        {"text": "We cannot find our ballot."},
        {F: 403, R: 201, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/decisions/{open}/objections",
        {"text": "Too early."},
        {F: 403, R: 409, OBS: 403, A: 401},
    ),
    ("GET", "/decisions/{closed}/objections", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/decisions/{open}/interests", None, {F: 200, R: 200, OBS: 200, A: 401}),
    # Only a representative declares, for their organisation (the facilitator: 403).
    (
        "POST",
        "/decisions/{open}/interests",
        {"option": "{option}", "text": "We would host it."},
        {F: 403, R: 201, OBS: 403, A: 401},
    ),
    ("DELETE", "/decisions/{open}/interests/{option}", None, {F: 403, R: 404, OBS: 403, A: 401}),
    ("GET", "/decisions/{open}/events", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/decisions/{draft}/events", None, {F: 200, R: 404, OBS: 404, A: 401}),
    ("GET", "/me/tokens", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("GET", "/me/data", None, {F: 200, R: 200, OBS: 200, A: 401}),
    (
        "POST",
        "/people/{stro_person}/erasure",
        {"reason": "Left the network."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    # ADPC's own token: only its owner may revoke it; to anyone else it is not found.
    ("DELETE", "/me/tokens/{adpc_token}", None, {F: 404, R: 204, OBS: 404, A: 401}),
    # The meeting record: everyone signed in reads, facilitators write.
    ("GET", "/meetings", None, {F: 200, R: 200, OBS: 200, A: 401}),
    (
        "POST",
        "/meetings",
        {"title": "Follow-up", "held_on": "2010-02-11"},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/meetings/{meeting}", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("PATCH", "/meetings/{meeting}", {"location": "Utrecht"}, {F: 200, R: 403, OBS: 403, A: 401}),
    (
        "PUT",
        "/meetings/{meeting}/minutes",
        {"minutes": "Agreed."},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "PUT",
        "/meetings/{meeting}/attendance",
        {"attendance": {"stro": {"status": "present"}}},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/meetings/{meeting}/actions",
        {"text": "Write it up."},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    (
        "PATCH",
        "/meetings/{meeting}/actions/{action}",
        {"done": True},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/meetings/{meeting}/decisions",
        {"decision": "{open}"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    # Not on the agenda: 404 for the facilitator.
    ("DELETE", "/meetings/{meeting}/decisions/{open}", None, {F: 404, R: 403, OBS: 403, A: 401}),
    ("POST", "/decisions/{closed}/duplicate", None, {F: 201, R: 403, OBS: 403, A: 401}),
    ("GET", "/templates", None, {F: 200, R: 200, OBS: 200, A: 401}),
    (
        "POST",
        "/decisions/from-template",
        {"template": "feedback_round"},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/me/calendar", None, {F: 200, R: 200, OBS: 200, A: 401}),
    ("POST", "/me/calendar", None, {F: 201, R: 201, OBS: 201, A: 401}),
    ("GET", "/webhooks", None, {F: 200, R: 403, OBS: 403, A: 401}),
    # A loopback address: refused (400) to the facilitator, the role first to the rest.
    ("POST", "/webhooks", {"url": "https://127.0.0.1/"}, {F: 400, R: 403, OBS: 403, A: 401}),
    ("DELETE", "/webhooks/{missing}", None, {F: 404, R: 403, OBS: 403, A: 401}),
    # What the facilitator's pages do, now also in the API (issue 11).
    ("POST", "/decisions/{open}/reminders", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("POST", "/decisions/{draft}/reminders", None, {F: 409, R: 403, OBS: 403, A: 401}),
    (
        "POST",
        "/decisions/{open}/review",
        {"comments": ["{comment}"], "review": "flagged"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    (
        "POST",
        "/review",
        {"comments": ["{comment}"], "review": "reviewed"},
        {F: 200, R: 403, OBS: 403, A: 401},
    ),
    ("GET", "/review", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("GET", "/mail", None, {F: 200, R: 403, OBS: 403, A: 401}),
    ("POST", "/mail/{missing}/retry", None, {F: 404, R: 403, OBS: 403, A: 401}),
    (
        "POST",
        "/people/import",
        {"people": [{"name": "New", "email": "new@stro.example.org", "organisation": "stro"}]},
        {F: 201, R: 403, OBS: 403, A: 401},
    ),
    ("POST", "/me/tokens", {"label": "A script"}, {F: 201, R: 201, OBS: 201, A: 401}),
]


def _build(client: FlaskClient, network: dict[str, Any], make_decision: Any) -> dict[str, Any]:
    """An open, a draft and a closed decision; a ballot and a comment by ADPC; a
    meeting with an action."""
    open_ = make_decision("open")
    draft = make_decision("draft")
    closed = make_decision("closed")
    option = open_["options"][0]["id"]
    adpc = network["headers"]["adpc"]
    assert (
        client.put(
            f"{API}/decisions/{open_['id']}/ballot", headers=adpc, json={"option": option}
        ).status_code
        == 200
    )
    response = client.post(
        f"{API}/decisions/{open_['id']}/comments", headers=adpc, json={"body": "First!"}
    )
    assert response.status_code == 201
    facilitator = network["headers"]["facilitator"]
    meeting = client.post(
        f"{API}/meetings", headers=facilitator, json={"title": "Kick-off", "held_on": "2009-12-04"}
    ).get_json()
    action = client.post(
        f"{API}/meetings/{meeting['id']}/actions", headers=facilitator, json={"text": "Report."}
    ).get_json()
    return {
        "meeting": meeting["id"],
        "action": action["id"],
        "open": open_["id"],
        "draft": draft["id"],
        "closed": closed["id"],
        "option": option,
        "comment": response.get_json()["id"],
        "stro_person": network["people"]["stro"].id,
        "missing": 99,
        "adpc_token": client.get(f"{API}/me/tokens", headers=adpc).get_json()["items"][0]["id"],
    }


class World(NamedTuple):
    """API headers by person (``network``'s keys) and the ids a path is filled from."""

    headers: dict[str, dict[str, str]]
    ids: dict[str, Any]


#: The world as built once per database: (API headers by person, the world's
#: ids, every row). Building it through the API took two thirds of each case.
_BUILT: dict[str, tuple[dict[str, dict[str, str]], dict[str, Any], dbstate.Rows]] = {}


@pytest.fixture
def world(request: pytest.FixtureRequest, app: Flask, database_url: str) -> World:
    """The world of :func:`_build`: built through the API by the first case on a
    database, then restored row for row (ids and API tokens included) for each
    following case, so that every case starts from the same rows."""
    built = _BUILT.get(database_url)
    if built is None:
        network = request.getfixturevalue("network")
        ids = _build(
            request.getfixturevalue("client"), network, request.getfixturevalue("make_decision")
        )
        built = _BUILT[database_url] = (network["headers"], ids, dbstate.rows())
    else:
        dbstate.restore(built[2])
    headers, ids, _rows = built
    return World(headers, ids)


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in world:
            return world[value[1:-1]]
        return value.format(**world)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    TABLE,
    ids=[f"{m} {p} {sorted(b or {})}" for m, p, b, _ in TABLE],
)
def test_route_for_role(
    client: FlaskClient,
    world: World,
    role: str,
    method: str,
    path: str,
    body: Any,
    expected: dict[str, int],
) -> None:
    headers = world.headers[HEADER_OF[role]] if role in HEADER_OF else {}
    before = snapshot()
    response = client.open(
        f"{API}{_fill(path, world.ids)}",
        method=method,
        headers=headers,
        json=_fill(body, world.ids),
    )
    assert response.status_code == expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.content_type == "application/json"
        error = response.get_json()["error"]
        assert error["code"] and error["message"]
        # A refusal writes nothing: not a row, not a log entry.
        after = snapshot()
        assert after == before, changed_tables(before, after)
    elif response.status_code != 204:
        assert response.content_type == "application/json"


def test_the_table_covers_every_route(app: Flask) -> None:
    routes = {
        (method, rule.rule.removeprefix(API))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    routes.discard(("GET", "/openapi.json"))
    import re

    covered = {(m, re.sub(r"\{[a-z_]+\}", "X", p)) for m, p, _b, _e in TABLE}
    expected = {(m, re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "X", p)) for m, p in routes}
    # Path templates in the table use concrete slugs where the rule has <slug>.
    covered = {(m, p.replace("/stro", "/X")) for m, p in covered}
    assert expected <= covered, expected - covered


# --- which refusal wins -----------------------------------------------------------


def test_role_refusal_comes_before_not_found(client: FlaskClient, network: dict[str, Any]) -> None:
    rep = network["headers"]["adpc"]
    response = client.post(f"{API}/decisions/99999/open", headers=rep)
    assert response.status_code == 403
    assert (
        client.post(
            f"{API}/decisions/99999/publish",
            headers=rep,
            data="{nonsense",
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.patch(f"{API}/people/99999", headers=rep, json={}).status_code == 403
    assert (
        client.put(
            f"{API}/decisions/99999/ballot",
            headers=network["headers"]["observer"],
            data="[[[",
            content_type="application/json",
        ).status_code
        == 403
    )
    assert client.post(f"{API}/decisions/99999/open").status_code == 401


def test_not_found_comes_before_bad_or_large_body(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    response = client.patch(
        f"{API}/decisions/99999", headers=fac, data="{not json", content_type="application/json"
    )
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)
    assert (
        client.patch(f"{API}/decisions/99999", headers=fac, json={"description": big}).status_code
        == 404
    )
    assert (
        client.patch(f"{API}/organisations/nobody", headers=fac, json={"name": 5}).status_code
        == 404
    )
    assert (
        client.patch(
            f"{API}/comments/99999", headers=network["headers"]["adpc"], json={"body": 5}
        ).status_code
        == 404
    )
    # A draft is invisible to a representative: 404 before the body is read.
    draft = make_decision("draft")
    assert (
        client.put(
            f"{API}/decisions/{draft['id']}/ballot",
            headers=network["headers"]["adpc"],
            data="{",
            content_type="application/json",
        ).status_code
        == 404
    )
    # Identifiers beyond the database's range are simply not found.
    for path in (
        "/decisions/99999999999999999999",
        "/people/99999999999999999999",
        "/comments/99999999999999999999",
    ):
        method = "GET" if path.startswith("/decisions") else "PATCH"
        response = client.open(f"{API}{path}", method=method, headers=fac, json={})
        assert response.status_code == 404, path
        assert client.open(f"{API}{path}", method=method).status_code == 401


def test_too_large_comes_before_bad_body_and_bad_body_before_conflict(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    fac = network["headers"]["facilitator"]
    closed = make_decision("closed")
    big = "{" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        f"{API}/decisions/{closed['id']}/publish",
        headers=fac,
        data=big,
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "body_too_large"
    # A bad ballot on a closed decision is a 400 (the body is checked first).
    response = client.put(
        f"{API}/decisions/{closed['id']}/ballot",
        headers=network["headers"]["adpc"],
        json={"option": "nope"},
    )
    assert response.status_code == 400
    response = client.put(
        f"{API}/decisions/{closed['id']}/ballot",
        headers=network["headers"]["adpc"],
        json={"option": closed["options"][0]["id"]},
    )
    assert response.status_code == 409
