"""Decisions: drafting and editing, visibility and electorate; the lifecycle
transitions are in :mod:`.transitions`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from .. import database
from ..domain import lifecycle
from ..domain.errors import Conflict, FieldProblems, InvalidInput, Message, NotFound
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import (
    Decision,
    DecisionChange,
    Elector,
    Option,
    Organisation,
    Person,
)
from . import audit, change_notes, rule_fields, translations
from .access import require_facilitator
from .decision_fields import apply_data, blank_draft, check_values, refuse_unknown
from .decision_options import (
    check_option_count,
    parse_options,
    reword_options,
    set_options,
)
from .timefmt import Now, instant, iso_utc, parse_instant

DECISION_FIELDS = (
    "title",
    "description",
    "method",
    "options",
    "closes_at",
    "quorum",
    "results_visibility",
    "ballot_secrecy",
    "counting",
    "max_score",
    "dots",
    "dots_per_option",
    "facilitator_votes",
    "comments",
    "proposals_open",
    "document_url",
    "reminder_hours",
    "secret_receipts",
    "original_language",
    "translations",
    "selects",
    *rule_fields.RULE_FIELDS,
)
#: Fields a facilitator may change while a decision is open.
OPEN_FIELDS = (
    "closes_at",
    "description",
    "options",
    "document_url",
    "reminder_hours",
    "translations",
)
NO_OPTIONS_METHODS = ("consent", "discussion")


def in_proposal_phase(decision: Decision) -> bool:
    """Whether members may propose options now: a draft with ``proposals_open``."""
    return decision.status == Status.DRAFT and bool(decision.proposals_open)


def is_visible(decision: Decision, viewer: Person | None) -> bool:
    """Drafts are seen by facilitators only, except a draft in its proposal phase,
    which representatives see too; everything else by every signed-in person."""
    if viewer is None or not viewer.active:
        return False
    if decision.status != Status.DRAFT or viewer.role == "facilitator":
        return True
    return viewer.role == "representative" and in_proposal_phase(decision)


#: A decision as pages read it, with its options in the same query (joined:
#: one statement, and a third less ORM work than a second one for them);
#: built once: every page sends it.
_DECISION_PAGE = (
    select(Decision)
    .where(Decision.id == bindparam("decision_id"))
    .options(joinedload(Decision.options))
)


#: The same for a write, locked (see :func:`get_decision`).
_DECISION_LOCKED = (
    select(Decision)
    .where(Decision.id == bindparam("decision_id"))
    # Its options in the same statement (a ballot write validates
    # against them); the lock is taken on the decision's row alone. Who
    # proposed an option is not read again: no write decides on it.
    .options(joinedload(Decision.options).lazyload(Option.proposed_by))
    .with_for_update(of=Decision)
    .execution_options(populate_existing=True)
)


def get_decision(
    viewer: Person | None, decision_id: int, *, lock: bool = False, keep_loaded: bool = False
) -> Decision:
    """The decision, if ``viewer`` may see it.

    :param lock: for a write: take the decision's row lock (``SELECT ... FOR
        UPDATE``; on SQLite the transaction holds the write lock already) and
        read everything afresh under it. Objects the request loaded before are
        expired, so no rule is decided on a cached, possibly stale, state.
    :param keep_loaded: with ``lock``, expire nothing: the decision and its
        options are read afresh, and the caller reads again (``populate_existing``)
        whatever else it decides on (a ballot write: services/ballots.py).
    :raises NotFound: no such decision, or not visible to ``viewer``.
    """
    if lock:
        # SQLite: the write lock from here (locks_late)
        database.lock_for_writing(keep_loaded=keep_loaded)
        db.session.flush()
        if not keep_loaded:
            db.session.expire_all()
        found = db.session.execute(_DECISION_LOCKED, {"decision_id": decision_id})
        decision = found.unique().scalar()
    else:
        # unique(): the joined rows are one decision (all its rows are read).
        found = db.session.execute(_DECISION_PAGE, {"decision_id": decision_id})
        decision = found.unique().scalar()
    if decision is None or not is_visible(decision, viewer):
        raise NotFound(f"No decision {decision_id}.")
    return decision


def lock_afresh(decision_id: int) -> Decision:
    """Decision ``decision_id`` locked (``SELECT ... FOR UPDATE``) and read
    afresh, for the clock's own work on it (closing at the deadline, the
    automatic reminders), which no viewer asks for: what was flushed stays,
    every object the session holds is expired first.

    :raises sqlalchemy.exc.NoResultFound: no such decision.
    """
    db.session.flush()
    db.session.expire_all()
    return db.session.execute(
        select(Decision)
        .where(Decision.id == decision_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def list_decisions(
    viewer: Person | None,
    *,
    offset: int = 0,
    limit: int | None = None,
    where: ColumnElement[bool] | None = None,
) -> list[Decision]:
    """The decisions ``viewer`` may see, newest first, with their options.

    :param offset: how many to skip; :param limit: at most this many (``None``: all).
    :param where: a further condition, in the same query (a search:
        :func:`cop_vote.services.decision_search.condition`).
    """
    query = (
        select(Decision)
        .order_by(Decision.created_at.desc(), Decision.id.desc())
        .options(
            selectinload(Decision.options),
            joinedload(Decision.outcome_option),
            selectinload(Decision.selection),
        )
    )
    if viewer is None or viewer.role != "facilitator":
        if viewer is not None and viewer.role == "representative":
            query = query.where(
                (Decision.status != Status.DRAFT.value) | Decision.proposals_open.is_(True)
            )
        else:
            query = query.where(Decision.status != Status.DRAFT.value)
    if where is not None:
        query = query.where(where)
    found = db.session.execute(query.offset(offset).limit(limit)).scalars()
    return [d for d in found if is_visible(d, viewer)]


def status_of(decision: Decision, now: datetime) -> Status:
    """The effective status at ``now`` (an open decision past its deadline is closed)."""
    return lifecycle.effective_status(decision.status, decision.closes_at, now)


def quorum_of(decision: Decision) -> Fraction:
    """The decision's quorum as an exact fraction of eligible organisations."""
    return Fraction(Decimal(decision.quorum))


