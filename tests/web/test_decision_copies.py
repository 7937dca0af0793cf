"""Duplicate a decision and draft from a built-in template, through the pages
(CSRF on): a copy takes the text, options, method and rules but no ballots,
comments or outcome; a template's draft is in the facilitator's language with
the other language as translation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cop_vote.extensions import db
from cop_vote.models import Ballot, Comment, Decision, Event, Person
from cop_vote.services import ballots, comments, decisions, transitions
from tests.web.helpers import post_form, sign_in, stored_decision


def _newest() -> Decision:
    db.session.expire_all()
    found = db.session.scalars(select(Decision).order_by(Decision.id.desc())).first()
    assert found is not None
    return found


@pytest.mark.parametrize("state", ["draft", "open", "published", "withdrawn"])
def test_a_decision_in_any_state_is_duplicated_as_a_draft(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any, state: str
) -> None:
    facilitator: Person = network["people"]["facilitator"]
    made = decisions.create_decision(
        facilitator,
        {
            "title": "Kies een vorm",
            "description": "Vier vormen.",
            "original_language": "nl",
            "translations": {"en": {"title": "Choose a form"}},
            "method": "dot_vote",
            "dots": 5,
            "dots_per_option": 2,
            "quorum": "0.5",
            "ballot_secrecy": "secret",
            "comments": "premoderated",
            "options": [
                {"label": "Taskforce", "translations": {"en": {"label": "A taskforce"}}},
                {"label": "MOS-overleg", "description": "Aansluiten."},
            ],
        },
        clock.now,
    )
    db.session.commit()
    source_id = made.id
    if state != "draft":
        decisions.update_decision(
            facilitator,
            source_id,
            {"closes_at": (clock.now.replace(year=clock.now.year + 1)).isoformat()},
            clock.now,
        )
        transitions.open_decision(facilitator, source_id, clock.now)
        db.session.commit()
    if state in ("published", "withdrawn"):
        option = stored_decision(source_id).options[0].id
        adpc = network["people"]["adpc"]
        ballots.cast_ballot(adpc, source_id, {"dots": {str(option): 2}}, clock.now)
        comments.add_comment(adpc, source_id, "Graag de taskforce.", clock.now)
        db.session.commit()
    if state == "published":
        transitions.close_decision(facilitator, source_id, clock.now)
        transitions.publish_decision(facilitator, source_id, option, "Besloten.", clock.now)
    if state == "withdrawn":
        transitions.withdraw_decision(facilitator, source_id, "Niet nodig.", clock.now)
    db.session.commit()

    sign_in(client, app, facilitator)
    page = f"/admin/decisions/{source_id}"
    answer = post_form(client, page, f"{page}/duplicate")
    assert answer.status_code == 303
    copy = _newest()
    assert copy.id != source_id
    assert answer.headers["Location"].split("#")[0].endswith(f"/admin/decisions/{copy.id}")
    source = stored_decision(source_id)
    assert copy.status == "draft" and copy.closes_at is None
    assert copy.title == "Kies een vorm (kopie)"
    assert copy.translations == {"en": {"title": "Choose a form (copy)"}}
    assert (copy.description, copy.method, copy.dots, copy.dots_per_option) == (
        "Vier vormen.",
        "dot_vote",
        5,
        2,
    )
    assert (copy.quorum, copy.ballot_secrecy, copy.comments, copy.results_visibility) == (
        source.quorum,
        "secret",
        "premoderated",
        "after_close",
    )
    assert [(o.label, o.description, o.translations) for o in copy.options] == [
        (o.label, o.description, o.translations) for o in source.options
    ]
    assert {o.id for o in copy.options}.isdisjoint({o.id for o in source.options})
    for model in (Ballot, Comment):
        assert (
            db.session.scalar(
                select(func.count()).select_from(model).where(model.decision_id == copy.id)
            )
            == 0
        )
    assert copy.outcome_option_id is None and copy.outcome_statement in (None, "")
    logged = db.session.scalars(
        select(Event.data).where(
            Event.kind == "decision.duplicated", Event.subject == f"decision:{copy.id}"
        )
    ).all()
    assert logged == [{"from_decision_id": source_id}]


@pytest.mark.parametrize(
    ("language", "title", "translated"),
    [
        ("nl", "Kies een vorm voor de samenwerking", "Choose a form for the cooperation"),
        ("en", "Choose a form for the cooperation", "Kies een vorm voor de samenwerking"),
    ],
)
def test_a_template_drafts_in_the_facilitators_language_with_the_other_as_translation(
    app: Flask,
    client: FlaskClient,
    network: dict[str, Any],
    language: str,
    title: str,
    translated: str,
) -> None:
    facilitator: Person = network["people"]["facilitator"]
    facilitator.language = language
    db.session.commit()
    sign_in(client, app, facilitator)
    page = "/admin/decisions/new"
    html = client.get(page).get_data(as_text=True)
    keys = re.findall(r'name="template" value="([a-z_]+)"', html)
    assert keys == ["cooperation_form", "learning_questions", "meeting_date", "feedback_round"]
    assert title in html

    answer = post_form(client, page, "/admin/decisions/from-template", {"template": keys[0]})
    assert answer.status_code == 303
    draft = _newest()
    other = "en" if language == "nl" else "nl"
    assert (draft.status, draft.method, draft.counting) == ("draft", "ranked", "irv")
    assert draft.original_language == language and draft.title == title
    assert draft.translations is not None and draft.translations[other]["title"] == translated
    labels = [o.label for o in draft.options]
    english = [
        "Join the MOS consultation",
        "Link up with the Knowledge Centre on Migration and Development",
        "A standalone Community of Practice",
        "A taskforce",
    ]
    dutch = [
        "Aansluiten bij het MOS-overleg",
        "Aanhaken bij het Kenniscentrum Migratie en Ontwikkeling",
        "Een zelfstandige Community of Practice",
        "Een taskforce",
    ]
    assert labels == (dutch if language == "nl" else english)
    assert [(o.translations or {})[other]["label"] for o in draft.options] == (
        english if language == "nl" else dutch
    )
    # The member page shows the draft's other language to a reader of it.
    shown = client.get(f"/admin/decisions/{draft.id}?lang={other}").get_data(as_text=True)
    assert translated in shown


def test_every_template_makes_a_valid_draft_and_a_bad_template_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any]
) -> None:
    sign_in(client, app, network["people"]["facilitator"])
    page = "/admin/decisions/new"
    methods = []
    for key in ("cooperation_form", "learning_questions", "meeting_date", "feedback_round"):
        answer = post_form(client, page, "/admin/decisions/from-template", {"template": key})
        assert answer.status_code == 303
        methods.append((_newest().method, len(_newest().options)))
    assert methods == [("ranked", 4), ("dot_vote", 3), ("meeting_time", 0), ("discussion", 0)]
    before = db.session.scalar(select(func.count()).select_from(Decision))
    for bad in ("nope", ""):
        refused = post_form(client, page, "/admin/decisions/from-template", {"template": bad})
        assert refused.status_code == 400, bad
        html = refused.get_data(as_text=True)
        assert 'id="error-summary"' in html
        assert 'href="#template-cooperation_form"' in html  # the summary leads to the buttons
        assert 'id="template-error"' in html and "Choose one of the templates." in html
        assert 'aria-describedby="method-error"' not in html  # the method is not in question
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    dutch = post_form(client, page, "/admin/decisions/from-template", {"template": "nope"})
    assert dutch.status_code == 400
    assert "Kies een van de sjablonen." in dutch.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Decision)) == before
