"""Changes in the open (issue 10, part 3): each change made to a decision after
it opened is kept as a dated note (:class:`~cop_vote.models.DecisionChange`),
shown on its page and in the API, logged with the change, and mailed
(:mod:`cop_vote.services.change_mail`).

The notes are written by the one write path of each change:
:func:`cop_vote.services.decisions.update_decision` (a later deadline, the
description, an option's wording) and
:func:`cop_vote.services.latecomers.add_organisation` (the electorate).
Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Decision, DecisionChange, Person
from .timefmt import iso_utc


@dataclass(frozen=True)
class Before:
    """What an open decision's notes compare with: its wording before a change."""

    closes_at: datetime | None
    description: Any
    translations: Any
    options: dict[int, tuple[str, Any, Any]]


def before(decision: Decision) -> Before:
    """The parts of ``decision`` a change note is about, as they are now."""
    return Before(
        decision.closes_at,
        decision.description,
        dict(decision.translations or {}),
        {o.id: (o.label, o.description, dict(o.translations or {})) for o in decision.options},
    )


def note_update(
    decision: Decision, was: Before, actor: Person | None, now: datetime
) -> list[DecisionChange]:
    """Write a note for each thing an update of an open decision changed.

    :param was: :func:`before`, taken before the change was applied.
    :returns: the notes written (flushed): a later deadline, the description
        (or its translation), each option whose wording changed; none when
        the update changed nothing that members read (a reminder setting).
    """
    notes: list[DecisionChange] = []

    def add(kind: str, details: dict[str, Any]) -> None:
        notes.append(
            DecisionChange(
                decision_id=decision.id,
                at=now,
                kind=kind,
                actor_id=actor.id if actor is not None else None,
                details=details,
            )
        )

    if decision.closes_at != was.closes_at:
        add("deadline", {"from": iso_utc(was.closes_at), "to": iso_utc(decision.closes_at)})
    if decision.description != was.description or _retranslated(
        was.translations, decision.translations, ("description",)
    ):
        add("description", {})
    for option in decision.options:
        old = was.options.get(option.id)
        if old is None:
            continue
        if (option.label, option.description) != old[:2] or _retranslated(
            old[2], option.translations, ("label", "description")
        ):
            add("option", {"option_id": option.id, "before": old[0], "after": option.label})
    db.session.add_all(notes)
    db.session.flush()
    return notes


def _retranslated(before: Any, after: Any, fields: tuple[str, ...]) -> bool:
    """Whether a translation readers had (one of ``fields`` in a language) was
    changed or removed; a translation added where there was none rewords nothing."""
    for lang, texts in (before or {}).items():
        now = (after or {}).get(lang) or {}
        for name in fields:
            if (texts or {}).get(name) and (texts or {}).get(name) != now.get(name):
                return True
    return False


def note_addition(
    decision: Decision, organisation_id: int, name: str, actor: Person | None, now: datetime
) -> DecisionChange:
    """Write the note of an organisation added to the electorate (flushed)."""
    note = DecisionChange(
        decision_id=decision.id,
        at=now,
        kind="electorate",
        actor_id=actor.id if actor is not None else None,
        details={"organisation_id": organisation_id, "organisation": name},
    )
    db.session.add(note)
    db.session.flush()
    return note


def notes_of(decision_ids: Sequence[int]) -> dict[int, list[DecisionChange]]:
    """Each decision's change notes, oldest first, by decision id: one query."""
    found: dict[int, list[DecisionChange]] = {i: [] for i in decision_ids}
    if not decision_ids:
        return found
    rows = db.session.execute(
        select(DecisionChange)
        .where(DecisionChange.decision_id.in_(list(decision_ids)))
        .order_by(DecisionChange.at, DecisionChange.id)
    ).scalars()
    for row in rows:
        found[row.decision_id].append(row)
    return found


def notes_by_id(ids: Sequence[int]) -> list[DecisionChange]:
    """The notes with these ids, oldest first (a mail names the notes it is about)."""
    if not ids:
        return []
    return list(
        db.session.execute(
            select(DecisionChange)
            .where(DecisionChange.id.in_(list(ids)))
            .order_by(DecisionChange.at, DecisionChange.id)
        ).scalars()
    )
