"""The lead representative's "Our organisation" page and the facilitator's
lead form (issue 10, part 12), over HTTP with CSRF: the facilitator names a
lead on the organisation's page; the lead sees the page in the menu, invites,
invites again and removes (confirmed first), with the acts listed on the
organisation's page; a lead of another organisation, a plain representative
and bad input change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Event, Person
from cop_vote.services import org_people, verification
from tests.web.helpers import csrf_token, outbox, post_form, sign_in


def _counts() -> tuple[int, int]:
    db.session.expire_all()
    return (
        db.session.execute(select(func.count()).select_from(Person)).scalar_one(),
        # Signing in is logged too; count what a refused act would have logged.
        db.session.execute(
            select(func.count())
            .select_from(Event)
            .where(Event.kind.in_((*org_people.ACT_KINDS, "person.updated")))
        ).scalar_one(),
    )


@pytest.fixture
def lead(network: dict[str, Any], clock: Any) -> Person:
    """Idris, lead of Oxfam Novib."""
    person = network["people"]["oxfam1"]
    org_people.name_lead(network["people"]["facilitator"], "oxfam-novib", person.id, clock.now)
    db.session.commit()
    return person


def test_the_facilitator_names_the_lead_on_the_organisation_page(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    page = "/admin/organisations/oxfam-novib/edit"
    html = client.get(page).get_data(as_text=True)
    assert '<label for="lead">Lead representative</label>' in html
    lotte = network["people"]["oxfam2"]
    done = post_form(client, page, "/admin/organisations/oxfam-novib/lead", {"lead": str(lotte.id)})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, lotte.id).is_lead  # type: ignore[union-attr]
    html = client.get(page).get_data(as_text=True)
    assert "named the lead representative Lotte Hendriks" in html
    # Someone of another organisation: refused on the form, nothing changed.
    before = _counts()
    adpc = network["people"]["adpc"]
    refused = post_form(
        client, page, "/admin/organisations/oxfam-novib/lead", {"lead": str(adpc.id)}
    )
    assert refused.status_code == 400
    assert 'class="error-summary"' in refused.get_data(as_text=True)
    assert _counts() == before


def test_the_lead_invites_resends_and_removes(
    app: Flask, client: FlaskClient, network: dict[str, Any], lead: Person
) -> None:
    sign_in(client, app, lead)
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/our-organisation">Our organisation</a>' in home
    page = client.get("/our-organisation")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lotte Hendriks" in html and "Amina" not in html

    mails = len(outbox(app))
    added = post_form(
        client,
        "/our-organisation",
        "/our-organisation",
        {"name": "Noor Bakker", "email": "noor@oxfam.example.org", "role": "observer"},
    )
    assert added.status_code == 303
    noor = db.session.scalars(select(Person).where(Person.name == "Noor Bakker")).one()
    assert (noor.organisation.slug, noor.role) == ("oxfam-novib", "observer")  # type: ignore[union-attr]
    assert len(outbox(app)) == mails + 1 and outbox(app)[-1].to == ["noor@oxfam.example.org"]

    again = post_form(client, "/our-organisation", f"/our-organisation/people/{noor.id}/invitation")
    assert again.status_code == 303 and len(outbox(app)) == mails + 2

    lotte = network["people"]["oxfam2"]
    confirm = client.get(f"/our-organisation/people/{lotte.id}/remove")
    assert confirm.status_code == 200
    assert "Remove Lotte Hendriks?" in confirm.get_data(as_text=True)
    removed = client.post(
        f"/our-organisation/people/{lotte.id}/remove",
        data={"csrf_token": csrf_token(confirm.get_data(as_text=True))},
    )
    assert removed.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, lotte.id).active is False  # type: ignore[union-attr]
    assert verification.verify_log().ok

    # The facilitator sees each act on the organisation's page.
    sign_in(client, app, network["people"]["facilitator"])
    html = client.get("/admin/organisations/oxfam-novib/edit").get_data(as_text=True)
    assert "Idris Nuur invited Noor Bakker (as lead representative)" in html
    assert "Idris Nuur sent the invitation again to Noor Bakker" in html
    assert "Idris Nuur removed Lotte Hendriks (as lead representative)" in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "X", "email": "not-an-address"}, "email"),
        ({"name": "X", "email": "LOTTE@oxfam.example.org"}, "email"),
        ({"name": "X", "email": "x@example.org", "role": "facilitator"}, "role"),
        ({"name": "X", "email": "x@example.org", "role": "chair"}, "role"),
        ({"name": "", "email": "x@example.org"}, "name"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    lead: Person,
    data: dict[str, str],
    field: str,
) -> None:
    sign_in(client, app, lead)
    before = _counts()
    response = post_form(
        client, "/our-organisation", "/our-organisation", {"role": "representative", **data}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and f'<a href="#{field}">' in html
    assert _counts() == before


def test_who_may_not_act_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], lead: Person, clock: Any
) -> None:
    # ADPC's lead cannot reach Oxfam Novib's people; nor can a plain representative.
    org_people.name_lead(
        network["people"]["facilitator"], "adpc", network["people"]["adpc"].id, clock.now
    )
    db.session.commit()
    lotte = network["people"]["oxfam2"]
    before = _counts()
    sign_in(client, app, network["people"]["adpc"])
    page = client.get("/our-organisation").get_data(as_text=True)
    token = csrf_token(page)
    assert (
        client.post(
            f"/our-organisation/people/{lotte.id}/remove", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/our-organisation/people/{lotte.id}/invitation", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/admin/organisations/adpc/lead", data={"csrf_token": token, "lead": ""}
        ).status_code
        == 403
    )

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(other, app, lotte)
    assert '<a href="/our-organisation">' not in other.get("/").get_data(as_text=True)
    assert other.get("/our-organisation").status_code == 403
    token = csrf_token(other.get("/profile").get_data(as_text=True))
    assert (
        other.post(
            "/our-organisation", data={"csrf_token": token, "name": "X", "email": "x@example.org"}
        ).status_code
        == 403
    )
    assert (
        other.post(
            f"/our-organisation/people/{lead.id}/remove", data={"csrf_token": token}
        ).status_code
        == 403
    )
    # The lead on themself; a POST without its CSRF token.
    sign_in(client, app, lead)
    assert client.get(f"/our-organisation/people/{lead.id}/remove").status_code == 403
    assert client.post(f"/our-organisation/people/{lotte.id}/remove", data={}).status_code == 400
    assert _counts() == before
    db.session.expire_all()
    assert db.session.get(Person, lotte.id).active is True  # type: ignore[union-attr]


def test_the_remove_page_costs_the_same_with_more_people_and_reads_in_dutch(
    app: Flask, client: FlaskClient, network: dict[str, Any], lead: Person, make_person: Any
) -> None:
    from tests.web.test_statement_counts import counting

    lotte = network["people"]["oxfam2"]
    sign_in(client, app, lead)
    url = f"/our-organisation/people/{lotte.id}/remove"

    def statements() -> int:
        db.session.commit()
        with counting() as sent:
            assert client.get(url).status_code == 200
        return len(sent)

    few = statements()
    for n in range(8):
        make_person(network["orgs"]["oxfam"], email=f"extra{n}@oxfam.example.org")
    assert statements() == few

    client.set_cookie("lang", "nl")
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    html = client.get(url).get_data(as_text=True)
    assert "Lotte Hendriks verwijderen?" in html and "Ja, verwijderen" in html
    html = client.get("/our-organisation").get_data(as_text=True)
    assert "Onze organisatie: Oxfam Novib" in html and "Iemand uitnodigen" in html
