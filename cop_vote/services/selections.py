"""A published outcome's ordered options and its dated history.

Publishing (:func:`cop_vote.services.transitions.publish_decision`), amending
and reopening (:mod:`cop_vote.services.outcomes`) write through here: the
ordered list of options is checked against the decision, stored as its
``selection`` (the first is also ``outcome_option_id``, as before several
options could be published), and each act is kept as an
:class:`~cop_vote.models.OutcomeHistory` entry that is never changed. Functions
flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..database import MAX_ID
from ..domain import selection
from ..domain.errors import InvalidInput, Message
from ..extensions import db
from ..models import Decision, Option, OutcomeHistory, Person, SelectedOption
from .text import clean

#: The longest stated reason for a reopening or an amendment, in characters.
REASON_LENGTH = 5000


def _option_of(decision: Decision, raw: Any, field: str) -> Option:
    """The option of ``decision`` whose id is ``raw``.

    :raises InvalidInput: named ``field``: not a whole number, or no option of this decision.
    """
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        raise InvalidInput(
            Message("An option is given by its id."), {field: Message("An option's id.")}
        )
    found = next((o for o in decision.options if o.id == raw), None)
    if found is None:
        raise InvalidInput(
            "Unknown option.", {field: f"{raw!r} is not an option of this decision."}
        )
    return found


def chosen_options(decision: Decision, option_id: Any, option_ids: Any) -> list[Option]:
    """The options a publication or amendment names, in their order.

    :param option_id: the single ``option`` (an id or ``None``), as the API
        took it before several options could be published.
    :param option_ids: the ordered ``options`` (a list of ids), or ``None``
        when not given. When both are given, ``option`` must be the first of
        ``options``.
    :returns: the options, best first; ``[]`` for "no option chosen".
    :raises InvalidInput: field ``option`` or ``options`` (``options.2``): not
        an option of this decision, named twice, more than the decision
        selects, or an ``option`` that is not the first of ``options``.
    """
    if option_ids is None:
        return [] if option_id is None else [_option_of(decision, option_id, "option")]
    if not isinstance(option_ids, list):
        raise InvalidInput(
            Message("options must be a list of option ids."), {"options": Message("A list.")}
        )
    chosen = [_option_of(decision, raw, f"options.{i}") for i, raw in enumerate(option_ids)]
    selection.check_published([o.id for o in chosen], decision.selects)
    if option_id is not None and (not chosen or chosen[0].id != option_id):
        raise InvalidInput(
            Message("option must be the first of options when both are given."),
            {"option": Message("The first of options, or left out.")},
        )
    return chosen


def reason(raw: Any) -> str:
    """A stated reason (for a reopening or an amendment): required text.

    :raises InvalidInput: field ``reason``: blank, not text, or too long.
    """
    return clean(raw, "reason", max_length=REASON_LENGTH)


def set_outcome(decision: Decision, options: Sequence[Option], statement: str) -> None:
    """Make ``options`` (in order) and ``statement`` the decision's outcome."""
    decision.outcome_option_id = options[0].id if options else None
    decision.outcome_statement = statement
    decision.selection.clear()
    db.session.flush()  # the old places go before the new ones take them
    decision.selection.extend(
        SelectedOption(position=i, option_id=o.id) for i, o in enumerate(options)
    )
    db.session.flush()


def add_history(
    decision: Decision,
    kind: str,
    actor: Person | None,
    at: datetime,
    **values: Any,
) -> OutcomeHistory:
    """Keep one dated entry of the decision's outcome history.

    :param kind: ``"published"``, ``"amended"`` or ``"reopened"``.
    :param values: ``option_ids``, ``statement``, ``reason``, ``closed_at``,
        ``closes_at`` as the kind has them.
    """
    entry = OutcomeHistory(
        decision_id=decision.id,
        kind=kind,
        at=at,
        actor_id=actor.id if actor is not None else None,
        **values,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def published_options(decision: Decision) -> list[Option]:
    """The published options in their order; ``[]`` unless the decision is
    published (read here, so that a page's template sends no query)."""
    if decision.status != "published":
        return []
    return list(decision.selected_options)


def history(decision_ids: Sequence[int]) -> dict[int, list[OutcomeHistory]]:
    """The outcome history of each decision, oldest first, in one query."""
    found: dict[int, list[OutcomeHistory]] = {i: [] for i in decision_ids}
    if not decision_ids:
        return found
    for entry in db.session.execute(
        select(OutcomeHistory)
        .where(OutcomeHistory.decision_id.in_(list(decision_ids)))
        .order_by(OutcomeHistory.id)
    ).scalars():
        found[entry.decision_id].append(entry)
    return found
