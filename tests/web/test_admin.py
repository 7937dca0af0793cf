"""Facilitator pages: who gets in, organisations and people through the forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.models import Ballot, Organisation, Person
from cop_vote.services import decisions as decision_service
from cop_vote.services import organisations as org_service
from cop_vote.services import transitions
from cop_vote.services.ballots import cast_ballot
from tests.web.admin_helpers import csrf_token, post_form, sign_in


@pytest.fixture
def decisions(app: Flask, network: dict[str, Any], clock: Any) -> dict[str, int]:
    """A draft, an open and a closed single-choice decision."""
    fac = network["people"]["facilitator"]
    ids = {}
    for name in ("draft", "open", "closed"):
        d = decision_service.create_decision(
            fac,
            {
                "title": f"{name} decision",
                "method": "single_choice",
                "options": [{"label": "A"}, {"label": "B"}],
            },
            clock.now,
        )
        ids[name] = d.id
    transitions.open_decision(fac, ids["open"], clock.now)
    transitions.open_decision(fac, ids["closed"], clock.now)
    transitions.close_decision(fac, ids["closed"], clock.now)
    db.session.commit()
    return ids


def admin_urls(network: dict[str, Any], decisions: dict[str, int]) -> list[str]:
    person = network["people"]["adpc"].id
    return [
        "/admin",
        "/admin/organisations",
        "/admin/organisations/new",
        "/admin/organisations/adpc/edit",
        "/admin/organisations/adpc/deactivate",
        "/admin/organisations/adpc/reactivate",
        "/admin/people",
        "/admin/people?never=1",
        "/admin/people/new",
        "/admin/people/import",
        f"/admin/people/{person}/edit",
        f"/admin/people/{person}/deactivate",
        f"/admin/people/{person}/reactivate",
        "/admin/decisions",
        "/admin/decisions/new",
        f"/admin/decisions/{decisions['draft']}",
        f"/admin/decisions/{decisions['draft']}/edit",
        f"/admin/decisions/{decisions['open']}/edit",
        f"/admin/decisions/{decisions['draft']}/open",
        f"/admin/decisions/{decisions['open']}/close",
        f"/admin/decisions/{decisions['closed']}/publish",
        f"/admin/decisions/{decisions['open']}/withdraw",
    ]


def test_facilitator_sees_every_admin_page(
    app: Flask, client: FlaskClient, network: dict[str, Any], decisions: dict[str, int]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    for url in admin_urls(network, decisions):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "<h1>" in body, url


@pytest.mark.parametrize("who", ["adpc", "observer"])
def test_members_and_observers_get_403(
    app: Flask, client: FlaskClient, network: dict[str, Any], decisions: dict[str, int], who: str
) -> None:
    sign_in(app, client, network["people"][who])
    for url in admin_urls(network, decisions):
        assert client.get(url).status_code == 403, url
    # POSTs too, even with a valid token from a page they may see.
    page = client.get(f"/admin/decisions/{decisions['draft']}/open")
    assert page.status_code == 403
    response = client.post("/admin/organisations/new", data={"name": "Sneaky"})
    assert response.status_code in (400, 403)
    assert org_service.list_organisations(include_inactive=True).__len__() == 4


def test_anonymous_is_sent_to_sign_in(
    client: FlaskClient, network: dict[str, Any], decisions: dict[str, int]
) -> None:
    for url in admin_urls(network, decisions):
        response = client.get(url)
        assert response.status_code in (302, 303), url
        location = response.headers["Location"]
        assert not location.split("?")[0].endswith(url), url
        assert "next=" in location, url


def test_pages_are_accessible_forms(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    body = client.get("/admin/people/new").get_data(as_text=True)
    for field in ("name", "email", "organisation", "role", "function", "language"):
        assert f'for="{field}"' in body, field
    body = client.get("/admin/organisations").get_data(as_text=True)
    assert '<th scope="col">' in body and '<th scope="row">' in body


# --- organisations ------------------------------------------------------------------------


def test_add_and_edit_an_organisation(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    response = post_form(
        client,
        "/admin/organisations/new",
        {
            "name": "Nederlands-Marokkaanse Stichting",
            "short_name": "NMS",
            "slug": "",
            "kind": "diaspora",
            "voting": "y",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/admin/organisations#main")
    org = org_service.get_organisation("nms")
    assert (org.name, org.kind, org.voting, org.active) == (
        "Nederlands-Marokkaanse Stichting",
        "diaspora",
        True,
        True,
    )
    listing = client.get("/admin/organisations").get_data(as_text=True)
    assert "Nederlands-Marokkaanse Stichting" in listing
    assert "Organisation Nederlands-Marokkaanse Stichting added." in listing or "NMS" in listing

    # Edit: rename, change slug, stop voting (checkbox left out).
    response = post_form(
        client,
        "/admin/organisations/nms/edit",
        {"name": "NMS Foundation", "short_name": "NMS", "slug": "nms-foundation", "kind": "ngo"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    org = org_service.get_organisation("nms-foundation")
    assert (org.name, org.kind, org.voting) == ("NMS Foundation", "ngo", False)


def test_invalid_organisation_form_rerenders_and_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    before = len(org_service.list_organisations(include_inactive=True))
    response = post_form(
        client,
        "/admin/organisations/new",
        {"name": "Something", "slug": "Not A Slug!", "kind": "ngo"},
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in body
    assert re.search(r'aria-describedby="[^"]*slug-error"', body)
    assert 'href="#slug"' in body  # the error summary links to the field
    assert "Lower-case letters, digits and single hyphens only." in body
    assert 'value="Something"' in body  # what was typed is kept
    # Slug taken; blank name; unknown kind: all refused, nothing added.
    for data in (
        {"name": "X", "slug": "adpc", "kind": "ngo"},
        {"name": "   ", "kind": "ngo"},
        {"name": "Y", "kind": "spaceship"},
        {"name": "Z" * 300, "kind": "ngo"},
    ):
        response = post_form(client, "/admin/organisations/new", data)
        assert response.status_code == 400, data
    assert len(org_service.list_organisations(include_inactive=True)) == before

    # Editing ADPC into a clash keeps ADPC as it was.
    response = post_form(
        client,
        "/admin/organisations/adpc/edit",
        {"name": "Renamed", "short_name": "R", "slug": "stro", "kind": "ngo", "voting": "y"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    adpc = org_service.get_organisation("adpc")
    assert adpc.name == "African Diaspora Policy Centre"


def test_post_without_csrf_is_refused(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    response = client.post("/admin/organisations/new", data={"name": "No token", "kind": "ngo"})
    assert response.status_code == 400
    assert all(o.name != "No token" for o in org_service.list_organisations())


def test_unknown_objects_are_404(app: Flask, client: FlaskClient, network: dict[str, Any]) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    for url in (
        "/admin/organisations/nope/edit",
        "/admin/people/99999/edit",
        "/admin/decisions/99999",
        "/admin/decisions/99999/open",
        "/admin/decisions/abc",
    ):
        assert client.get(url).status_code == 404, url


# --- people -------------------------------------------------------------------------------


def test_add_and_edit_a_person(app: Flask, client: FlaskClient, network: dict[str, Any]) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    response = post_form(
        client,
        "/admin/people/new",
        {
            "name": "Fatima Nasser",
            "email": "Fatima@STRO.example.org",
            "organisation": "stro",
            "role": "representative",
            "function": "Programme officer",
            "language": "en",
        },
    )
    assert response.status_code == 303
    person = org_service.find_person_by_email("fatima@stro.example.org")
    assert person is not None
    assert (
        person.name,
        person.organisation.slug,
        person.role,
        person.function,
        person.language,
    ) == ("Fatima Nasser", "stro", "representative", "Programme officer", "en")
    listing = client.get("/admin/people").get_data(as_text=True)
    assert "Fatima Nasser" in listing and "Social Trade Organisation" in listing

    url = f"/admin/people/{person.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="fatima@stro.example.org"' in page
    assert '<option selected value="stro">' in page
    response = post_form(
        client,
        url,
        {
            "name": "Fatima Nasser-Ali",
            "email": "fatima@stro.example.org",
            "organisation": "",
            "role": "observer",
            "function": "",
            "language": "",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    person = org_service.get_person(person.id)
    assert (person.name, person.organisation, person.role, person.language) == (
        "Fatima Nasser-Ali",
        None,
        "observer",
        None,
    )


def test_invalid_person_forms_change_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    count = len(org_service.list_people(include_inactive=True))
    cases = [
        (
            {
                "name": "A",
                "email": "not-an-address",
                "organisation": "stro",
                "role": "representative",
            },
            "email",
        ),
        (
            {
                "name": "B",
                "email": "amina@adpc.example.org",
                "organisation": "stro",
                "role": "representative",
            },
            "email",
        ),
        (
            {"name": "C", "email": "c@example.org", "organisation": "", "role": "representative"},
            "organisation",
        ),
        (
            {
                "name": "D",
                "email": "d@example.org",
                "organisation": "no-such-org",
                "role": "representative",
            },
            "organisation",
        ),
        (
            {"name": "E", "email": "e@example.org", "organisation": "stro", "role": "emperor"},
            "role",
        ),
        (
            {
                "name": "",
                "email": "f@example.org",
                "organisation": "stro",
                "role": "representative",
            },
            "name",
        ),
    ]
    for data, field in cases:
        response = post_form(client, "/admin/people/new", data)
        assert response.status_code == 400, data
        body = response.get_data(as_text=True)
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', body), data
        assert f'href="#{field}"' in body
    assert len(org_service.list_people(include_inactive=True)) == count


def test_facilitator_cannot_deactivate_themself(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    me = network["people"]["facilitator"]
    sign_in(app, client, me)
    response = post_form(client, f"/admin/people/{me.id}/deactivate", {})
    assert response.status_code == 409
    assert "cannot deactivate or demote yourself" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, me.id).active is True


def test_deactivating_after_voting_keeps_the_ballot(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    amina = network["people"]["adpc"]
    decision = decision_service.create_decision(
        fac,
        {
            "title": "Learning agenda",
            "method": "single_choice",
            "options": [{"label": "Remittances"}, {"label": "Return migration"}],
        },
        clock.now,
    )
    transitions.open_decision(fac, decision.id, clock.now)
    option_id = decision.options[0].id
    cast_ballot(amina, decision.id, {"option": option_id}, clock.now)
    db.session.commit()
    decision_id = decision.id

    sign_in(app, client, fac)
    response = post_form(client, f"/admin/people/{amina.id}/deactivate", {})
    assert response.status_code == 303
    response = post_form(client, "/admin/organisations/adpc/deactivate", {})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, amina.id).active is False
    assert org_service.get_organisation("adpc").active is False
    ballots = db.session.query(Ballot).filter_by(decision_id=decision_id).all()
    assert [(b.organisation.slug, b.content) for b in ballots] == [("adpc", {"option": option_id})]

    # Every page still works, and the inactive ones are marked.
    for url in (
        "/admin",
        "/admin/organisations",
        "/admin/people",
        "/admin/decisions",
        f"/admin/decisions/{decision_id}",
        f"/admin/decisions/{decision_id}/close",
        f"/admin/people/{amina.id}/edit",
        "/admin/organisations/adpc/edit",
        "/admin/people/new",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert "1 of 3" in page
    assert "inactive" in client.get("/admin/organisations").get_data(as_text=True)

    response = post_form(client, f"/admin/decisions/{decision_id}/close", {})
    assert response.status_code == 303
    page = client.get(f"/admin/decisions/{decision_id}/publish").get_data(as_text=True)
    assert "Remittances" in page

    # And back again.
    assert post_form(client, "/admin/organisations/adpc/reactivate", {}).status_code == 303
    assert post_form(client, f"/admin/people/{amina.id}/reactivate", {}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, org_service.get_organisation("adpc").id).active
    assert db.session.get(Person, amina.id).active


def test_csrf_token_helper_reads_rendered_forms(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    assert csrf_token(client.get("/admin/organisations/new"))


def test_pages_render_in_dutch(
    app: Flask, client: FlaskClient, network: dict[str, Any], decisions: dict[str, int]
) -> None:
    sign_in(app, client, network["people"]["facilitator"])
    for url in admin_urls(network, decisions):
        response = client.get(url + "?lang=nl")
        assert response.status_code == 200, url
        assert '<html lang="nl">' in response.get_data(as_text=True), url