def eligible_organisations(decision: Decision) -> list[Organisation]:
    """The electorate: fixed at opening; before that, who would be eligible now.

    An organisation is eligible when it is active and voting, and — unless the
    decision lets the facilitator vote — not the facilitating organisation.
    """
    if decision.status != Status.DRAFT:
        return sorted((e.organisation for e in decision.electorate), key=lambda o: o.name.lower())
    query = select(Organisation).where(Organisation.active.is_(True), Organisation.voting.is_(True))
    if not decision.facilitator_votes:
        query = query.where(Organisation.kind != "facilitator")
    return sorted(db.session.execute(query).scalars(), key=lambda o: o.name.lower())


def electorate_size(decision: Decision) -> int:
    """How many organisations :func:`eligible_organisations` lists, counted in SQL."""
    if decision.status == Status.DRAFT:
        return len(eligible_organisations(decision))
    return db.session.execute(
        select(func.count()).select_from(Elector).where(Elector.decision_id == decision.id)
    ).scalar_one()


def create_decision(
    actor: Person | None, data: Mapping[str, Any], now: datetime, *, zone: str | None = None
) -> Decision:
    """Draft a decision (facilitator only).

    :param data: the API's decision body (API.md, "Decisions").
    :param now: the current time, aware.
    :param zone: IANA zone for wall-clock times from forms; ``None`` requires offsets.
    :raises InvalidInput: for any bad field, named in ``fields``.
    """
    actor = require_facilitator(actor)
    if not isinstance(data, Mapping):
        raise InvalidInput("The body must be a JSON object.", {"body": "Must be an object."})
    refuse_unknown(data, DECISION_FIELDS)
    for key in ("title", "method"):
        if key not in data:
            raise InvalidInput(f"{key} is required.", {key: "This field is required."})
    decision = blank_draft(actor, str(data["method"]), now)
    problems = FieldProblems()
    apply_data(decision, data, now, zone, problems)
    options: list[dict[str, Any]] = []
    with problems.check():
        options = parse_options(decision, data.get("options", []), zone)
    problems.raise_any()
    check_option_count(decision.method, len(options))
    db.session.add(decision)
    set_options(decision, options)
    db.session.flush()
    audit.record(
        "decision.created",
        f"decision:{decision.id}",
        actor,
        {"method": decision.method, "options": len(options)},
        at=now,
    )
    return decision


def check_decision(
    actor: Person | None,
    data: Mapping[str, Any],
    now: Now,
    *,
    zone: str | None = None,
    decision_id: int | None = None,
) -> None:
    """Check ``data``'s values as :func:`create_decision` (``decision_id``
    ``None``) or :func:`update_decision` would, changing nothing: a form that
    refused some fields itself shows the service's refusals beside its own.

    :raises InvalidInput: naming every bad field.
    """
    actor = require_facilitator(actor)
    at = instant(now)
    decision = (
        blank_draft(actor, str(data.get("method", "")), at)
        if decision_id is None
        else get_decision(actor, decision_id)
    )
    check_values(decision, data, at, zone)


