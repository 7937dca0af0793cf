"""Casting, changing and withdrawing an organisation's ballot.

The rule that defines the product: a ballot belongs to (decision,
organisation), never to a person. Every write here runs inside one
transaction in this order: lock the decision (PostgreSQL: ``SELECT ... FOR
UPDATE`` on its row; SQLite: the write lock, taken there by the views marked
``locks_late``, see ``cop_vote.database``), re-read it and the ballot afresh
under the lock, read the clock, decide (deadline, version), write, and build
the acknowledgement (:class:`BallotAck`) from the write itself. The caller
then commits and answers with that acknowledgement, never with a row read
after the commit, which may already hold a colleague's later write. The
unique constraint on (decision, organisation) backs this up: a lost race can
never make a second ballot.

What can refuse a member's write is checked first before the lock, on the
state the request read (:func:`_seen`): a refusal writes nothing, so it holds
as of that reading, and takes no lock. An accepted write is decided again on
what it reads under the lock; who asks is read again there in one row
(:func:`_standing_afresh`), and checked again only when it changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from ..domain import lifecycle
from ..domain.ballots import BallotRules, validate_ballot
from ..domain.errors import InvalidInput, NotAllowed, NotFound, StaleBallot
from ..extensions import db
from ..models import Ballot, Decision, Elector, Organisation, Person
from . import audit
from .access import require_facilitator, require_member
from .ballot_reads import PersonRef
from .ballot_store import ballot_values, store
from .decisions import get_decision, is_visible
from .organisations import get_organisation
from .text import clean
from .timefmt import Now, instant, iso_utc

# Crockford's base 32: no I, L, O, U, so a receipt read aloud is unambiguous.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_receipt() -> str:
    """A fresh receipt code, ``XXXX-XXXX-XXXX`` (60 random bits)."""
    raw = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def rules_for(decision: Decision) -> BallotRules:
    """The ballot rules of ``decision`` for :func:`validate_ballot`."""
    return BallotRules(
        method=decision.method,
        option_ids=tuple(o.id for o in decision.options),
        max_score=decision.max_score,
        dots=decision.dots,
        dots_per_option=decision.dots_per_option,
    )


#: Why an organisation outside a decision's electorate cannot vote in it.
NOT_AN_ELECTOR = (
    "Your organisation was not in this decision's electorate when it opened, so it "
    "has no ballot in it. A facilitator can add it while the decision is open."
)


def is_elector(decision: Decision, organisation_id: int | None) -> bool:
    """Whether the organisation is in the decision's fixed electorate."""
    return organisation_id is not None and any(
        e.organisation_id == organisation_id for e in decision.electorate
    )


# Statements that every page sends are built once, with bound parameters:
# building one costs about as much as running it from SQLAlchemy's cache.
_FIND_BALLOT = select(Ballot).where(
    Ballot.decision_id == bindparam("decision_id"),
    Ballot.organisation_id == bindparam("organisation_id"),
)
_IS_ELECTOR = select(Elector.decision_id).where(
    Elector.decision_id == bindparam("decision_id"),
    Elector.organisation_id == bindparam("organisation_id"),
)


# The same under the decision's lock: read afresh over any copy the session
# holds (the write expired nothing, see _locked), its organisation taken from
# the session (loaded with who asks, or by slug) rather than joined again.
_FIND_BALLOT_LOCKED = _FIND_BALLOT.options(lazyload(Ballot.organisation)).execution_options(
    populate_existing=True
)


# A write's statements on the tables, built once (see _write).
def find_ballot(decision_id: int, organisation_id: int) -> Ballot | None:
    """The ballot row of (decision, organisation), cast or withdrawn, or ``None``."""
    return db.session.execute(
        _FIND_BALLOT, {"decision_id": decision_id, "organisation_id": organisation_id}
    ).scalar()


def find_ballot_locked(decision_id: int, organisation_id: int) -> Ballot | None:
    """:func:`find_ballot` for a write, under the decision's lock: read afresh."""
    return db.session.execute(
        _FIND_BALLOT_LOCKED, {"decision_id": decision_id, "organisation_id": organisation_id}
    ).scalar()


def in_electorate(decision: Decision, organisation_id: int | None) -> bool:
    """:func:`is_elector` for pages, by one query for that one organisation
    rather than loading the whole electorate."""
    if organisation_id is None:
        return False
    found = db.session.execute(
        _IS_ELECTOR, {"decision_id": decision.id, "organisation_id": organisation_id}
    ).first()
    return found is not None


