"""The OpenAPI document is a contract the server keeps, checked by schemathesis.

For each role (facilitator, representative, observer, no token) schemathesis
reads ``/api/v1/openapi.json`` from a :class:`~tests.live.server.LiveServer`
(gunicorn, four workers) on a seeded network, generates requests from it (the
coverage phase's boundary and invalid values, a bounded fuzzing phase, and
short stateful sequences along the links schemathesis infers, e.g. a decision
created then read) and checks every answer:

* ``not_a_server_error``: never a 5xx, and no traceback in the workers' log;
* ``status_code_conformance``: every status is one the operation documents;
* ``response_schema_conformance``: every body matches the documented schema
  (response schemas refuse undocumented fields);
* ``content_type_conformance``: the documented media type;
* ``response_headers_conformance``: documented response headers (``ETag`` of
  a ballot) are present and well-formed.

Path identifiers, and the option ids inside ballot bodies, are drawn mostly
from the seeded objects (schemathesis dictionaries), so requests reach the
services instead of stopping at 404; each role must get a 2xx from at least
:data:`MUST_REACH` operations. Answers gunicorn gives before the app sees the
request (its HTML 414 for a request line over 4094 bytes, its 400 for a header
it cannot parse) are not the app's and are not counted. Strings may hold NUL:
the API refuses it in any body with 400.

Left off, because they need rules no schema can express:

* ``positive_data_acceptance``: a body that matches the schema may still be
  refused with 400, by rules that depend on stored state (an option id of
  *this* decision, a unique name or e-mail address, a deadline in the future,
  the dots an organisation has, a label used twice) or on text after trimming
  and normalisation (white space alone is blank).
* ``negative_data_rejection``: the service trims white space before it counts
  length, reads option ids given as digit strings and a quorum given as a
  decimal string, and takes an empty ``closes_at`` or ``document_url`` as
  "none"; so some bodies the schema calls invalid are rightly accepted. And
  refusals follow the API's order (401, 403, 404, 413, 400, 409): invalid data
  sent by a role that may never do a thing is 403, not 400.
* ``missing_required_header``, ``unsupported_method``, ``use_after_free``,
  ``ensure_resource_availability``, ``ignored_auth``: the API has no required
  header but the token (the no-token run covers it), 405 is Flask's, and the
  stateful checks need links the document does not declare.

The run is deterministic (a fixed seed); set ``COP_SCHEMATHESIS_SEED`` to
explore with another one and ``COP_SCHEMATHESIS_EXAMPLES`` for more examples.
The PostgreSQL pass of ``make test`` deselects it (marker ``schemathesis``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
import schemathesis.engine
from flask.testing import FlaskClient
from schemathesis.engine import events

from .conftest import API, iso

ROLES = ("facilitator", "representative", "observer", "anonymous")
SEED = int(os.environ.get("COP_SCHEMATHESIS_SEED", "20091204"))
EXAMPLES = int(os.environ.get("COP_SCHEMATHESIS_EXAMPLES", "20"))
#: More checks for an exploring run, e.g. ``negative_data_rejection``.
EXTRA_CHECKS = os.environ.get("COP_SCHEMATHESIS_CHECKS", "").split(",")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "content_type_conformance",
    "response_headers_conformance",
)
#: Who sends the requests in each role's run: a person of :func:`network`.
PERSON_OF_ROLE = {"facilitator": "facilitator", "representative": "adpc", "observer": "observer"}


def _post(client: FlaskClient, path: str, headers: dict[str, str], body: Any = None) -> Any:
    response = client.post(f"{API}{path}", json=body, headers=headers)
    assert response.status_code in (200, 201), (path, response.get_json())
    return response.get_json()


def _ballot(client: FlaskClient, did: int, headers: dict[str, str], body: Any) -> None:
    response = client.put(f"{API}/decisions/{did}/ballot", json=body, headers=headers)
    assert response.status_code == 200, (did, body, response.get_json())


@pytest.fixture
def seeded(
    client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> dict[str, list[Any]]:
    """Decisions of every method in every state, with ballots, comments, a
    proposal, a recorded ballot and reports; the ids of what exists."""
    h = network["headers"]
    fac, adpc, oxfam, stro = h["facilitator"], h["adpc"], h["oxfam1"], h["stro"]
    later = iso(clock.now + timedelta(days=10))

    def ids(decision: dict[str, Any]) -> list[int]:
        return [o["id"] for o in decision["options"]]

    single = make_decision("open", results_visibility="live")
    a, b, c, _d = ids(single)
    _ballot(client, single["id"], adpc, {"option": a})
    _ballot(client, single["id"], oxfam, {"option": b})
    response = client.put(
        f"{API}/decisions/{single['id']}/ballots/stro",
        json={"option": c, "given_by": "Marieke Dijkstra"},
        headers=fac,
    )
    assert response.status_code == 200, response.get_json()
    first = _post(client, f"/decisions/{single['id']}/comments", adpc, {"body": "A foundation."})
    _post(
        client,
        f"/decisions/{single['id']}/comments",
        oxfam,
        {"body": "Yes.", "parent": first["id"]},
    )
    on_option = _post(
        client, f"/decisions/{single['id']}/comments", stro, {"body": "Costs?", "option": b}
    )
    _post(client, f"/comments/{on_option['id']}/report", adpc, {"reason": "Off topic."})
    hidden = _post(client, f"/decisions/{single['id']}/comments", oxfam, {"body": "Rude."})
    for comment, review in (
        (hidden, {"review": "hidden", "reason": "Rude."}),
        (first, {"review": "flagged", "note": "Discuss.", "option": a}),
    ):
        response = client.patch(f"{API}/comments/{comment['id']}", json=review, headers=fac)
        assert response.status_code == 200, response.get_json()

    approval = make_decision("closed")
    _ = approval  # closed before any ballot: results with no votes
    approval = make_decision("open", method="approval")
    _ballot(client, approval["id"], adpc, {"options": ids(approval)[:2]})
    _post(client, f"/decisions/{approval['id']}/close", fac)

    for counting in ("irv", "schulze"):
        ranked = make_decision("open", method="ranked", counting=counting)
        r = ids(ranked)
        _ballot(client, ranked["id"], adpc, {"ranking": [r[0], r[1]]})
        _ballot(client, ranked["id"], oxfam, {"ranking": [r[1], r[2], r[0]]})
        _ballot(client, ranked["id"], stro, {"ranking": [r[2]]})
        _post(client, f"/decisions/{ranked['id']}/close", fac)
    _post(client, f"/decisions/{ranked['id']}/publish", fac, {"option": r[1], "statement": "Ok."})

    score = make_decision(
        "open", method="score", max_score=10, results_visibility="after_own_ballot"
    )
    _ballot(client, score["id"], adpc, {"scores": {str(ids(score)[0]): 7}})
    consent = make_decision("open", method="consent", options=[{"label": "The proposal"}])
    _ballot(client, consent["id"], adpc, {"position": "agree"})
    _ballot(client, consent["id"], oxfam, {"position": "block", "reason": "Not yet."})
    _ballot(client, consent["id"], stro, {"abstain": True})
    _post(client, f"/decisions/{consent['id']}/close", fac)
    dots = make_decision("open", method="dot_vote", dots=5, dots_per_option=3)
    _ballot(client, dots["id"], adpc, {"dots": {str(ids(dots)[0]): 3, str(ids(dots)[1]): 2}})
    start = clock.now + timedelta(days=20)
    meeting = make_decision(
        "open",
        method="meeting_time",
        options=[
            {
                "starts_at": iso(start + timedelta(days=n)),
                "ends_at": iso(start + timedelta(days=n, hours=3)),
            }
            for n in range(3)
        ],
    )
    m = ids(meeting)
    _ballot(client, meeting["id"], adpc, {"availability": {str(m[0]): "yes", str(m[1]): "no"}})
    discussion = make_decision("open", method="discussion", options=[])
    _post(client, f"/decisions/{discussion['id']}/comments", stro, {"body": "Read it."})
    premoderated = make_decision("open", comments="premoderated", closes_at=later)
    _post(client, f"/decisions/{premoderated['id']}/comments", adpc, {"body": "Waits."})
    secret = make_decision("open", ballot_secrecy="secret")
    _ballot(client, secret["id"], adpc, {"option": ids(secret)[0]})
    proposals = make_decision("draft", proposals_open=True)
    _post(client, f"/decisions/{proposals['id']}/options", adpc, {"label": "A platform"})
    make_decision("draft")
    make_decision("withdrawn")

    known: dict[str, list[Any]] = {"decisions": [], "options": [], "comments": []}
    everything = client.get(f"{API}/decisions?limit=200", headers=fac).get_json()["items"]
    for decision in everything:
        known["decisions"].append(decision["id"])
        known["options"] += [o["id"] for o in decision["options"]]
        listed = client.get(f"{API}/decisions/{decision['id']}/review?limit=200", headers=fac)
        known["comments"] += [item["id"] for item in listed.get_json()["items"]]
    known["slugs"] = [org.slug for org in network["orgs"].values()]
    known["people"] = [person.id for person in network["people"].values()]
    assert len(known["decisions"]) == 15 and len(known["comments"]) == 6, known
    return known


def _config(known: dict[str, list[Any]], headers: dict[str, str]) -> schemathesis.Config:
    """Checks, phases, bounds and where identifiers come from."""
    bind = {
        "decision_id": "decisions",
        "option_id": "options",
        "comment_id": "comments",
        "person_id": "people",
        "slug": "slugs",
    }
    parameters: dict[str, Any] = {
        f"path.{name}": {"dictionary": dictionary, "probability": 0.9}
        for name, dictionary in bind.items()
    }
    for key in ("option", "into", "options[*]", "ranking[*]"):
        parameters[f"body.{key}"] = {"dictionary": "options", "probability": 0.6}
    parameters["body.parent"] = {"dictionary": "comments", "probability": 0.6}
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "cache": {"enabled": False},
            "suppress-health-check": ["all"],
            "headers": headers,
            "workers": 1,
            "dictionaries": {
                name: {"values": known[name]}
                for name in ("decisions", "options", "comments", "people", "slugs")
            },
            "parameters": parameters,
            "generation": {
                "max-examples": EXAMPLES,
                "with-security-parameters": False,
                "database": "none",
            },
            "phases": {
                "examples": {"enabled": False},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 6},
            },
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                **{name: {"enabled": True} for name in EXTRA_CHECKS if name},
            },
        }
    )


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    """Whose requests: one run per role."""
    return str(request.param)


@dataclass
class Run:
    """What one schemathesis run found: failed checks and errors, and the
    operations that answered 2xx at least once to their own method."""

    problems: list[str] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)
    finished: bool = False

    def scenario(self, recorder: Any) -> None:
        method = recorder.label.split(" ", 1)[0]
        for interaction in recorder.interactions.values():
            response = interaction.response
            if interaction.request.method == method and response and response.status_code < 300:
                self.reached.add(recorder.label)
        for case_id, checks in recorder.checks.items():
            for check in checks:
                info = check.failure_info
                if info is None:
                    continue
                response = recorder.find_response(case_id=case_id)
                if _from_gunicorn(response):
                    continue
                answer = "" if response is None else f" -> {response.status_code} {response.text}"
                self.problems.append(
                    f"{recorder.label}: {check.name}: {info.failure.title}: "
                    f"{info.failure.message[:800]}\n    {info.code_sample}{answer[:400]}"
                )

    def error(self, event: Any) -> None:
        where = getattr(event, "label", "run")
        what = event.info.format() if hasattr(event, "info") else repr(event.exception)
        self.problems.append(f"{where}: error: {what}")


def _from_gunicorn(response: Any) -> bool:
    """Whether gunicorn answered before the app: a request line over its 4094
    bytes (414) or a header it cannot parse (400) gets its own HTML page. The
    app never answers HTML under ``/api/``; every front server has such limits."""
    return (
        response is not None
        and response.status_code in (400, 414)
        and response.headers.get("content-type", [""])[0].startswith("text/html")
        and "<h1><p>" in response.text
    )


def run_schemathesis(schema: Any) -> Run:
    """Run every enabled phase of ``schema``'s config and collect what it found."""
    run = Run()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            run.scenario(event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            run.error(event)
        elif isinstance(event, events.EngineFinished):
            run.finished = True
    return run


#: Operations each role must reach (a 2xx) in its run, so the run tests more
#: than refusals: at least this many of the 27.
MUST_REACH = {"facilitator": 18, "representative": 10, "observer": 6, "anonymous": 0}


@pytest.mark.schemathesis
def test_the_server_keeps_the_documented_contract(
    role: str, seeded: dict[str, list[Any]], network: dict[str, Any], live_server: Any
) -> None:
    person = PERSON_OF_ROLE.get(role)
    headers = dict(network["headers"][person]) if person else {}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}{API}/openapi.json", config=_config(seeded, headers)
    )
    run = run_schemathesis(schema)
    assert run.finished
    assert run.problems == [], "\n".join(run.problems)
    assert live_server.server_errors() == []
    assert len(run.reached) >= MUST_REACH[role], sorted(run.reached)