def edition(decision: Decision) -> str:
    """A fingerprint of everything a facilitator can edit in ``decision``: it
    changes with any saved change, so a form that carries the one it was
    drawn from can tell that someone else saved in between."""
    content = {
        field: getattr(decision, field)
        for field in DECISION_FIELDS
        if field not in ("options", "closes_at")
    }
    content["closes_at"] = iso_utc(decision.closes_at)
    content["status"] = decision.status
    content["options"] = [
        [
            o.id,
            o.label,
            o.description,
            o.translations,
            iso_utc(o.starts_at) if o.starts_at else None,
            iso_utc(o.ends_at) if o.ends_at else None,
        ]
        for o in decision.options
    ]
    text = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def update_decision(
    actor: Person | None,
    decision_id: int,
    data: Mapping[str, Any],
    now: Now,
    *,
    zone: str | None = None,
    seen: str | None = None,
) -> Decision:
    """Change a decision: any field in draft; while open only a later deadline,
    the description, and options' wording (each shown as edited and logged).

    :param seen: the :func:`edition` the change was made on (a page's form);
        when the decision has changed since, nothing is saved.
    :raises Conflict: a field that the decision's status does not allow, an
        earlier deadline on an open decision, or a closed/published decision;
        a ``seen`` edition that is no longer the decision's.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    now = instant(now)
    if not isinstance(data, Mapping):
        raise InvalidInput("The body must be a JSON object.", {"body": "Must be an object."})
    refuse_unknown(data, DECISION_FIELDS)
    check_values(decision, data, now, zone)  # bad values are 400 before any 409
    status = status_of(decision, now)
    notes: list[DecisionChange] = []
    if seen is not None and status in (Status.DRAFT, Status.OPEN) and seen != edition(decision):
        raise Conflict(
            Message(
                "Someone saved a change to this decision after you opened this page, so "
                "yours was not saved. The page now shows the decision as it is with your "
                "entries: check them and save again."
            )
        )
    if status is Status.DRAFT:
        apply_data(decision, data, now, zone)
        if "options" in data:
            set_options(decision, parse_options(decision, data["options"], zone))
        for i, option in enumerate(decision.options):  # none in the (new) original language
            translations.merged(
                option.translations, {}, decision.original_language, f"options.{i}.translations"
            )
    elif status is Status.OPEN:
        locked = [k for k in data if k not in OPEN_FIELDS]
        if locked:
            raise Conflict(
                Message(
                    "An open decision can change only its deadline (later), "
                    "description and option wording; not: %(fields)s.",
                    fields=", ".join(locked),
                )
            )
        if "closes_at" in data:
            if data["closes_at"] in (None, ""):
                raise InvalidInput(
                    Message("An open decision keeps a deadline."),
                    {"closes_at": Message("Give a later time.")},
                )
            new = parse_instant(data["closes_at"], "closes_at", local_zone=zone)
            if decision.closes_at is not None and new < decision.closes_at:
                raise Conflict(Message("The deadline of an open decision can only move later."))
            if new == decision.closes_at:
                # The deadline it has already (a client sending the whole
                # object back): nothing to change, nothing to refuse.
                data = {k: v for k, v in data.items() if k != "closes_at"}
                if not data:
                    return decision
        if "translations" in data:
            wanted = translations.merged(
                decision.translations,
                translations.parse(data["translations"], "decision"),
                decision.original_language,
            )
            if translations.title_reworded(decision.translations, wanted):
                raise Conflict(
                    Message(
                        "The title of an open decision cannot change, nor its translation "
                        "once given (a missing translation can be added)."
                    )
                )
        was = change_notes.before(decision)
        apply_data(decision, {k: v for k, v in data.items() if k != "options"}, now, zone)
        if "options" in data:
            reword_options(decision, data["options"], now)
        db.session.flush()
        notes = change_notes.note_update(decision, was, actor, now)
    else:
        raise Conflict(
            {
                Status.CLOSED: Message("A closed decision cannot be changed."),
                Status.PUBLISHED: Message("A published decision cannot be changed."),
            }.get(status, Message("A withdrawn decision cannot be changed."))
        )
    db.session.flush()
    logged: dict[str, Any] = {
        "fields": sorted(data),
        "status": status.value,
        "closes_at": iso_utc(decision.closes_at),
    }
    if notes:  # what the change notes say, in the log beside the change
        logged["changes"] = [{"id": n.id, "kind": n.kind, **n.details} for n in notes]
    audit.record("decision.updated", f"decision:{decision.id}", actor, logged, at=now)
    return decision