def elector_of(decision_ids: Sequence[int], organisation_id: int | None) -> set[int]:
    """The ids of those decisions whose fixed electorate holds the organisation, in one query."""
    if organisation_id is None or not decision_ids:
        return set()
    return set(
        db.session.execute(
            select(Elector.decision_id).where(
                Elector.decision_id.in_(decision_ids), Elector.organisation_id == organisation_id
            )
        ).scalars()
    )


@dataclass(frozen=True)
class BallotAck:
    """A ballot as one write left it: what that write answers.

    Built inside the write's transaction, before the commit, so that the
    answer to a request describes that request's own write even when a
    colleague's write commits right after it.
    """

    decision_id: int
    organisation_id: int
    organisation_slug: str
    organisation_name: str
    content: dict[str, Any] | None
    version: int
    receipt: str | None
    cast_at: datetime
    cast_by: PersonRef | None
    recorded_by: PersonRef | None
    given_by: str | None
    #: True when a cast ballot's content is not shown: a secret ballot seen from
    #: outside its organisation, or sealed at close (``content`` is then ``None``).
    content_hidden: bool = False

    @classmethod
    def of(cls, ballot: Ballot, *, reader: Person | None = None) -> BallotAck:
        """A snapshot of ``ballot`` as it is in this transaction now.

        :param reader: who will see it; in a secret decision anyone outside the
            ballot's organisation (the facilitator included) sees neither its
            content nor its receipt. ``None``: the organisation itself.
        """
        hide = (
            reader is not None
            and reader.organisation_id != ballot.organisation_id
            and ballot.decision.ballot_secrecy == "secret"
        )
        sealed = ballot.is_cast and ballot.content is None
        return cls(
            decision_id=ballot.decision_id,
            organisation_id=ballot.organisation_id,
            organisation_slug=ballot.organisation.slug,
            organisation_name=ballot.organisation_name or "",
            content=None if hide else ballot.content,
            version=ballot.version,
            receipt=None if hide else ballot.receipt,
            cast_at=ballot.cast_at,
            # Who cast or recorded it as they were named then (domain/names.py).
            cast_by=(
                PersonRef(ballot.cast_by_id, ballot.cast_by_name or "")
                if ballot.cast_by_id is not None
                else None
            ),
            recorded_by=(
                PersonRef(ballot.recorded_by_id, ballot.recorded_by_name or "")
                if ballot.recorded_by_id is not None
                else None
            ),
            given_by=ballot.given_by,
            content_hidden=ballot.is_cast and (hide or sealed),
        )

    def to_dict(self) -> dict[str, Any]:
        """The API's ballot object (API.md, "Ballots")."""
        return {
            "decision": self.decision_id,
            "organisation": self.organisation_slug,
            "ballot": self.content,
            "version": self.version,
            "receipt": self.receipt,
            "cast_at": iso_utc(self.cast_at),
            "cast_by": {"id": self.cast_by.id, "name": self.cast_by.name} if self.cast_by else None,
            "recorded_by": (
                {"id": self.recorded_by.id, "name": self.recorded_by.name}
                if self.recorded_by
                else None
            ),
            "given_by": self.given_by,
            "content_hidden": self.content_hidden,
        }


def ballot_object(ballot: Ballot, *, reader: Person | None = None) -> dict[str, Any]:
    """The API's ballot object (API.md, "Ballots") of a ballot row as it is now,
    as ``reader`` may see it (see :meth:`BallotAck.of`)."""
    return BallotAck.of(ballot, reader=reader).to_dict()


def _voter_organisation(actor: Person, decision: Decision) -> Organisation:
    org = actor.organisation
    # One row (not the whole electorate, which grows with the network).
    if org is None or not in_electorate(decision, org.id):
        raise NotAllowed(NOT_AN_ELECTOR)
    return org


