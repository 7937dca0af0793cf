"""Drafting a decision: every refused field is named with its exact message
(what the facilitator's form shows beside the field and the API returns in
``error.fields``), nothing is stored, and the defaults a method implies are set."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cop_vote.domain.errors import InvalidInput
from cop_vote.extensions import db
from cop_vote.models import Decision, Event
from cop_vote.services import decisions
from tests.dbstate import snapshot

METHODS = "single_choice, approval, ranked, score, consent, dot_vote, meeting_time, discussion"


def _cases(now: datetime) -> list[Any]:
    later = (now + timedelta(days=3)).isoformat()
    base = {"title": "T", "method": "single_choice"}

    def slot(s: int, e: int) -> dict[str, str]:
        return {
            "starts_at": (now + timedelta(hours=s)).isoformat(),
            "ends_at": (now + timedelta(hours=e)).isoformat(),
        }

    return [
        ["not", "a", "dict"],
        {"method": "single_choice"},
        {"title": "T"},
        {**base, "colour": "red"},
        {**base, "method": "lottery"},
        {**base, "title": "Two\nlines"},
        {**base, "title": "x" * 301},
        {**base, "title": "  "},
        {**base, "description": "x" * 20001},
        {**base, "closes_at": (now - timedelta(minutes=1)).isoformat()},
        {**base, "closes_at": now.isoformat()},
        {**base, "closes_at": "tomorrow"},
        {**base, "quorum": 1.5},
        {**base, "quorum": -0.5},
        {**base, "quorum": "half"},
        {**base, "quorum": True},
        {**base, "quorum": None},
        {**base, "quorum": "NaN"},
        {**base, "quorum": "1e-13"},
        {**base, "quorum": "0.1000000000000000001"},
        {**base, "results_visibility": "never"},
        {**base, "ballot_secrecy": "hidden"},
        {**base, "comments": "maybe"},
        {**base, "method": "ranked", "counting": "borda"},
        {**base, "method": "score", "max_score": 0},
        {**base, "method": "score", "max_score": 101},
        {**base, "method": "score", "max_score": 2.5},
        {**base, "method": "score", "max_score": True},
        {**base, "method": "dot_vote", "dots": 0},
        {**base, "method": "dot_vote", "dots": 101},
        {**base, "method": "dot_vote", "dots_per_option": 0},
        {**base, "method": "dot_vote", "dots": 3, "dots_per_option": 4},
        {**base, "reminder_hours": 0},
        {**base, "reminder_hours": 721},
        {**base, "facilitator_votes": "yes"},
        {**base, "proposals_open": 1},
        {**base, "secret_receipts": None},
        {**base, "document_url": "ftp://example.org/x"},
        {**base, "document_url": "javascript:alert(1)"},
        {**base, "document_url": 5},
        {**base, "options": "A, B"},
        {**base, "options": [{"label": f"O{i}"} for i in range(101)]},
        {**base, "options": ["A"]},
        {**base, "options": [{"label": "A", "colour": "red"}]},
        {**base, "options": [{"label": "A"}, {"label": "a"}]},
        {**base, "options": [{"label": "A\nB"}]},
        {**base, "options": [{"label": "x" * 501}]},
        {**base, "options": [{"label": " "}]},
        {**base, "options": [{"label": "A", "description": "x" * 5001}]},
        {**base, "method": "consent", "options": [{"label": "A"}, {"label": "B"}]},
        {**base, "method": "meeting_time", "options": [slot(2, 1)]},
        {**base, "method": "meeting_time", "options": [slot(2, 2)]},
        {**base, "method": "meeting_time", "options": [{"ends_at": later}]},
        {**base, "method": "meeting_time", "options": [{**slot(1, 2), "label": "x" * 501}]},
    ]


EXPECTED: list[tuple[str, dict[str, str]]] = [
    ("The body must be a JSON object.", {"body": "Must be an object."}),
    ("title is required.", {"title": "This field is required."}),
    ("method is required.", {"method": "This field is required."}),
    ("Unknown field: colour.", {"colour": "Unknown field."}),
    (
        "Invalid method.",
        {"method": f"One of {METHODS}."},
    ),
    ("title must be one line.", {"title": "Must be one line, without line breaks or tabs."}),
    ("title is too long.", {"title": "At most 300 characters (301 given)."}),
    ("title is required.", {"title": "This field is required."}),
    ("description is too long.", {"description": "At most 20000 characters (20001 given)."}),
    ("The deadline has passed.", {"closes_at": "Must be in the future."}),
    ("The deadline has passed.", {"closes_at": "Must be in the future."}),
    (
        "closes_at is not a valid time.",
        {"closes_at": "Use ISO 8601 with an offset, e.g. 2009-12-18T17:00:00+01:00."},
    ),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "A number from 0 to 1."}),
    ("Invalid quorum.", {"quorum": "At most 12 decimal places."}),
    ("Invalid quorum.", {"quorum": "At most 18 decimal places."}),
    (
        "Invalid results_visibility.",
        {"results_visibility": "One of live, after_own_ballot, after_close."},
    ),
    ("Invalid ballot_secrecy.", {"ballot_secrecy": "One of open, secret."}),
    ("Invalid comments.", {"comments": "One of open, premoderated, closed."}),
    ("Invalid counting.", {"counting": "One of irv, schulze."}),
    ("Invalid max_score.", {"max_score": "A whole number from 1 to 100."}),
    ("Invalid max_score.", {"max_score": "A whole number from 1 to 100."}),
    ("Invalid max_score.", {"max_score": "A whole number from 1 to 100."}),
    ("Invalid max_score.", {"max_score": "A whole number from 1 to 100."}),
    ("Invalid dots.", {"dots": "A whole number from 1 to 100."}),
    ("Invalid dots.", {"dots": "A whole number from 1 to 100."}),
    ("Invalid dots_per_option.", {"dots_per_option": "A whole number from 1 to 100."}),
    (
        "The cap per option is larger than the dots.",
        {"dots_per_option": "At most the number of dots (3)."},
    ),
    ("Invalid reminder_hours.", {"reminder_hours": "A whole number from 1 to 720."}),
    ("Invalid reminder_hours.", {"reminder_hours": "A whole number from 1 to 720."}),
    ("Invalid facilitator_votes.", {"facilitator_votes": "Must be true or false."}),
    ("Invalid proposals_open.", {"proposals_open": "Must be true or false."}),
    ("Invalid secret_receipts.", {"secret_receipts": "Must be true or false."}),
    ("Invalid document_url.", {"document_url": "An http:// or https:// address."}),
    ("Invalid document_url.", {"document_url": "An http:// or https:// address."}),
    ("document_url must be text.", {"document_url": "Must be text."}),
    ("options must be a list.", {"options": "Must be a list."}),
    ("Too many options.", {"options": "At most 100."}),
    ("Each option is an object.", {"options.0": "Must be an object."}),
    ("Unknown option field.", {"options.0.colour": "Unknown."}),
    (
        "Two options have the same label.",
        {"options": "Labels must differ.", "options.1.label": "An earlier option has this label."},
    ),
    (
        "options.0.label must be one line.",
        {"options.0.label": "Must be one line, without line breaks or tabs."},
    ),
    ("options.0.label is too long.", {"options.0.label": "At most 500 characters (501 given)."}),
    ("options.0.label is required.", {"options.0.label": "This field is required."}),
    (
        "options.0.description is too long.",
        {"options.0.description": "At most 5000 characters (5001 given)."},
    ),
    (
        "A consent decision has at most one option, the proposal.",
        {"options": "At most one for a consent decision."},
    ),
    ("A slot ends after it starts.", {"options.0.ends_at": "Must be after the start."}),
    ("A slot ends after it starts.", {"options.0.ends_at": "Must be after the start."}),
    ("options.0.starts_at must be a time.", {"options.0.starts_at": "Must be an ISO 8601 string."}),
    ("options.0.label is too long.", {"options.0.label": "At most 500 characters (501 given)."}),
]


def test_each_refused_field_is_named_and_nothing_is_stored(
    network: dict[str, Any], clock: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    cases = _cases(clock.now)
    assert len(cases) == len(EXPECTED)
    before = snapshot()
    for body, expected in zip(cases, EXPECTED, strict=True):
        with pytest.raises(InvalidInput) as caught:
            decisions.create_decision(facilitator, body, clock.now)
        assert (caught.value.message, caught.value.fields) == expected, body
        db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"method": "ranked"}, {"counting": "irv", "max_score": None, "dots": None}),
        ({"method": "ranked", "counting": "schulze"}, {"counting": "schulze"}),
        ({"method": "ranked", "counting": None}, {"counting": "irv"}),
        ({"method": "score"}, {"max_score": 5, "counting": None}),
        ({"method": "score", "max_score": 10}, {"max_score": 10}),
        ({"method": "dot_vote"}, {"dots": 3, "dots_per_option": None}),
        (
            {"method": "dot_vote", "dots": 5, "dots_per_option": 5},
            {"dots": 5, "dots_per_option": 5},
        ),
        (
            {"ballot_secrecy": "secret", "results_visibility": "live"},
            {"results_visibility": "after_close"},
        ),
        ({"results_visibility": "live"}, {"results_visibility": "live", "ballot_secrecy": "open"}),
        ({"quorum": "0.50"}, {"quorum": "0.5"}),
        ({"quorum": 1}, {"quorum": "1"}),
        ({"quorum": "1e-12"}, {"quorum": "0.000000000001"}),
        ({"quorum": 0}, {"quorum": "0"}),
        (
            {"reminder_hours": 720, "comments": "premoderated"},
            {"reminder_hours": 720, "comments": "premoderated"},
        ),
        ({"reminder_hours": None}, {"reminder_hours": None}),
        (
            {"facilitator_votes": True, "proposals_open": True, "secret_receipts": True},
            {"facilitator_votes": True, "proposals_open": True, "secret_receipts": True},
        ),
        ({"closes_at": None}, {"closes_at": None}),
        ({"closes_at": ""}, {"closes_at": None}),
        (
            {"document_url": "https://example.org/a.pdf"},
            {"document_url": "https://example.org/a.pdf"},
        ),
        ({"document_url": None}, {"document_url": None}),
        ({"description": "  Why we ask.  "}, {"description": "Why we ask."}),
        ({"title": "  Where do we meet?  "}, {"title": "Where do we meet?"}),
    ],
)
def test_defaults_and_normal_forms(
    network: dict[str, Any], clock: Any, fields: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = {"title": "T", "method": "single_choice", **fields}
    decision = decisions.create_decision(network["people"]["facilitator"], body, clock.now)
    db.session.commit()
    stored = db.session.get(Decision, decision.id)
    assert stored is not None
    assert {key: getattr(stored, key) for key in expected} == expected
    assert (stored.status, stored.created_at, stored.created_by_id) == (
        "draft",
        clock.now,
        network["people"]["facilitator"].id,
    )


def test_a_meeting_slot_without_a_label_is_named_by_its_time(
    network: dict[str, Any], clock: Any
) -> None:
    starts = datetime.fromisoformat("2030-01-15T09:00:00+00:00")
    body = {
        "title": "When do we meet?",
        "method": "meeting_time",
        "options": [
            {"starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat()},
            {
                "starts_at": (starts + timedelta(days=1)).isoformat(),
                "ends_at": (starts + timedelta(days=1, hours=2)).isoformat(),
                "label": "  Wednesday morning ",
                "description": "In Utrecht",
            },
        ],
    }
    decision = decisions.create_decision(
        network["people"]["facilitator"], body, clock.now, zone="Europe/Amsterdam"
    )
    db.session.commit()
    options = [(o.label, o.description, o.starts_at, o.ends_at) for o in decision.options]
    assert options == [
        ("Tue 2030-01-15 10:00–12:00 CET", "", starts, starts + timedelta(hours=2)),
        (
            "Wednesday morning",
            "In Utrecht",
            starts + timedelta(days=1),
            starts + timedelta(days=1, hours=2),
        ),
    ]
    entry = db.session.execute(select(Event).where(Event.kind == "decision.created")).scalar_one()
    assert (entry.subject, entry.data, entry.at) == (
        f"decision:{decision.id}",
        {"method": "meeting_time", "options": 2},
        clock.now,
    )
