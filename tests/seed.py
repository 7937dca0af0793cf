"""A seeded network for tests that walk every route: the kick-off demo with a
ballot, comments, a report, a published decision and a draft.

:func:`seed` returns the identifiers that fill the routes of ``app.url_map``
(:meth:`Seeded.path_args`), so a test can visit every route with real objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.models import Decision, Person
from cop_vote.services import (
    ballots,
    comments,
    decisions,
    meetings,
    moderation,
    network,
    org_people,
    transitions,
)
from cop_vote.services import organisations as org_service

#: Who signs in for each role, by e-mail address (the observer is added by :func:`seed`).
ROLES = ("facilitator", "representative", "observer")


@dataclass
class Seeded:
    """Identifiers of the seeded network."""

    decisions: dict[str, int]
    people: dict[str, Person]
    comment: int
    meeting: int
    slug: str
    extra: dict[str, Any] = field(default_factory=dict)

    def path_args(
        self, arguments: set[str], decision: str = "open", **overrides: Any
    ) -> dict[str, Any] | None:
        """Values for a rule's arguments, or ``None`` when the rule needs one we lack.

        :param overrides: values to use instead, e.g. another ``person_id``.
        """
        known: dict[str, Any] = {
            "decision_id": self.decisions[decision],
            "comment_id": self.comment,
            "meeting_id": self.meeting,
            "action_id": self.extra.get("action"),
            "person_id": self.people["representative"].id,
            "slug": self.slug,
            "filename": "css/site.css",
            **overrides,
        }
        known = {name: value for name, value in known.items() if value is not None}
        if not arguments <= set(known):
            return None
        return {name: known[name] for name in arguments}


def seed(app: Flask, now: datetime) -> Seeded:
    """Load the kick-off demo and add what every page needs something to show.

    * ``open``: the decision on the form (single choice) with a ballot, a
      comment, a reply and a report;
    * ``live``: the dot vote (results visible while open);
    * ``published``: the meeting-time decision, closed and published;
    * ``discussion``: the feedback round; ``draft``: a draft taking proposals.
    """
    with notifications.suppressed():
        network.load_demo(now)
        db.session.flush()
        people = list(db.session.execute(select(Person).order_by(Person.id)).scalars())
        facilitator = next(p for p in people if p.role == "facilitator")
        representative = next(p for p in people if p.email == "amina.warsame@adpc.example.org")
        colleague = next(p for p in people if p.email == "marieke.dijkstra@stro.example.org")
        observer = org_service.create_person(
            facilitator,
            {"name": "Olu Observer", "email": "olu@partner.example.org", "role": "observer"},
        )
        by_method = {d.method: d for d in db.session.execute(select(Decision)).scalars()}
        form = by_method["single_choice"]
        ballots.cast_ballot(representative, form.id, {"option": form.options[0].id}, now)
        comment = comments.add_comment(representative, form.id, "We prefer a foundation.", now)
        comments.add_comment(colleague, form.id, "Why a foundation?", now, parent_id=comment.id)
        moderation.report_comment(colleague, comment.id, "Please look at this.", now)
        slot = by_method["meeting_time"]
        transitions.close_decision(facilitator, slot.id, now)
        transitions.publish_decision(facilitator, slot.id, slot.options[0].id, "We meet then.", now)
        draft = decisions.create_decision(
            facilitator,
            {
                "title": "Name of the network",
                "method": "approval",
                "proposals_open": True,
                "options": [{"label": "CoP Migration and Development"}],
            },
            now,
        )
        meeting = meetings.list_meetings()[0]
        # The representative leads their organisation ("Our organisation").
        org_people.name_lead(facilitator, representative.organisation.slug, representative.id, now)
        # The kick-off had the form of the cooperation and the draft on its agenda
        # (the pages that show an agenda are walked with one, a draft among it).
        for on_agenda in (form.id, draft.id):
            meetings.link_decision(facilitator, meeting.id, on_agenda, now)
        db.session.commit()
    return Seeded(
        decisions={
            "open": form.id,
            "live": by_method["dot_vote"].id,
            "published": slot.id,
            "discussion": by_method["discussion"].id,
            "draft": draft.id,
        },
        people={"facilitator": facilitator, "representative": representative, "observer": observer},
        comment=comment.id,
        meeting=meeting.id,
        slug=representative.organisation.slug if representative.organisation else "adpc",
        extra={"colleague": colleague, "action": meeting.actions[0].id},
    )
