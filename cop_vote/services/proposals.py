"""Member proposals: options proposed by organisations before voting opens.

A draft with ``proposals_open`` is in its proposal phase
(:func:`cop_vote.services.decisions.in_proposal_phase`): representatives see
it, and each proposal becomes an option credited to the proposer's
organisation (``Option.proposed_by_id``). The facilitator merges duplicates:
the duplicate is removed, the kept option's description credits the
duplicate's organisation, comments on the duplicate move to the kept option,
and the merge is logged. Opening the decision ends the phase.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update

from ..database import is_id
from ..domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Comment, Decision, Option, Person
from . import audit
from .access import require_facilitator, require_member
from .decisions import get_decision, in_proposal_phase, status_of
from .text import clean

#: The most options a decision may have (as for a drafted decision).
MAX_OPTIONS = 100
#: How a merged duplicate's organisation is credited on the kept option.
ALSO_PROPOSED = "(also proposed by {name})"


def propose_option(
    actor: Person | None,
    decision_id: int,
    label: Any,
    description: Any,
    now: datetime,
) -> Option:
    """Add an option to a decision in its proposal phase, credited to the
    actor's organisation. One organisation may propose several options.

    :param label: the option's label (required, at most 500 characters).
    :param description: optional, at most 5000 characters.
    :raises NotAllowed: an observer, or a person without an organisation.
    :raises NotFound: no such decision, or not visible to ``actor``.
    :raises InvalidInput: a bad ``label`` or ``description``, or a label that
        an option of the decision already has.
    :raises Conflict: the decision is not in its proposal phase (open, closed,
        an ordinary draft seen by the facilitator), is a meeting time, is a
        consent decision that has its proposal already, or has the most
        options a decision may have.
    """
    actor = require_member(actor)
    if actor.organisation_id is None:
        raise NotAllowed("Only representatives of member organisations may do this.")
    decision = get_decision(actor, decision_id, lock=True)
    text = clean(label, "label", max_length=500, single_line=True)
    about = clean(description, "description", max_length=5000, required=False)
    _check_phase(decision, now)
    if decision.method == "meeting_time":
        raise Conflict("The time slots of a meeting time are set by the facilitator.")
    if decision.method == "consent" and decision.options:
        raise Conflict("A consent decision has one option, the proposal; it has it already.")
    if any(o.label.casefold() == text.casefold() for o in decision.options):
        raise InvalidInput(
            "An option with this label exists already.",
            {"label": "An option with this label exists already."},
        )
    if len(decision.options) >= MAX_OPTIONS:
        raise Conflict(f"A decision has at most {MAX_OPTIONS} options.")
    position = max((o.position for o in decision.options), default=-1) + 1
    option = Option(
        label=text,
        description=about,
        position=position,
        proposed_by_id=actor.organisation_id,
        proposed_by_name=actor.organisation.name if actor.organisation else None,
    )
    decision.options.append(option)
    db.session.flush()
    audit.record(
        "option.proposed",
        f"decision:{decision.id}",
        actor,
        {"option": option.id, "organisation": actor.organisation_id},
        at=now,
    )
    return option


def merge_options(
    actor: Person | None,
    decision_id: int,
    duplicate_id: Any,
    into_id: Any,
    now: datetime,
) -> Decision:
    """Merge option ``duplicate_id`` into option ``into_id`` (facilitator, draft).

    The duplicate is deleted; the kept option's description gains "(also
    proposed by X)" for the duplicate's organisation (and keeps the credits
    the duplicate already carried); comments on the duplicate move to the
    kept option. Logged as ``option.merged``.

    :raises NotAllowed: anyone but a facilitator.
    :raises NotFound: no such decision, or ``duplicate_id`` is not one of its options.
    :raises InvalidInput: field ``into``: not another option of this decision.
    :raises Conflict: the decision is no longer a draft.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    by_id = {o.id: o for o in decision.options}
    duplicate = by_id.get(duplicate_id) if is_id(duplicate_id) else None
    if duplicate is None:
        raise NotFound(f"No option {duplicate_id} in decision {decision_id}.")
    into = by_id.get(into_id) if is_id(into_id) else None
    if into is None:
        raise InvalidInput(
            "Unknown option to merge into.",
            {"into": f"{into_id!r} is not an option of this decision."},
        )
    if into.id == duplicate.id:
        raise InvalidInput(
            "An option cannot be merged into itself.", {"into": "Choose another option."}
        )
    if status_of(decision, now) is not Status.DRAFT:
        raise Conflict("Options can be merged only while the decision is a draft.")
    credits = [line for line in duplicate.description.splitlines() if _is_credit(line)]
    proposer = duplicate.proposed_by
    if proposer is not None and duplicate.proposed_by_id != into.proposed_by_id:
        credits.insert(0, ALSO_PROPOSED.format(name=proposer.short_name or proposer.name))
    existing = set(into.description.splitlines())
    new_credits = [c for c in dict.fromkeys(credits) if c not in existing]
    if new_credits:
        into.description = "\n".join(filter(None, [into.description, *new_credits]))
    db.session.execute(
        update(Comment).where(Comment.option_id == duplicate.id).values(option_id=into.id)
    )
    decision.options.remove(duplicate)
    for position, option in enumerate(decision.options):
        option.position = position
    db.session.flush()
    audit.record(
        "option.merged",
        f"decision:{decision.id}",
        actor,
        {
            "duplicate": duplicate_id,
            "into": into.id,
            "organisation": duplicate.proposed_by_id,
            # The kept option carries only the credit; the duplicate's own
            # wording stays readable here, in the decision's trail.
            "label": duplicate.label,
            "description": duplicate.description,
        },
        at=now,
    )
    return decision


def _check_phase(decision: Decision, now: datetime) -> None:
    if status_of(decision, now) is not Status.DRAFT or not in_proposal_phase(decision):
        raise Conflict("This decision does not take proposals now.")


def _is_credit(line: str) -> bool:
    prefix, _sep, _rest = ALSO_PROPOSED.partition("{name}")
    return line.startswith(prefix) and line.endswith(")")
