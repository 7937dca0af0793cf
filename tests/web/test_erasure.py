"""Erasing a person (GDPR/AVG): name and e-mail gone from every page, API
answer, export and mail; ballots, counts and the log's chain intact."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import Notification, Person
from cop_vote.services import auth, backup, ballots, decisions
from tests.seed import Seeded, seed

from .conftest import _client
from .helpers import post_form, sign_in
from .test_security_headers import get_urls

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics

API = "/api/v1"


@pytest.fixture
def seeded(app: Flask, clock: Any) -> Seeded:
    return seed(app, clock.now)


def _text(body: bytes) -> str:
    """A page's text; a Word or Excel file's (a zip) every member's text."""
    if body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return body.decode("utf-8")


def every_body(
    app: Flask, seeded: Seeded, clients: tuple[Any, ...], api: Any, headers: dict[str, str]
) -> Iterator[tuple[str, str]]:
    """``(url, text)`` of every page (for each of ``clients``), API answer and
    export of the seeded network (sign-in pages, static files and the CSV
    import page, whose example is an invented "Amina Warsame", left out)."""
    for url in get_urls(app, seeded, "x" * 43):
        if url.startswith(API):
            yield url, _text(api.get(url, headers=headers).get_data())
        elif "/auth/" in url or url.startswith("/static") or url == "/admin/people/import":
            continue
        else:
            for client in clients:
                yield url, _text(client.get(url).get_data())


def _results(client: Any, headers: dict[str, str], seeded: Seeded) -> dict[str, Any]:
    return {
        key: client.get(f"{API}/decisions/{did}/results", headers=headers).get_json()
        for key, did in seeded.decisions.items()
    }


def test_an_erased_person_is_named_nowhere_and_nothing_else_changes(
    app: Flask, seeded: Seeded, clock: Any
) -> None:
    amina = seeded.people["representative"]
    facilitator = seeded.people["facilitator"]
    name, email = amina.name, amina.email or ""
    form = seeded.decisions["open"]
    # A ballot recorded in a meeting, given by Amina for another organisation,
    # and mail to a colleague that names her as the one who changed the ballot.
    record_for = db.session.execute(
        select(Person).where(Person.email == "marieke.dijkstra@stro.example.org")
    ).scalar_one()
    assert record_for.organisation is not None
    option = decisions.get_decision(facilitator, form).options[1].id
    ballots.record_ballot(
        facilitator, form, record_for.organisation.slug, {"option": option}, name, clock.now
    )
    ballots.cast_ballot(amina, form, {"option": option}, clock.now)
    db.session.commit()
    named = [
        n.id
        for n in db.session.execute(select(Notification)).scalars()
        if n.person_id != amina.id and name in json.dumps(n.context, ensure_ascii=False)
    ]
    assert named  # the outbox keeps her name in a colleague's mail until she is erased
    _p, token = auth.issue_api_token(facilitator.email or "", clock.now)
    _q, amina_token = auth.issue_api_token(email, clock.now)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    api = app.test_client()
    before = _results(api, headers, seeded)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["cop", "verify-log"]).exit_code == 0

    browser = _client(app)
    sign_in(browser, app, facilitator)
    people = browser.get("/admin/people").get_data(as_text=True)
    erase_url = f"/admin/people/{amina.id}/erase"
    assert f'href="{erase_url}"' in people
    assert f'href="/admin/people/{facilitator.id}/erase"' not in people
    confirm = browser.get(erase_url)
    assert confirm.status_code == 200 and f"Erase {name}?" in confirm.get_data(as_text=True)
    # No reason: refused, nothing changed.
    refused = post_form(browser, erase_url, erase_url, {"reason": ""})
    assert refused.status_code == 400
    assert 'id="error-summary"' in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, amina.id).name == name  # type: ignore[union-attr]
    done = post_form(browser, erase_url, erase_url, {"reason": "She left and asked us to."})
    assert done.status_code == 303

    db.session.expire_all()
    erased = db.session.get(Person, amina.id)
    assert erased is not None and erased.erased_at is not None
    assert (erased.name, erased.email, erased.active) == ("", None, False)
    # Every count is unchanged and the log's chain holds (with the erasure in it).
    assert _results(api, headers, seeded) == before
    checked = runner.invoke(args=["cop", "verify-log"])
    assert checked.exit_code == 0, checked.output
    # She is signed out everywhere.
    assert (
        api.get(f"{API}/me", headers={"Authorization": f"Bearer {amina_token}"}).status_code == 401
    )

    # No page, API answer, export or mail names her.
    colleague = _client(app)
    sign_in(colleague, app, seeded.extra["colleague"])
    seen = 0
    for url, body in every_body(app, seeded, (browser, colleague), api, headers):
        assert name not in body and email not in body, url
        seen += 1
    assert seen > 50
    comments_page = browser.get(f"/decisions/{form}").get_data(as_text=True)
    assert "former representative of <bdi>ADPC</bdi>" in comments_page
    exported = json.dumps(backup.export(clock.now), ensure_ascii=False)
    assert name not in exported and email not in exported
    for mail in db.session.execute(select(Notification)).scalars():
        stored = json.dumps([mail.context, mail.address, mail.last_error], ensure_ascii=False)
        assert name not in stored and email not in stored
    events = runner.invoke(args=["cop", "export", "-"]).stdout
    assert '"person.erased"' in events and "She left" not in events


def test_erasure_through_the_api_and_its_refusals(
    app: Flask, client: Any, network: dict[str, Any]
) -> None:
    people, headers = network["people"], network["headers"]
    lotte = people["oxfam2"]
    url = f"{API}/people/{lotte.id}/erasure"
    assert client.post(url, json={"reason": "Left."}, headers=headers["adpc"]).status_code == 403
    missing = client.post(url, json={}, headers=headers["facilitator"])
    assert missing.status_code == 400
    db.session.expire_all()
    assert db.session.get(Person, lotte.id).erased_at is None  # type: ignore[union-attr]
    named = client.patch(
        f"{API}/organisations/oxfam-novib", json={"lead": lotte.id}, headers=headers["facilitator"]
    )
    assert named.status_code == 200, named.get_json()
    done = client.post(url, json={"reason": "Left."}, headers=headers["facilitator"])
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["name"] == "" and done.get_json()["email"] is None
    assert done.get_json()["lead"] is False  # an erased lead is lead no more
    listed = client.get(
        f"{API}/organisations/oxfam-novib/people", headers=headers["facilitator"]
    ).get_json()
    assert not any(p["lead"] for p in listed["items"])
    again = client.post(url, json={"reason": "Left."}, headers=headers["facilitator"])
    assert again.status_code == 409
    myself = people["facilitator"].id
    own = client.post(
        f"{API}/people/{myself}/erasure", json={"reason": "x"}, headers=headers["facilitator"]
    )
    assert own.status_code == 409
    assert (
        client.post(
            f"{API}/people/99999/erasure", json={"reason": "x"}, headers=headers["facilitator"]
        ).status_code
        == 404
    )
    assert client.get(f"{API}/me", headers=headers["oxfam2"]).status_code == 401