def _seen(actor: Person, decision_id: int) -> Decision:
    """The decision as the request read it before the lock (the view's check
    loaded it: no query), if ``actor`` may see it: refusals only are decided on
    it (see the module; an elector stays one, the electorate only grows)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None or not is_visible(decision, actor):
        raise NotFound(f"No decision {decision_id}.")
    return decision


def _locked(actor: Person, decision_id: int) -> Decision:
    """The decision locked and read afresh with its options (SQLite: the write
    lock from here); nothing else is expired (the ballot: find_ballot_locked)."""
    return get_decision(actor, decision_id, lock=True, keep_loaded=True)


#: Who asks, as stored (what :func:`require_member` and the organisation
#: decide on), and the ballot of the organisation the request read them in:
#: one row, read afresh under the decision's lock (built once).
_STANDING_AND_BALLOT = (
    select(Person.active, Person.role, Person.organisation_id, Organisation.active, Ballot)
    .select_from(Person)
    .outerjoin(Organisation, Organisation.id == Person.organisation_id)
    .outerjoin(
        Ballot,
        (Ballot.decision_id == bindparam("decision_id"))
        & (Ballot.organisation_id == bindparam("organisation_id")),
    )
    .where(Person.id == bindparam("person_id"))
    .options(lazyload(Ballot.organisation))
    .execution_options(populate_existing=True)
)


def _standing_afresh(
    actor: Person, org: Organisation, decision: Decision
) -> tuple[Person, Organisation, Ballot | None]:
    """Under the lock: who asks and their organisation's ballot, read again in
    one row. Unchanged since the request read it (almost always), the checks
    made before the lock hold; changed meanwhile (deactivated, moved to
    another organisation, the organisation deactivated), they are made again
    on the stored state, and the ballot is that of the organisation now."""
    stored = db.session.execute(
        _STANDING_AND_BALLOT,
        {"person_id": actor.id, "decision_id": decision.id, "organisation_id": org.id},
    ).one_or_none()
    seen = (actor.active, actor.role, actor.organisation_id, org.active)
    if stored is not None and tuple(stored[:4]) == seen:
        return actor, org, stored[4]
    db.session.refresh(actor)
    if actor.organisation is not None:
        db.session.refresh(actor.organisation)
    actor = require_member(actor)
    org = _voter_organisation(actor, decision)
    return actor, org, find_ballot_locked(decision.id, org.id)


def _check_version(version: Any) -> None:
    if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
        raise InvalidInput("version must be a whole number.", {"version": "A whole number."})


def _write(
    decision: Decision,
    org: Organisation,
    content: dict[str, Any] | None,
    actor: Person,
    version: Any,
    now: datetime,
    *,
    action: str,
    found: Ballot | None,
    given_by: str | None = None,
) -> BallotAck:
    """Write one ballot change under the decision's lock, already held
    (:func:`_locked`), the version already checked (:func:`_check_version`).

    :param now: the clock as read after the lock was taken.
    :param found: the organisation's ballot row as read under the lock
        (:func:`find_ballot_locked`, :func:`_standing_afresh`), or ``None``.
    :param action: ``cast`` (recorded as ``change`` when the organisation's
        ballot is cast already), ``withdraw`` or ``record``.
    """
    lifecycle.check_accepts_ballots(decision.status, decision.closes_at, now)
    ballot = found
    if action == "cast" and ballot is not None and ballot.is_cast:
        action = "change"
    current_version = ballot.version if ballot is not None else 0
    # 0: "no cast ballot", as after a withdrawal (the row keeps its version).
    no_ballot = version == 0 and (ballot is None or not ballot.is_cast)
    if version is not None and version != current_version and not no_ballot:
        raise StaleBallot(
            "The ballot changed since you loaded it: see the current ballot and confirm.",
            ballot_object(ballot, reader=actor) if ballot is not None else None,
        )
    if content is None and (ballot is None or not ballot.is_cast):
        raise NotFound("Your organisation has no ballot to withdraw.")
    receipt = new_receipt() if content is not None and gives_receipts(decision) else None
    values = ballot_values(org, content, actor, receipt, now, given_by, action)
    change = {"action": action, "person_id": actor.id}
    if ballot is None:
        ballot = Ballot(decision_id=decision.id, organisation_id=org.id, version=1, **values)
        try:
            with db.session.begin_nested():
                db.session.add(ballot)
                db.session.flush()  # inside the savepoint: a lost race fails here
        except IntegrityError:
            # Another transaction inserted it first (no row lock held): update that one.
            ballot = find_ballot_locked(decision.id, org.id)
            assert ballot is not None
            if version is not None:
                raise StaleBallot(
                    "The ballot changed since you loaded it.", ballot_object(ballot, reader=actor)
                ) from None
            store(decision, ballot, values, change)
        else:
            store(decision, None, values | {"version": 1}, change | {"ballot_id": ballot.id})
    else:
        store(decision, ballot, values, change)
    secret = decision.ballot_secrecy == "secret"
    audit.record(
        f"ballot.{action}",
        f"decision:{decision.id}",
        actor,
        {
            "organisation_id": org.id,
            "version": ballot.version,
            # An open ballot's content and receipt are logged, so that the log
            # protects them; a secret one's never (not even as a hash).
            **({} if secret or content is None else {"ballot": content, "receipt": receipt}),
        },
        at=now,
    )
    return BallotAck.of(ballot, reader=actor)


def gives_receipts(decision: Decision) -> bool:
    """Whether a cast gets a receipt: always for an open ballot; for a secret one
    only when the decision turned receipts on (a receipt of a plaintext secret
    choice lets an organisation prove how it voted)."""
    return decision.ballot_secrecy != "secret" or bool(decision.secret_receipts)


def cast_ballot(
    actor: Person | None, decision_id: int, body: Any, now: Now, *, version: Any = None
) -> BallotAck:
    """Cast or change the ballot of ``actor``'s organisation.

    :param body: the ballot body for the decision's method (API.md).
    :param now: the clock (read once the lock is held) or a fixed instant.
    :param version: the version the change is based on; ``None`` replaces
        whatever is current (still recorded). ``0`` means "no ballot yet".
    :returns: the acknowledgement of this write: its ``version`` and ``receipt``.
    :raises NotAllowed: observers, or an organisation outside the electorate.
    :raises NotFound: no such decision, or not visible.
    :raises InvalidInput: a body of the wrong shape, naming the field.
    :raises DecisionClosed: the decision is not open at ``now`` (deadline included).
    :raises StaleBallot: ``version`` is not the current one; nothing changes.
    """
    actor = require_member(actor)
    # Refusals before the lock (see _seen), in the order they are given under it.
    seen = _seen(actor, decision_id)
    org = _voter_organisation(actor, seen)
    rules = rules_for(seen)
    content = validate_ballot(body, rules)
    _check_version(version)
    lifecycle.check_accepts_ballots(seen.status, seen.closes_at, instant(now))
    decision = _locked(actor, decision_id)
    actor, org, found = _standing_afresh(actor, org, decision)
    if rules_for(decision) != rules:  # its options changed meanwhile
        content = validate_ballot(body, rules_for(decision))
    # "cast" becomes "change" in _write when a cast ballot is there.
    return _write(decision, org, content, actor, version, instant(now), action="cast", found=found)


def withdraw_ballot(
    actor: Person | None, decision_id: int, now: Now, *, version: Any = None
) -> BallotAck:
    """Withdraw the organisation's ballot while the decision is open.

    The row stays, with no content, so its version keeps rising.

    :raises NotFound: no cast ballot to withdraw.
    :raises DecisionClosed: the decision is not open at ``now``.
    """
    actor = require_member(actor)
    seen = _seen(actor, decision_id)
    org = _voter_organisation(actor, seen)
    _check_version(version)
    lifecycle.check_accepts_ballots(seen.status, seen.closes_at, instant(now))
    decision = _locked(actor, decision_id)
    actor, org, found = _standing_afresh(actor, org, decision)
    return _write(decision, org, None, actor, version, instant(now), action="withdraw", found=found)


def record_ballot(
    actor: Person | None,
    decision_id: int,
    slug: str,
    body: Any,
    given_by: Any,
    now: Now,
    *,
    version: Any = None,
) -> BallotAck:
    """A facilitator records the ballot an organisation gave in a meeting.

    :param given_by: the name of the person who gave it, required.
    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such decision or organisation.
    :raises InvalidInput: not in the electorate, a bad body or a missing ``given_by``.
    """
    actor = require_facilitator(actor)
    decision = _locked(actor, decision_id)
    org = get_organisation(slug)
    at = instant(now)
    if decision.status == "draft":
        lifecycle.check_accepts_ballots(decision.status, decision.closes_at, at)
    if not is_elector(decision, org.id):
        raise InvalidInput(
            f"{org.name} has no ballot in this decision.",
            {"organisation": "Not in this decision's electorate."},
        )
    content = validate_ballot(body, rules_for(decision))
    name = clean(given_by, "given_by", max_length=200, single_line=True)
    _check_version(version)
    found = find_ballot_locked(decision.id, org.id)
    return _write(
        decision, org, content, actor, version, at, action="record", found=found, given_by=name
    )


def own_ballot(actor: Person | None, decision_id: int) -> Ballot:
    """The current cast ballot of ``actor``'s organisation (its content is
    ``None`` once a secret decision's ballots are sealed).

    :raises NotFound: no decision visible, no organisation, or no cast ballot.
    """
    if actor is None:
        raise NotAllowed("Sign in to see your organisation's ballot.")
    decision = get_decision(actor, decision_id)
    ballot = find_ballot(decision.id, actor.organisation_id) if actor.organisation_id else None
    if ballot is None or not ballot.is_cast:
        raise NotFound("Your organisation has not cast a ballot.")
    return ballot
