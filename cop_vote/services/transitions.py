"""A decision's lifecycle transitions: open, close (by the facilitator or at
its deadline), publish the outcome, withdraw. Each takes the decision's lock,
reads it afresh, checks the transition against :mod:`cop_vote.domain.lifecycle`,
and writes the change with its log entry; drafting and editing are in
:mod:`.decisions`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..domain import lifecycle
from ..domain.errors import Conflict, Message
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import (
    Decision,
    Elector,
    Person,
)
from . import audit, rule_fields, sealing, selections
from .access import require_facilitator
from .decisions import (
    NO_OPTIONS_METHODS,
    eligible_organisations,
    get_decision,
    lock_afresh,
    status_of,
)
from .text import clean
from .timefmt import Now, instant, iso_utc


def open_decision(actor: Person | None, decision_id: int, now: Now) -> Decision:
    """draft → open. Fixes the electorate: the voting organisations active now.

    :raises Conflict: not a draft, too few options for the method, a
        deadline that has already passed, or a double majority among a kind
        that no organisation of the electorate has.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    now = instant(now)
    lifecycle.check_transition(status_of(decision, now), Status.OPEN)
    needed = 0 if decision.method in NO_OPTIONS_METHODS else 2
    if len(decision.options) < needed:
        raise Conflict(
            Message(
                "A decision needs at least %(needed)s options to open.",
                method=decision.method,
                needed=needed,
            )
        )
    if decision.closes_at is not None and decision.closes_at <= now:
        raise Conflict(Message("The deadline has passed; set a later one before opening."))
    if decision.selects > 1 and decision.selects > len(decision.options):
        raise Conflict(
            Message(
                "This decision selects %(selects)s options; it needs at least as many to open.",
                selects=decision.selects,
            )
        )
    electorate = eligible_organisations(decision)
    rule_fields.check_electorate(decision, {o.kind for o in electorate})
    decision.electorate = [Elector(organisation_id=o.id, kind=o.kind) for o in electorate]
    decision.status = Status.OPEN.value
    decision.proposals_open = False  # opening ends the proposal phase
    decision.opened_at = now
    db.session.flush()
    audit.record(
        "decision.opened",
        f"decision:{decision.id}",
        actor,
        {
            "electorate": sorted(e.organisation_id for e in decision.electorate),
            "closes_at": iso_utc(decision.closes_at),
        },
        at=now,
    )
    return decision


def close_decision(actor: Person | None, decision_id: int, now: Now) -> Decision:
    """open → closed now; a decision already past its deadline is closed at it.

    :raises TransitionNotAllowed: when the decision is not open (or past due).
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    now = instant(now)
    if decision.status != Status.OPEN.value:
        lifecycle.check_transition(decision.status, Status.CLOSED)
    record_close(decision, actor, now)
    return decision


def record_close(decision: Decision, actor: Person | None, now: datetime) -> None:
    """Record the close and, for a secret ballot, make the cut (services/sealing.py)."""
    closed_at = now
    if decision.closes_at is not None and decision.closes_at <= now:
        closed_at = decision.closes_at
    decision.status = Status.CLOSED.value
    decision.closed_at = closed_at
    db.session.flush()
    audit.record(
        "decision.closed",
        f"decision:{decision.id}",
        actor,
        {"closed_at": iso_utc(closed_at), "by": "facilitator" if actor else "deadline"},
        at=now,
    )
    sealing.seal_ballots(decision, now)


def close_due(now: Now) -> list[Decision]:
    """Close every open decision whose deadline has passed (``cop close-due``).

    Each decision is locked and re-read before it is closed, so a decision a
    facilitator extended or closed meanwhile is left as they left it.

    :returns: the decisions closed by this call; safe to run twice.
    """
    candidates = db.session.execute(
        select(Decision.id).where(
            Decision.status == Status.OPEN.value,
            Decision.closes_at.is_not(None),
            Decision.closes_at <= instant(now),
        )
    ).scalars()
    closed: list[Decision] = []
    for decision_id in list(candidates):
        decision = lock_afresh(decision_id)
        at = instant(now)
        if decision.status == Status.OPEN.value and status_of(decision, at) is Status.CLOSED:
            record_close(decision, None, at)
            closed.append(decision)
    return closed


def publish_decision(
    actor: Person | None,
    decision_id: int,
    option_id: Any,
    statement: Any,
    now: Now,
    *,
    option_ids: Any = None,
) -> Decision:
    """closed → published with the chosen option(s) (or none) and a statement.

    :param option_id: an option of this decision, or ``None`` (no option chosen).
    :param option_ids: the chosen options in their order (a list of ids, at
        most the decision's ``selects``), or ``None``; with both, ``option_id``
        must be the first (:func:`cop_vote.services.selections.chosen_options`).
    :param statement: the outcome statement, required.
    :raises InvalidInput: an option of another decision, too many options, or
        a blank statement.
    :raises TransitionNotAllowed: when the decision is not closed.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    now = instant(now)
    text = clean(statement, "statement", max_length=20000)
    chosen = selections.chosen_options(decision, option_id, option_ids)
    lifecycle.check_transition(status_of(decision, now), Status.PUBLISHED)
    if decision.status == Status.OPEN.value:  # deadline passed, not yet recorded
        record_close(decision, None, now)
    decision.status = Status.PUBLISHED.value
    selections.set_outcome(decision, chosen, text)
    decision.published_at = now
    selections.add_history(
        decision, "published", actor, now, option_ids=[o.id for o in chosen], statement=text
    )
    db.session.flush()
    # The totals as published go into the log, so a later change of the ballots
    # is caught by a recount (``cop recount``). Imported here: results needs us.
    from .ballot_record import totals_digest
    from .results import count

    result = count(decision, fresh=True)
    entry = audit.record(
        "decision.published",
        f"decision:{decision.id}",
        actor,
        {
            "option": decision.outcome_option_id,
            "options": [o.id for o in chosen],
            "statement_digest": audit.text_digest(text),
            "ballots_cast": result.ballots_cast,
            "winners": result.winners,
            "totals_digest": totals_digest(result),
        },
        at=now,
    )
    # The log's head right after publication: shown with the outcome and mailed,
    # so that a copy lives outside the database (``verify-log --anchor``).
    decision.published_log_hash = entry.hash
    db.session.flush()
    return decision


def withdraw_decision(actor: Person | None, decision_id: int, statement: Any, now: Now) -> Decision:
    """draft or open → withdrawn, with a statement that says why."""
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    now = instant(now)
    text = clean(statement, "statement", max_length=20000)
    lifecycle.check_transition(status_of(decision, now), Status.WITHDRAWN)
    decision.status = Status.WITHDRAWN.value
    decision.outcome_statement = text
    decision.withdrawn_at = now
    db.session.flush()
    audit.record(
        "decision.withdrawn",
        f"decision:{decision.id}",
        actor,
        {"statement_digest": audit.text_digest(text)},
        at=now,
    )
    if decision.opened_at is not None:
        sealing.seal_ballots(decision, now)  # a withdrawn secret ballot stays secret too
    return decision
