"""Invitations: adding a person through the page, the API, a CSV import or the
``cop add-person`` command sends one invitation each, in the person's language,
whose sign-in link works once, expires after ``INVITATION_DAYS``, and is voided
by a newer one; facilitators send it again and see who never signed in; a mail
server that is down loses none."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.extensions import mail as mail_ext
from cop_vote.models import Notification, Person

from .helpers import csrf_token, link_path, outbox, post_form, sign_in

API = "/api/v1"


def _invitations(app: Flask, before: int) -> list[Any]:
    return [m for m in outbox(app)[before:] if "/auth/link/" in m.body]


def _signs_in_once(app: Flask, message: Any) -> None:
    """The mail's link signs its person in once: a second use is refused."""
    path = link_path(message)
    fresh = app.test_client()
    assert post_form(fresh, path, path).status_code == 302
    assert fresh.get("/profile").status_code == 200
    again = app.test_client()
    assert again.get(path).status_code == 410


def _person(email: str) -> Person:
    db.session.commit()
    found = db.session.execute(select(Person).where(Person.email == email)).scalar_one()
    return found


def test_a_person_added_on_the_page_is_invited_once_in_their_language(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    before = len(outbox(app))
    response = post_form(
        client,
        "/admin/people/new",
        "/admin/people/new",
        {
            "name": "Fatima Berrada",
            "email": "fatima@adpc.example.org",
            "organisation": "adpc",
            "role": "representative",
            "language": "nl",
        },
    )
    assert response.status_code == 303
    assert "Fatima Berrada added and invited." in client.get("/admin/people").get_data(as_text=True)
    [mail] = outbox(app)[before:]
    assert mail.to == ["fatima@adpc.example.org"]
    assert mail.subject.startswith("Je bent uitgenodigd")
    assert "Samuel Kollie" in mail.body and "14 dagen" in mail.body
    html = mail.alternatives[0][0]
    assert link_path(mail) in html
    _signs_in_once(app, mail)
    assert _person("fatima@adpc.example.org").signed_in_at is not None


def test_a_person_added_through_the_api_is_invited_and_shown_invited(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    headers = network["headers"]["facilitator"]
    before = len(outbox(app))
    response = client.post(
        f"{API}/people",
        json={"name": "Kwame Mensah", "email": "kwame@stro.example.org", "organisation": "stro"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["invited_at"] is not None and body["signed_in_at"] is None
    [mail] = _invitations(app, before)
    assert mail.to == ["kwame@stro.example.org"]
    _signs_in_once(app, mail)
    people = client.get(f"{API}/people", headers=headers).get_json()["items"]
    [kwame] = [p for p in people if p["email"] == "kwame@stro.example.org"]
    assert kwame["signed_in_at"] is not None
    # Members do not see when others were invited or signed in; only their own.
    listed = client.get(f"{API}/people", headers=network["headers"]["adpc"]).get_json()["items"]
    amina = network["people"]["adpc"].id
    assert all("signed_in_at" not in p for p in listed if p["id"] != amina)
    assert [p["signed_in_at"] for p in listed if p["id"] == amina] == [None]


def _upload(client: FlaskClient, text: str) -> Any:
    page = client.get("/admin/people/import")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "file": (io.BytesIO(text.encode("utf-8-sig")), "people.csv"),
    }
    return client.post("/admin/people/import", data=data, content_type="multipart/form-data")


def test_a_csv_import_adds_and_invites_everyone_or_nobody(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    people_before = db.session.scalar(select(func.count()).select_from(Person))
    before = len(outbox(app))
    wrong = (
        "name;email;organisation;role;language\n"
        "Nadia Bakri;nadia@adpc.example.org;adpc;;en\n"
        "Pieter de Vries;amina@adpc.example.org;Oxfam Novib;;nl\n"
        "Bo Jansen;bo@example.org;No Such Org;representative;\n"
        "Ida Smit;ida@example.org;;chair;de\n"
    )
    refused = _upload(client, wrong)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Nothing was imported: 4 problems in the file." in html
    assert "Line 3, email: Already used by someone." in html
    assert "Line 4, organisation: No organisation with slug or name No Such Org." in html
    assert "Line 5, role" in html and "Line 5, language" in html
    assert db.session.scalar(select(func.count()).select_from(Person)) == people_before
    assert outbox(app)[before:] == []

    right = (
        "Name,E-mail,Organisation,Role,Language\n"
        "Nadia Bakri,nadia@adpc.example.org,adpc,,en\n"
        "\n"
        "Pieter de Vries,pieter@oxfam.example.org,oxfam novib,representative,nl\n"
        "Olga Waarnemer,olga@example.org,,observer,\n"
    )
    added = _upload(client, right)
    assert added.status_code == 303
    assert "3 people added and invited." in client.get("/admin/people").get_data(as_text=True)
    mails = _invitations(app, before)
    assert sorted(m.to[0] for m in mails) == [
        "nadia@adpc.example.org",
        "olga@example.org",
        "pieter@oxfam.example.org",
    ]
    by_address = {m.to[0]: m for m in mails}
    assert by_address["pieter@oxfam.example.org"].subject.startswith("Je bent uitgenodigd")
    assert by_address["nadia@adpc.example.org"].subject.startswith("You are invited")
    assert _person("pieter@oxfam.example.org").organisation.slug == "oxfam-novib"  # type: ignore[union-attr]
    for mail in mails:
        _signs_in_once(app, mail)


def test_a_file_that_is_not_a_people_file_is_refused_with_its_problem(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    refused = _upload(client, "naam;telefoon\nAmina;0612345678\n")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Unknown column telefoon" in html and "The column email is missing." in html
    empty = _upload(client, "")
    assert empty.status_code == 400 and "The file is empty." in empty.get_data(as_text=True)
    # Members cannot import.
    other = app.test_client()
    sign_in(other, app, network["people"]["adpc"])
    assert other.get("/admin/people/import").status_code == 403


def test_sending_again_voids_the_old_link_and_the_list_shows_who_never_signed_in(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    people = network["people"]
    sign_in(client, app, people["facilitator"])
    before = len(outbox(app))
    client.post(
        f"{API}/people",
        json={"name": "Yusuf Ali", "email": "yusuf@stro.example.org", "organisation": "stro"},
        headers=network["headers"]["facilitator"],
    )
    [first] = _invitations(app, before)
    never = client.get("/admin/people?never=1").get_data(as_text=True)
    assert "Yusuf Ali<br>" in never and "Samuel Kollie<br>" not in never
    yusuf = _person("yusuf@stro.example.org")
    response = post_form(client, "/admin/people", f"/admin/people/{yusuf.id}/invite")
    assert response.status_code == 303
    [second] = _invitations(app, before + 1)
    assert link_path(second) != link_path(first)
    assert app.test_client().get(link_path(first)).status_code == 410
    _signs_in_once(app, second)
    assert "Yusuf Ali<br>" not in client.get("/admin/people?never=1").get_data(as_text=True)
    # The API sends it again too; an inactive person cannot be invited (409).
    headers = network["headers"]["facilitator"]
    again = client.post(f"{API}/people/{yusuf.id}/invitation", headers=headers)
    assert again.status_code == 200 and len(_invitations(app, before + 2)) == 1
    client.patch(f"{API}/people/{yusuf.id}", json={"active": False}, headers=headers)
    refused = client.post(f"{API}/people/{yusuf.id}/invitation", headers=headers)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_invitable"
    member = client.post(f"{API}/people/{yusuf.id}/invitation", headers=network["headers"]["adpc"])
    assert member.status_code == 403


def test_the_link_expires_after_the_configured_days_and_a_new_address_voids_it(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    app.config["INVITATION_DAYS"] = 3
    headers = network["headers"]["facilitator"]
    before = len(outbox(app))
    for n in (1, 2):
        client.post(
            f"{API}/people",
            json={
                "name": f"Late {n}",
                "email": f"late{n}@stro.example.org",
                "organisation": "stro",
            },
            headers=headers,
        )
    late1, late2 = _invitations(app, before)
    assert "3 dagen" in late1.body  # the network's language: Dutch
    clock.advance(days=3, minutes=-1)
    assert app.test_client().get(link_path(late1)).status_code == 200
    clock.advance(minutes=2)
    assert app.test_client().get(link_path(late1)).status_code == 410
    # A link sent to an address that is then corrected signs nobody in.
    clock.advance(days=-3)
    person = _person("late2@stro.example.org")
    changed = client.patch(
        f"{API}/people/{person.id}", json={"email": "late.two@stro.example.org"}, headers=headers
    )
    assert changed.status_code == 200
    assert app.test_client().get(link_path(late2)).status_code == 410


def test_with_the_mail_server_down_the_invitation_waits_in_the_outbox(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    from tests.live.mailserver import free_port

    headers = network["headers"]["facilitator"]
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    app.config["MAIL_TIMEOUT"] = 2
    mail_ext.init_app(app)
    response = client.post(
        f"{API}/people",
        json={
            "name": "Patient Person",
            "email": "patient@stro.example.org",
            "organisation": "stro",
        },
        headers=headers,
    )
    assert response.status_code == 201
    db.session.commit()
    [row] = db.session.execute(
        select(Notification).where(Notification.kind == "person_invitation")
    ).scalars()
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    app.config["MAIL_BACKEND"] = "locmem"
    mail_ext.init_app(app)
    clock.advance(minutes=5)
    before = len(outbox(app))
    notifications.deliver_due()
    [mail] = _invitations(app, before)
    assert mail.to == ["patient@stro.example.org"]
    _signs_in_once(app, mail)


def test_the_add_person_command_invites_them(
    app: Flask, client: FlaskClient, runner: Any, network: dict[str, Any]
) -> None:
    before = len(outbox(app))
    result = runner.invoke(
        args=[
            "cop",
            "add-person",
            "rahma@adpc.example.org",
            "--name",
            "Rahma Osman",
            "--organisation",
            "African Diaspora Policy Centre",
            "--language",
            "en",
            "--by",
            "samuel@pso.example.org",
        ]
    )
    assert result.exit_code == 0, result.output
    person = _person("rahma@adpc.example.org")
    assert result.stdout.strip() == str(person.id)
    assert person.organisation is not None and person.organisation.slug == "adpc"
    [mail] = _invitations(app, before)
    assert mail.to == ["rahma@adpc.example.org"] and mail.subject.startswith("You are invited")
    _signs_in_once(app, mail)
    again = runner.invoke(
        args=["cop", "invite", "rahma@adpc.example.org", "--by", "samuel@pso.example.org"]
    )
    assert again.exit_code == 0 and len(_invitations(app, before + 1)) == 1
    refused = runner.invoke(
        args=["cop", "add-person", "x@example.org", "--name", "X", "--by", "amina@adpc.example.org"]
    )
    assert refused.exit_code == 1 and "Only a facilitator" in refused.stderr
    unknown = runner.invoke(
        args=[
            "cop",
            "add-person",
            "y@example.org",
            "--name",
            "Y",
            "--organisation",
            "nowhere",
            "--by",
            "samuel@pso.example.org",
        ]
    )
    assert unknown.exit_code == 1 and "no organisation" in unknown.stderr


def test_an_invitation_given_up_is_listed_and_sent_again_to_the_corrected_address(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    from tests.live.mailserver import MailServer

    sign_in(client, app, network["people"]["facilitator"])
    server = MailServer(refuse=["typo@stro.exmaple.org"])
    server.start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        mail_ext.init_app(app)
        added = client.post(
            f"{API}/people",
            json={"name": "Typo Person", "email": "typo@stro.exmaple.org", "organisation": "stro"},
            headers=network["headers"]["facilitator"],
        )
        assert added.status_code == 201
    finally:
        server.stop()
        app.config["MAIL_BACKEND"] = "locmem"
        mail_ext.init_app(app)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "Invitation to the network" in page and "typo@stro.exmaple.org" in page
    person = _person("typo@stro.exmaple.org")
    fixed = client.patch(
        f"{API}/people/{person.id}",
        json={"email": "typo@stro.example.org"},
        headers=network["headers"]["facilitator"],
    )
    assert fixed.status_code == 200
    db.session.commit()
    [row] = db.session.execute(
        select(Notification).where(Notification.kind == "person_invitation")
    ).scalars()
    assert row.status == "failed"
    before = len(outbox(app))
    retried = post_form(client, "/admin/mail", f"/admin/mail/{row.id}/retry")
    assert retried.status_code == 303
    [mail] = _invitations(app, before)
    assert mail.to == ["typo@stro.example.org"]
    _signs_in_once(app, mail)


def test_a_csv_import_lists_every_problem_of_every_line_at_once(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    """A bad line's role, language, organisation and address are all named at once,
    on the page and by the API, and nobody is added."""
    people_before = db.session.scalar(select(func.count()).select_from(Person))
    text = (
        "name,email,organisation,role,language\n"
        "Bad,notanemail,nosuch,king,xx\n"
        "Also Bad,alsonot,nosuch,observer,\n"
        "No Organisation,taken@example.org,,,\n"
        "Fine,fine@example.org,adpc,,\n"
    )
    api = client.post(
        "/api/v1/people/import",
        headers={**network["headers"]["facilitator"], "Content-Type": "text/csv"},
        data=text.encode(),
    )
    assert api.status_code == 400
    assert set(api.get_json()["error"]["fields"]) == {
        "lines.2.email",
        "lines.2.organisation",
        "lines.2.role",
        "lines.2.language",
        "lines.3.email",
        "lines.3.organisation",
        "lines.4.organisation",
    }
    sign_in(client, app, network["people"]["facilitator"])
    html = _upload(client, text).get_data(as_text=True)
    assert "Nothing was imported: 7 problems in the file." in html
    for line, column in (
        (2, "email"),
        (2, "organisation"),
        (2, "role"),
        (2, "language"),
        (3, "email"),
        (3, "organisation"),
        (4, "organisation"),
    ):
        assert f"Line {line}, {column}:" in html
    assert db.session.scalar(select(func.count()).select_from(Person)) == people_before
