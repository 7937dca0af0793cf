"""The facilitator's translation page, and what readers then read in each language."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.models import Decision, Notification
from cop_vote.services import decisions as decision_service
from cop_vote.services import transitions
from tests.web.admin_helpers import page_form, post_form, sign_in

from .conftest import _client
from .helpers import make_decision, stored_decision


def _page_form(decision: Decision, **fields: str) -> dict[str, str]:
    """The translation form as a browser sends it: every option row, blank unless given."""
    data = {"original_language": decision.original_language, "title": "", "description": ""}
    for n, option in enumerate(decision.options):
        data[f"options-{n}-id"] = str(option.id)
        data[f"options-{n}-label"] = ""
        data[f"options-{n}-description"] = ""
    data.update(fields)
    return data


def _reader(app: Flask, person: Any, language: str) -> FlaskClient:
    client = _client(app)
    client.set_cookie("lang", language, domain="localhost")
    sign_in(app, client, person)
    return client


def test_a_draft_is_translated_on_its_page_and_read_in_each_language(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    did = make_decision(
        fac, clock.now, open_it=False, original_language="en", description="Choose a city."
    )
    sign_in(app, client, fac)
    url = f"/admin/decisions/{did}/translation"
    decision = db.session.get(Decision, did)
    assert decision is not None
    form = _page_form(
        decision,
        title="Waar komen we samen?",
        description="Kies een stad.",
        **{"options-0-label": "Memphis (Tennessee)", "options-1-label": "Nashville (Tennessee)"},
    )
    answer = post_form(client, url, form)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None
    assert decision.translations == {
        "nl": {"title": "Waar komen we samen?", "description": "Kies een stad."}
    }
    assert [o.translations for o in decision.options] == [
        {"nl": {"label": "Memphis (Tennessee)"}},
        {"nl": {"label": "Nashville (Tennessee)"}},
        None,
    ]
    # The page shows what it saved, for a second round.
    again = client.get(url).get_data(as_text=True)
    assert 'value="Waar komen we samen?"' in again and 'lang="nl"' in again

    transitions.open_decision(fac, did, clock.now)
    db.session.commit()
    dutch = _reader(app, network["people"]["adpc"], "nl").get(f"/decisions/{did}")
    html = dutch.get_data(as_text=True)
    assert '<h1 dir="auto">Waar komen we samen?</h1>' in html
    assert "Kies een stad." in html
    assert "Memphis (Tennessee)" in html
    # An option without a translation is read in its own language, marked as such.
    assert '<span lang="en">Atlanta</span>' in html
    assert "Toon het origineel (Engels)" in html
    assert '<div lang="en" dir="auto">' in html and "Where do we meet?" in html

    english = _reader(app, network["people"]["stro"], "en").get(f"/decisions/{did}")
    html = english.get_data(as_text=True)
    assert '<h1 dir="auto">Where do we meet?</h1>' in html
    assert "Waar komen we samen?" not in html and "Show original" not in html


def test_an_open_decision_keeps_its_title_translation(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    did = make_decision(
        fac,
        clock.now,
        original_language="en",
        translations={"nl": {"title": "Waar komen we samen?"}},
    )
    sign_in(app, client, fac)
    url = f"/admin/decisions/{did}/translation"
    decision = db.session.get(Decision, did)
    assert decision is not None
    page = client.get(url).get_data(as_text=True)
    assert "readonly" in page
    answer = post_form(client, url, _page_form(decision, title="Een andere titel"))
    assert answer.status_code == 409
    assert "De titel van een open besluit" in answer.get_data(as_text=True) or (
        "The title of an open decision" in answer.get_data(as_text=True)
    )
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None and decision.translations == {
        "nl": {"title": "Waar komen we samen?"}
    }
    # The option translations may change; the option is then shown as edited.
    answer = post_form(
        client,
        url,
        _page_form(decision, title="Waar komen we samen?", **{"options-2-label": "Atlanta (GA)"}),
    )
    assert answer.status_code == 303
    db.session.expire_all()
    decision = db.session.get(Decision, did)
    assert decision is not None
    assert [o.edited_at is not None for o in decision.options] == [False, False, True]
    assert decision.options[2].translations == {"nl": {"label": "Atlanta (GA)"}}


def test_a_translation_without_its_title_is_refused_on_the_page(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    did = make_decision(fac, clock.now, open_it=False, original_language="en")
    sign_in(app, client, fac)
    decision = db.session.get(Decision, did)
    assert decision is not None
    url = f"/admin/decisions/{did}/translation"
    answer = post_form(client, url, _page_form(decision, description="Alleen een beschrijving."))
    assert answer.status_code == 400
    assert "<title>" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Decision, did).translations is None  # type: ignore[union-attr]


def test_closed_decisions_are_not_translated_and_members_may_not(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    did = make_decision(fac, clock.now, original_language="en")
    transitions.close_decision(fac, did, clock.now)
    db.session.commit()
    member = _reader(app, network["people"]["adpc"], "en")
    assert member.get(f"/admin/decisions/{did}/translation").status_code in (302, 403, 404)
    sign_in(app, client, fac)
    answer = client.get(f"/admin/decisions/{did}/translation")
    assert answer.status_code == 303


def test_mail_reads_in_its_reader_language(app: Flask, network: dict[str, Any], clock: Any) -> None:
    fac = network["people"]["facilitator"]
    adpc = network["people"]["adpc"]
    adpc.language = "nl"
    db.session.commit()
    with notifications.suppressed():
        did = make_decision(
            fac,
            clock.now,
            open_it=False,
            original_language="en",
            translations={"nl": {"title": "Waar komen we samen?"}},
        )
    transitions.open_decision(fac, did, clock.now)
    db.session.commit()
    mail = db.session.scalars(
        select(Notification).where(
            Notification.person_id == adpc.id, Notification.kind == "invitation"
        )
    ).first()
    assert mail is not None
    sent = [m for m in app.extensions["mailman"].outbox if adpc.email in m.to]
    assert sent, "the invitation went out"
    assert "Waar komen we samen?" in sent[-1].subject
    assert "Waar komen we samen?" in sent[-1].body and "Where do we meet?" not in sent[-1].body


def test_results_name_the_options_in_the_reader_language(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    from cop_vote.services.ballots import cast_ballot

    fac = network["people"]["facilitator"]
    did = make_decision(
        fac,
        clock.now,
        options=("Foundation", "Association"),
        original_language="en",
        results_visibility="live",
    )
    decision = db.session.get(Decision, did)
    assert decision is not None
    first, second = (o.id for o in decision.options)
    decision_service.update_decision(
        fac,
        did,
        {
            "options": [
                {"id": first, "translations": {"nl": {"label": "Stichting"}}},
                {"id": second, "translations": {"nl": {"label": "Vereniging"}}},
            ]
        },
        clock.now,
    )
    cast_ballot(network["people"]["adpc"], did, {"option": first}, clock.now)
    cast_ballot(network["people"]["stro"], did, {"option": second}, clock.now)
    db.session.commit()
    html = _reader(app, network["people"]["adpc"], "nl").get(f"/decisions/{did}/results")
    text = html.get_data(as_text=True)
    assert "Gelijke stand tussen Stichting en Vereniging." in text
    assert "Foundation" not in text and "Association" not in text
    html = _reader(app, network["people"]["stro"], "en").get(f"/decisions/{did}/results")
    assert "Tie between Foundation and Association." in html.get_data(as_text=True)


def _open_translation_page(
    app: Flask, network: dict[str, Any], clock: Any
) -> tuple[FlaskClient, int, str]:
    """An open English decision with no translation, its facilitator signed in."""
    did = make_decision(network["people"]["facilitator"], clock.now, original_language="en")
    client = _client(app)
    sign_in(app, client, network["people"]["facilitator"])
    return client, did, f"/admin/decisions/{did}/translation"


def test_an_open_decision_without_a_title_translation_is_given_one_on_the_page(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    client, did, url = _open_translation_page(app, network, clock)
    page = client.get(url)
    assert "readonly" not in page.get_data(as_text=True)
    form = page_form(page)
    form["title"] = "Waar komen we samen?"
    assert client.post(url, data=form).status_code == 303
    assert stored_decision(did).translations == {"nl": {"title": "Waar komen we samen?"}}
    assert "readonly" in client.get(url).get_data(as_text=True)


def test_the_translation_page_names_the_field_of_each_refusal(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    client, did, url = _open_translation_page(app, network, clock)
    form = page_form(client.get(url))
    # While open only the second option is sent: its refusal is still on row 2.
    form.update({"title": "x" * 301, "options-1-description": "Zonder label."})
    refused = client.post(url, data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#title"' in html
    form["title"] = "Waar komen we samen?"
    refused = client.post(url, data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#options-1-label"' in html and 'href="#title"' not in html
    assert stored_decision(did).translations is None
