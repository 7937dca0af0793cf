"""Reopening a closed decision and amending a published outcome, each with a stated reason.

Both are facilitator acts on one decision, written like every lifecycle
change: lock the decision, read it afresh, take the clock, decide, write.
Each is kept in the outcome history (the original stays visible beside what
replaced it), logged (``decision.reopened``, ``decision.amended``; the texts
as digests, like statements) and announced by mail to the representatives
of the electorate (written to the outbox with the change, see
:mod:`cop_vote.services.notify`).

A secret decision cannot be reopened once closed: the close cut its ballots
from their organisations (:mod:`cop_vote.services.sealing`), so no
organisation could see or change its ballot again, and a ballot cast after
reopening would be countable by subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain import lifecycle
from ..domain.errors import InvalidInput, Message
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Decision, Person
from . import audit, sealing, selections
from .access import require_facilitator
from .decisions import get_decision, status_of
from .text import clean
from .timefmt import Now, instant, iso_utc, parse_instant
from .transitions import record_close

#: The fields of an amendment (API.md, "Decisions": ``POST .../amend``).
AMEND_FIELDS = ("reason", "option", "options", "statement")


def reopen_decision(
    actor: Person | None,
    decision_id: int,
    closes_at: Any,
    reason: Any,
    now: Now,
    *,
    zone: str | None = None,
) -> Decision:
    """closed (not yet published) → open again, with a new deadline and a stated reason.

    The electorate stays the one fixed at opening, and every ballot stays as
    it was: organisations may cast or change theirs until the new deadline.
    A decision past its deadline that no write has closed yet is closed at
    its deadline first, so the log shows the close that is undone.

    :param closes_at: the new deadline, in the future (ISO 8601 with an
        offset, or a wall-clock time in ``zone``).
    :param reason: why it is reopened, required; shown with the decision.
    :raises InvalidInput: a blank reason, or a deadline missing, unreadable or past.
    :raises TransitionNotAllowed: the decision is not closed (or is published).
    :raises BallotsSealed: a secret decision: its ballots were cut from their
        organisations at close.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    why = selections.reason(reason)
    if closes_at in (None, ""):
        raise InvalidInput(
            Message("A reopened decision needs a new deadline."),
            {"closes_at": Message("Give a time in the future.")},
        )
    deadline = parse_instant(closes_at, "closes_at", local_zone=zone)
    if deadline <= at:
        raise InvalidInput(
            Message("The deadline has passed."), {"closes_at": Message("Must be in the future.")}
        )
    lifecycle.check_reopen(status_of(decision, at), secret=sealing.is_secret(decision))
    if decision.status == Status.OPEN.value:  # past its deadline, the close not yet written
        record_close(decision, None, at)
    closed_at = decision.closed_at
    decision.status = Status.OPEN.value
    decision.closes_at = deadline
    decision.closed_at = None
    selections.add_history(
        decision, "reopened", actor, at, reason=why, closed_at=closed_at, closes_at=deadline
    )
    db.session.flush()
    audit.record(
        "decision.reopened",
        f"decision:{decision.id}",
        actor,
        {
            "closed_at": iso_utc(closed_at),
            "closes_at": iso_utc(deadline),
            "reason_digest": audit.text_digest(why),
        },
        at=at,
    )
    return decision


def amend_outcome(
    actor: Person | None, decision_id: int, data: Mapping[str, Any], now: Now
) -> Decision:
    """Amend a published outcome: other option(s) and/or statement, with a stated reason.

    The publication and every earlier amendment stay in the outcome history.

    :param data: ``{"reason", "options"?, "option"?, "statement"?}``: the
        options in their order (as for publishing, at most the decision's
        ``selects``; ``[]`` or ``option: null`` for none) and the new
        statement; what is left out stays as it is.
    :raises InvalidInput: an unknown field, a blank reason or statement, a
        bad option, or an amendment that changes nothing.
    :raises TransitionNotAllowed: the decision is not published.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    if not isinstance(data, Mapping):
        raise InvalidInput("The body must be a JSON object.", {"body": "Must be an object."})
    unknown = [k for k in data if k not in AMEND_FIELDS]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {k: "Unknown field." for k in unknown}
        )
    why = selections.reason(data.get("reason"))
    current = [s.option for s in decision.selection]
    if "option" in data or "options" in data:
        chosen = selections.chosen_options(decision, data.get("option"), data.get("options"))
    else:
        chosen = current
    statement = decision.outcome_statement or ""
    if "statement" in data:
        statement = clean(data["statement"], "statement", max_length=20000)
    if [o.id for o in chosen] == [o.id for o in current] and statement == (
        decision.outcome_statement or ""
    ):
        raise InvalidInput(
            Message("The amendment changes nothing: give other options or another statement."),
            {
                "statement": Message(
                    "This changes nothing: give other options or another statement."
                )
            },
        )
    lifecycle.check_amend(status_of(decision, at))
    selections.set_outcome(decision, chosen, statement)
    selections.add_history(
        decision,
        "amended",
        actor,
        at,
        option_ids=[o.id for o in chosen],
        statement=statement,
        reason=why,
    )
    db.session.flush()
    audit.record(
        "decision.amended",
        f"decision:{decision.id}",
        actor,
        {
            "option": decision.outcome_option_id,
            "options": [o.id for o in chosen],
            "statement_digest": audit.text_digest(statement),
            "reason_digest": audit.text_digest(why),
        },
        at=at,
    )
    return decision
