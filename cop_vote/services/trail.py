"""A decision's audit trail as members may read it, straight from the event log.

Every member sees when a decision was opened, changed, closed, reopened,
published, amended or withdrawn, how many comments were reviewed, flagged or hidden, objections
lodged, and the ballots: for an open ballot which organisation cast or
changed its ballot and when; for a secret ballot only that a ballot was cast
or changed, never by whom (the participation page says who voted at all).
Each entry carries its hash, so anyone can hold the trail against an anchor.
Reading the trail writes nothing to the log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Comment, Event, Organisation, Person
from .decisions import get_decision

#: Entry kinds shown to members (others, such as reminders, are the facilitator's business).
SHOWN = (
    "decision.created",
    "decision.opened",
    "decision.updated",
    "decision.closed",
    "decision.published",
    "decision.withdrawn",
    "decision.reopened",
    "decision.amended",
    "decision.elector_added",
    "ballots.sealed",
    "objection.lodged",
    "option.proposed",
    "option.merged",
    "ballot.cast",
    "ballot.change",
    "ballot.withdraw",
    "ballot.record",
    "interest.declared",
    "interest.withdrawn",
)


@dataclass(frozen=True)
class TrailEntry:
    """One entry of the trail: what happened, when, to whom it is credited."""

    id: int
    at: datetime
    kind: str
    organisation: str | None
    details: dict[str, Any]
    hash: str
    #: A deadline the entry set (``decision.updated``), for showing in local time.
    closes_at: datetime | None = None


@dataclass(frozen=True)
class Trail:
    """The entries of one decision, oldest first, and the review counts of its comments."""

    entries: list[TrailEntry]
    reviews: dict[str, int]


def decision_trail(viewer: Person | None, decision_id: int) -> Trail:
    """The audit trail of a decision ``viewer`` may see.

    :raises NotFound: no such decision visible to ``viewer``.
    """
    decision = get_decision(viewer, decision_id)
    secret = decision.ballot_secrecy == "secret"
    events = db.session.execute(
        select(Event)
        .where(Event.subject == f"decision:{decision.id}", Event.kind.in_(SHOWN))
        .order_by(Event.id)
    ).scalars()
    names: dict[int, str] = {
        org_id: name
        for org_id, name in db.session.execute(select(Organisation.id, Organisation.name))
    }
    entries: list[TrailEntry] = []
    for event in events:
        data = dict(event.data or {})
        organisation = None
        details: dict[str, Any]
        closes_at: datetime | None = None
        if event.kind.startswith("ballot.") or event.kind == "decision.elector_added":
            org = data.get("organisation_id")
            organisation = None if secret else names.get(org) if isinstance(org, int) else None
            details = {"version": data.get("version")} if not secret else {}
            if event.kind == "decision.elector_added":  # announced, also in a secret decision
                organisation = names.get(org) if isinstance(org, int) else None
                details = {}
        elif event.kind.startswith("interest."):  # declared in the open, also when secret
            org = data.get("organisation")
            organisation = names.get(org) if isinstance(org, int) else None
            details = {}
        elif event.kind == "decision.reopened":
            deadline = data.get("closes_at")
            details = {}
            if isinstance(deadline, str):
                closes_at = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
        elif event.kind == "decision.updated":
            fields = list(data.get("fields") or [])
            details = {"fields": fields}
            deadline = data.get("closes_at")
            if "closes_at" in fields and isinstance(deadline, str):
                details["closes_at"] = deadline
                closes_at = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
        elif event.kind == "ballots.sealed":
            details = {"ballots": data.get("ballots")}
        elif event.kind == "decision.closed":
            details = {"by": data.get("by")}
        else:
            details = {}
        entries.append(
            TrailEntry(event.id, event.at, event.kind, organisation, details, event.hash, closes_at)
        )
    subjects = [
        f"comment:{i}"
        for i in db.session.execute(
            select(Comment.id).where(Comment.decision_id == decision.id)
        ).scalars()
    ]
    reviews: Counter[str] = Counter()
    if subjects:
        for data in db.session.execute(
            select(Event.data).where(Event.kind == "comment.reviewed", Event.subject.in_(subjects))
        ).scalars():
            reviews[str((data or {}).get("review", ""))] += 1
    return Trail(entries, dict(reviews))
