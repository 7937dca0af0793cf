"""The API routes that give scripts what only the pages did (issue 11): reminders
now, review in bulk, undelivered mail, importing people, making a token.

Each: it works, only the right role may, and bad input is refused naming the
field with nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Event, Notification
from tests.dbstate import changed_tables, snapshot
from tests.web.helpers import outbox
from tests.web.test_mail_queue import _give_up, _hold

from .conftest import API


def _refused(
    client: FlaskClient, method: str, path: str, status: int, field: str | None = None, **kw: Any
) -> dict[str, Any]:
    """Send a request that must be refused with ``status`` (naming ``field``) and change nothing."""
    before = snapshot()
    response = client.open(f"{API}{path}", method=method, **kw)
    assert response.status_code == status, response.get_data(as_text=True)
    error: dict[str, Any] = response.get_json()["error"]
    if field is not None:
        assert field in error["fields"], error
    after = snapshot()
    assert after == before, changed_tables(before, after)
    return error


# --- reminders --------------------------------------------------------------------------


def test_reminders_go_now_to_the_organisations_that_have_not_voted(
    app: Flask, client: FlaskClient, network: dict[str, Any], make_decision: Any, clock: Any
) -> None:
    h = network["headers"]
    decision = make_decision("open")
    did = decision["id"]
    option = decision["options"][0]["id"]
    assert (
        client.put(
            f"{API}/decisions/{did}/ballot", headers=h["adpc"], json={"option": option}
        ).status_code
        == 200
    )
    before = len(outbox(app))
    response = client.post(f"{API}/decisions/{did}/reminders", headers=h["facilitator"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["decision"] == did and answer["reminders"] == 3
    assert [o["slug"] for o in answer["organisations"]] == ["oxfam-novib", "stro"]
    sent = [m for m in outbox(app)[before:] if m.subject.startswith(("Reminder", "Herinnering"))]
    assert sorted(m.to[0] for m in sent) == [
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
        "marieke@stro.example.org",
    ]  # nobody at ADPC, which voted
    logged = db.session.execute(
        select(Event).where(Event.kind == "decision.reminded", Event.subject == f"decision:{did}")
    ).scalar_one()
    assert logged.actor_id == network["people"]["facilitator"].id
    assert logged.data["manual"] is True and logged.data["people"] == 3
    db.session.commit()
    # Another request before REMIND_AGAIN_AFTER (12 hours) is refused and
    # sends nothing; after it, the organisations are reminded again.
    logged_before = db.session.execute(select(func.count()).select_from(Event)).scalar_one()
    twice = client.post(f"{API}/decisions/{did}/reminders", headers=h["facilitator"])
    assert twice.status_code == 409
    assert twice.get_json()["error"]["code"] == "reminded_recently"
    assert db.session.execute(select(func.count()).select_from(Event)).scalar_one() == logged_before
    clock.advance(hours=12)
    again = client.post(f"{API}/decisions/{did}/reminders", headers=h["facilitator"])
    assert again.get_json()["reminders"] == 3
    # Representatives and observers may not; a draft or closed decision is not open.
    for who in ("adpc", "observer"):
        _refused(client, "POST", f"/decisions/{did}/reminders", 403, headers=h[who])
    closed = make_decision("closed")
    error = _refused(
        client, "POST", f"/decisions/{closed['id']}/reminders", 409, headers=h["facilitator"]
    )
    assert "open" in error["message"]
    _refused(client, "POST", "/decisions/99999/reminders", 404, headers=h["facilitator"])
    assert client.post(f"{API}/decisions/{did}/reminders").status_code == 401


# --- review in bulk ---------------------------------------------------------------------


def _comment(client: FlaskClient, headers: dict[str, str], did: int, body: str) -> int:
    response = client.post(f"{API}/decisions/{did}/comments", headers=headers, json={"body": body})
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def test_many_comments_are_reviewed_in_one_request_all_or_none(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    fac = h["facilitator"]
    one, two = make_decision("open"), make_decision("open")
    first = _comment(client, h["adpc"], one["id"], "Foundations are slow.")
    second = _comment(client, h["stro"], one["id"], "Buy more ads.")
    elsewhere = _comment(client, h["oxfam1"], two["id"], "Elsewhere.")
    reported = client.post(
        f"{API}/comments/{second}/report", headers=h["oxfam1"], json={"reason": "Spam."}
    )
    assert reported.status_code == 201
    path = f"/decisions/{one['id']}/review"
    # Refused, naming the field, nothing changed.
    for field, body in (
        ("reason", {"comments": [first, second], "review": "hidden"}),
        ("comments", {"comments": [first, elsewhere], "review": "reviewed"}),
        ("comments", {"comments": first, "review": "reviewed"}),
        ("comments", {"comments": [], "review": "reviewed"}),
        ("review", {"comments": [first], "review": "burnt"}),
        ("option", {"comments": [first], "review": "reviewed", "option": one["options"][0]["id"]}),
        ("option", {"comments": [first], "review": "flagged", "option": two["options"][0]["id"]}),
        ("colour", {"comments": [first], "review": "reviewed", "colour": "red"}),
    ):
        _refused(client, "POST", path, 400, field, headers=fac, json=body)
    for who in ("adpc", "observer"):
        _refused(
            client, "POST", path, 403, headers=h[who], json={"comments": [first], "review": "new"}
        )
    _refused(
        client,
        "POST",
        "/decisions/99999/review",
        404,
        headers=fac,
        json={"comments": [first], "review": "new"},
    )
    # Hidden, both, with the reason; the report is resolved.
    response = client.post(
        f"{API}{path}",
        headers=fac,
        json={"comments": [second, first, second], "review": "hidden", "reason": "Off topic."},
    )
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [(i["id"], i["review"], i["decision"]) for i in items] == [
        (second, "hidden", one["id"]),
        (first, "hidden", one["id"]),
    ]
    assert all(i["reports"] == [] for i in items)
    shown = client.get(f"{API}/decisions/{one['id']}/comments", headers=h["oxfam1"]).get_json()
    assert "Buy more ads." not in str(shown) and "Off topic." in str(shown)
    # Flagged for the meeting, filed under an option, with a note.
    option = one["options"][1]["id"]
    flagged = client.post(
        f"{API}{path}",
        headers=fac,
        json={"comments": [first], "review": "flagged", "option": option, "note": "Discuss."},
    ).get_json()["items"][0]
    assert (flagged["review"], flagged["tag_option"], flagged["note"]) == (
        "flagged",
        option,
        "Discuss.",
    )
    # The restore button of the page: PATCH back to reviewed.
    restored = client.patch(f"{API}/comments/{second}", headers=fac, json={"review": "reviewed"})
    assert restored.status_code == 200 and restored.get_json()["review"] == "reviewed"


def test_the_queue_across_decisions_is_listed_and_reviewed_in_bulk(
    client: FlaskClient, network: dict[str, Any], make_decision: Any
) -> None:
    h = network["headers"]
    fac = h["facilitator"]
    one, two = make_decision("open"), make_decision("open")
    first = _comment(client, h["adpc"], one["id"], "Here.")
    other = _comment(client, h["stro"], two["id"], "There.")
    queue = client.get(f"{API}/review", headers=fac)
    assert queue.status_code == 200
    listed = {(i["id"], i["decision"]) for i in queue.get_json()["items"]}
    assert listed == {(first, one["id"]), (other, two["id"])}
    only_stro = client.get(f"{API}/review?organisation=stro", headers=fac).get_json()
    assert [i["id"] for i in only_stro["items"]] == [other]
    bad = client.get(f"{API}/review?status=burnt", headers=fac)
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["fields"]
    assert client.get(f"{API}/review", headers=h["adpc"]).status_code == 403
    response = client.post(
        f"{API}/review", headers=fac, json={"comments": [first, other], "review": "reviewed"}
    )
    assert response.status_code == 200, response.get_json()
    assert {(i["id"], i["decision"], i["review"]) for i in response.get_json()["items"]} == {
        (first, one["id"], "reviewed"),
        (other, two["id"], "reviewed"),
    }
    reviewed = client.get(f"{API}/review?status=new", headers=fac).get_json()
    assert reviewed["items"] == []
    _refused(
        client,
        "POST",
        "/review",
        400,
        "comments",
        headers=fac,
        json={"comments": [first, 99999], "review": "new"},
    )
    _refused(
        client,
        "POST",
        "/review",
        403,
        headers=h["stro"],
        json={"comments": [first], "review": "new"},
    )


# --- undelivered mail -------------------------------------------------------------------


def test_undelivered_mail_is_listed_and_tried_again(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, tmp_path: Path
) -> None:
    h = network["headers"]
    fac = h["facilitator"]
    _hold(app, tmp_path)
    assert (
        client.post(
            f"{API}/people/{network['people']['adpc'].id}/invitation", headers=fac
        ).status_code
        == 200
    )
    mail_id = _give_up("amina@adpc.example.org", clock)
    listed = client.get(f"{API}/mail", headers=fac)
    assert listed.status_code == 200
    (mail,) = listed.get_json()["items"]
    assert mail["id"] == mail_id and mail["status"] == "failed"
    assert mail["person"] == {"id": network["people"]["adpc"].id, "name": "Amina Warsame"}
    assert mail["last_error"] == "amina@adpc.example.org: 550 No such mailbox"
    assert mail["failed_at"] and mail["kind"] == "person_invitation"
    for who in ("adpc", "observer"):
        assert client.get(f"{API}/mail", headers=h[who]).status_code == 403
        _refused(client, "POST", f"/mail/{mail_id}/retry", 403, headers=h[who])
    response = client.post(f"{API}/mail/{mail_id}/retry", headers=fac)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["status"], response.get_json()["attempts"]) == ("pending", 0)
    row = db.session.get(Notification, mail_id)
    assert row is not None and row.status == "pending"
    db.session.commit()
    assert client.get(f"{API}/mail", headers=fac).get_json()["items"] == []
    # Tried again already: no longer given up.
    _refused(client, "POST", f"/mail/{mail_id}/retry", 409, headers=fac)
    _refused(client, "POST", "/mail/999999/retry", 404, headers=fac)


# --- importing people -------------------------------------------------------------------

CSV = (
    "naam;e-mail;organisatie;rol;taal\n"
    "Fatima Bakr;fatima@adpc.example.org;ADPC;vertegenwoordiger;nl\n"
    "Piet de Vries;piet@partner.example.org;;waarnemer;\n"
)


def _emails(client: FlaskClient, headers: dict[str, str]) -> set[str]:
    items = client.get(f"{API}/people?limit=200", headers=headers).get_json()["items"]
    return {p["email"] for p in items}


def test_people_are_imported_from_a_csv_file_all_or_none(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    fac = network["headers"]["facilitator"]
    csv_headers = {**fac, "Content-Type": "text/csv; charset=utf-8"}
    bad = CSV + "Nobody;nobody@example.org;Unknown Org;;\nNo Mail;not-an-address;;;\n"
    error = _refused(client, "POST", "/people/import", 400, headers=csv_headers, data=bad)
    assert error["code"] == "import_refused"
    # Every problem of a line: line 5's representative has no organisation either.
    assert set(error["fields"]) == {"lines.4.organisation", "lines.5.email", "lines.5.organisation"}
    _refused(client, "POST", "/people/import", 400, "body", headers=csv_headers, data="")
    _refused(
        client,
        "POST",
        "/people/import",
        400,
        "body",
        headers={**fac, "Content-Type": "text/plain"},
        data=CSV,
    )
    _refused(
        client,
        "POST",
        "/people/import",
        403,
        headers={**network["headers"]["adpc"], "Content-Type": "text/csv"},
        data=CSV,
    )
    before = len(outbox(app))
    response = client.post(f"{API}/people/import", headers=csv_headers, data=CSV.encode())
    assert response.status_code == 201, response.get_json()
    added = response.get_json()["items"]
    assert [(p["name"], p["organisation"], p["role"]) for p in added] == [
        ("Fatima Bakr", "adpc", "representative"),
        ("Piet de Vries", None, "observer"),
    ]
    assert {"fatima@adpc.example.org", "piet@partner.example.org"} <= _emails(client, fac)
    invited = {m.to[0] for m in outbox(app)[before:]}
    assert invited == {"fatima@adpc.example.org", "piet@partner.example.org"}
    logged = db.session.execute(select(Event).where(Event.kind == "people.imported")).scalar_one()
    assert logged.data == {"people": [p["id"] for p in added]}
    # The same file again: every address is taken now, so nothing is added.
    again = _refused(client, "POST", "/people/import", 400, headers=csv_headers, data=CSV)
    assert {"lines.2.email", "lines.3.email"} <= set(again["fields"])


def test_people_are_imported_from_json_rows_with_the_same_rules(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    fac = network["headers"]["facilitator"]
    good = {"name": "Fatima Bakr", "email": "fatima@adpc.example.org", "organisation": "adpc"}
    for body, field in (
        (
            {"people": [good, {"name": "No Mail", "email": "", "organisation": "stro"}]},
            "people.1.email",
        ),
        (
            {"people": [good, {"name": "X", "email": "x@example.org", "role": "king"}]},
            "people.1.role",
        ),
        (
            {"people": [good, {"name": "X", "email": "x@example.org", "shoe": "42"}]},
            "people.1.shoe",
        ),
        ({"people": [good, {"name": "X\nY", "email": "x@example.org"}]}, "people.1.name"),
        ({"people": [good, {"name": 5, "email": "x@example.org"}]}, "people.1.name"),
        ({"people": [good, "Fatima"]}, "people.1"),
        ({"people": [good, good]}, "people.1.email"),
        ({"people": []}, "people"),
        ({"people": "Fatima"}, "people"),
        ({}, "people"),
        ({"people": [good], "invite": False}, "invite"),
    ):
        _refused(client, "POST", "/people/import", 400, field, headers=fac, json=body)
    # A repeated address names the row it repeats, not a line of a file.
    twice = _refused(
        client, "POST", "/people/import", 400, headers=fac, json={"people": [good, good]}
    )
    assert twice["fields"] == {"people.1.email": "The same address as people.0."}
    response = client.post(
        f"{API}/people/import",
        headers=fac,
        json={
            "people": [
                good,
                {
                    "name": "Jan",
                    "email": "jan@stro.example.org",
                    "organisation": "Social Trade Organisation",
                    "language": "en",
                },
            ]
        },
    )
    assert response.status_code == 201, response.get_json()
    assert [(p["email"], p["organisation"]) for p in response.get_json()["items"]] == [
        ("fatima@adpc.example.org", "adpc"),
        ("jan@stro.example.org", "stro"),
    ]


# --- tokens -----------------------------------------------------------------------------


def test_a_token_is_made_through_the_api_and_its_secret_shown_once(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    h = network["headers"]
    response = client.post(f"{API}/me/tokens", headers=h["adpc"], json={"label": "Nightly sync"})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["label"] == "Nightly sync" and made["token"].startswith("cv_")
    new = {"Authorization": f"Bearer {made['token']}"}
    assert client.get(f"{API}/me", headers=new).get_json()["email"] == "amina@adpc.example.org"
    listed = client.get(f"{API}/me/tokens", headers=new).get_json()["items"]
    assert {k: listed[0][k] for k in ("id", "label", "created_at")} == {
        k: made[k] for k in ("id", "label", "created_at")
    }
    assert made["last_used_at"] is None and listed[0]["last_used_at"] is not None  # just used
    assert all("token" not in item for item in listed)
    logged = (
        db.session.execute(
            select(Event).where(
                Event.kind == "token.created", Event.actor_id == network["people"]["adpc"].id
            )
        )
        .scalars()
        .all()
    )
    assert logged
    # Without a label; an observer may make one too.
    bare = client.post(f"{API}/me/tokens", headers=h["observer"], json={})
    assert bare.status_code == 201 and bare.get_json()["label"] == ""
    for body, field in (
        ({"label": "two\nlines"}, "label"),
        ({"label": "x" * 101}, "label"),
        ({"label": 5}, "label"),
        ({"secret": "mine"}, "secret"),
    ):
        _refused(client, "POST", "/me/tokens", 400, field, headers=h["adpc"], json=body)
    assert client.post(f"{API}/me/tokens", json={}).status_code == 401
    # Revoked through the API, it stops at once.
    assert client.delete(f"{API}/me/tokens/{made['id']}", headers=new).status_code == 204
    assert client.get(f"{API}/me", headers=new).status_code == 401
