"""Who gets which mail, written to the outbox once.

This module decides recipients and the content of each notification and
writes it, pending, to the outbox (:class:`~cop_vote.models.Notification`) in
the caller's transaction; it neither renders nor sends mail. The worker
(:mod:`cop_vote.notifications`, through :mod:`cop_vote.services.outbox`)
delivers what was committed.

Rules (issue #4, item 5):

* ``decision.opened`` (invitation), ``decision.closed`` and
  ``decision.published`` (with the statement and the chosen option) go to every
  active representative of every organisation in the decision's electorate.
* ``decision.reopened`` (with the reason and the new deadline) and
  ``decision.amended`` (with the options, statement and reason) go to the
  same people as the publication.
* ``ballot.cast``, ``ballot.change`` and ``ballot.withdraw`` go to the *other*
  representatives of the organisation: "a colleague changed our ballot". No mail
  ever names a choice of an organisation, so a secret decision stays secret.
* ``ballot.record`` (the facilitator recorded a ballot given in a meeting) goes
  to every representative of that organisation.
* People whose ``notifications`` is ``"none"``, who are inactive or erased, or
  who have no e-mail address get nothing.

Each mail has a unique ``key`` (stored in :class:`~cop_vote.models.Notification`)
so that a second look at an event, or a second run of ``cop send-reminders``
(by cron, by the scheduler, by several workers at once), cannot write it
twice. Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause, and_, bindparam, select, text
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..models import (
    BallotChange,
    Decision,
    Event,
    Notification,
    Organisation,
    OutcomeHistory,
    Person,
)
from .access import has_access
from .ballot_reads import cast_ballots
from .ballots import find_ballot
from .timefmt import Now, instant

#: The kinds of mail, as stored in ``Notification.kind``.
KINDS = (
    "invitation",
    "closed",
    "published",
    "ballot",
    "recorded",
    "reminder",
    "reopened",
    "amended",
    "changed",  # services/change_mail.py
    "added",
)

#: The event kinds that cause mail, and the kind of mail each causes.
EVENT_KINDS = {
    "decision.opened": "invitation",
    "decision.closed": "closed",
    "decision.published": "published",
    "decision.reopened": "reopened",
    "decision.amended": "amended",
    "ballot.cast": "ballot",
    "ballot.change": "ballot",
    "ballot.withdraw": "ballot",
    "ballot.record": "recorded",
}


@dataclass(frozen=True)
class Mail:
    """One mail to one person, before rendering.

    :ivar key: unique per mail sent, e.g. ``"reminder:auto:3:17"``.
    :ivar kind: one of :data:`KINDS`, :data:`~cop_vote.services.invitations.INVITATION`
        or :data:`~cop_vote.services.alerts.ALERT_KINDS`; picks the wording.
    :ivar decision: the decision the mail is about; ``None`` for an invitation
        to the network and for an alert that concerns no decision.
    :ivar context: plain values for the template (names, times, the statement);
        never an organisation's choice.
    """

    key: str
    kind: str
    person: Person
    decision: Decision | None
    context: dict[str, Any] = field(default_factory=dict)


#: The kind of the mail that invites a person to the network with a sign-in
#: link (:mod:`cop_vote.services.invitations`); not a decision's "invitation".
PERSON_INVITATION = "person_invitation"
#: Kinds of the facilitators' alerts start with this (:mod:`cop_vote.services.alerts`).
ALERT_PREFIX = "alert_"


#: What a mail whose person can no longer receive mail says, when it is skipped.
NO_LONGER_RECEIVES = "the person no longer receives mail (inactive, erased, no address or none)"


def is_alert(kind: str) -> bool:
    """Whether a mail of ``kind`` is a facilitator's alert (or digest)."""
    return kind.startswith(ALERT_PREFIX)


def undeliverable(kind: str, person: Person, decision: Decision | None) -> str | None:
    """Why a mail of ``kind`` cannot go to ``person`` now, or ``None`` when it can.

    An invitation goes to anyone who can sign in (whatever their mail
    setting: it is how they get in); an alert to an active facilitator who
    has not turned alerts off; any other mail to a person who
    :func:`receives_mail`, about a decision that still exists.
    """
    if kind == PERSON_INVITATION:
        if has_access(person) and person.email and person.erased_at is None:
            return None
        return "the person can no longer sign in (inactive, erased or no address)"
    if is_alert(kind):
        if (
            person.role == "facilitator"
            and person.active
            and person.erased_at is None
            and person.email
            and person.alerts != "none"
        ):
            return None
        return "the person no longer takes facilitators' alerts"
    if decision is None:
        return "the decision is gone"
    if not receives_mail(person):
        return NO_LONGER_RECEIVES
    return None


def receives_mail(person: Person) -> bool:
    """Whether ``person`` gets the network's mail at all."""
    return (
        person.active
        and person.erased_at is None
        and person.notifications == "immediate"
        and bool(person.email)
    )


#: A representative who :func:`receives_mail`, as SQL.
_GETS_MAIL = (
    Person.role == "representative",
    Person.active.is_(True),
    Person.erased_at.is_(None),
    Person.notifications == "immediate",
    Person.email.is_not(None),
    Person.email != "",
)

# Who gets mail is decided in the query too (receives_mail), and their
# organisation is not joined (built once).
_REPRESENTATIVES = (
    select(Person)
    .where(Person.organisation_id.in_(bindparam("ids", expanding=True)), *_GETS_MAIL)
    .options(lazyload(Person.organisation))
    .order_by(Person.id)
)


def representatives(organisation_ids: Iterable[int]) -> list[Person]:
    """The representatives of these organisations who get mail, by id."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return []
    rows = db.session.execute(_REPRESENTATIVES, {"ids": ids}).scalars()
    return [p for p in rows if receives_mail(p)]


def silent_organisations(decision: Decision) -> list[Organisation]:
    """The organisations of the electorate without a cast ballot, by name."""
    voted = {b.organisation_id for b in cast_ballots(decision)}
    orgs = [e.organisation for e in decision.electorate if e.organisation_id not in voted]
    return sorted(orgs, key=lambda o: o.name.casefold())


def _decision_of(event: Event) -> Decision | None:
    prefix, _, raw = event.subject.partition(":")
    if prefix != "decision" or not raw.isdigit():
        return None
    return db.session.get(Decision, int(raw))


@dataclass(frozen=True)
class Mailing:
    """The same mail to each representative of some organisations who
    :func:`receives_mail`, written by :func:`queue_mailing` in one statement:
    the recipients are chosen in the database, not read into the request.

    :ivar key_prefix: the person's id completes each mail's key, e.g.
        ``"ballot.cast:81:"`` (keys as :class:`Mail`'s).
    :ivar organisations: their ids; ``None``: the decision's electorate.
    :ivar except_person: a person who gets none (who made the change).
    """

    key_prefix: str
    kind: str
    decision: Decision
    context: dict[str, Any]
    organisations: tuple[int, ...] | None = None
    except_person: int | None = None


def mailing_for_event(event: Event) -> Mailing | None:
    """The mail an audit event causes (see the module's rules); ``None`` for others.

    :param event: an entry of the event log, in the transaction that wrote it.
    :returns: one mail to each recipient, keyed ``"<event kind>:<event id>:<person id>"``.
    """
    kind = EVENT_KINDS.get(event.kind)
    if kind is None:
        return None
    decision = _decision_of(event)
    if decision is None:
        return None
    context: dict[str, Any] = {"at": event.at}
    prefix = f"{event.kind}:{event.id}:"
    if kind in ("invitation", "closed", "published", "reopened", "amended"):
        if kind in ("published", "amended"):
            context["statement"] = decision.outcome_statement or ""
            context["option"] = decision.outcome_option.label if decision.outcome_option else None
            # Several options: their labels, one a line, in their order.
            context["options"] = "\n".join(o.label for o in decision.selected_options)
            # The log's head at publication, kept in every member's mailbox: an
            # anchor outside the database (``cop verify-log --anchor``).
            context["anchor"] = event.hash
        if kind in ("reopened", "amended"):
            context["reason"] = _stated_reason(decision, kind)
        if kind == "reopened":
            context["closes_at"] = decision.closes_at
        return Mailing(prefix, kind, decision, context)
    org_id = event.data.get("organisation_id")
    org = db.session.get(Organisation, org_id) if isinstance(org_id, int) else None
    if org is None:
        return None
    actor = db.session.get(Person, event.actor_id) if event.actor_id is not None else None
    context["organisation"] = org.name
    context["actor"] = actor.name if actor is not None else ""
    if kind == "ballot":
        context["action"] = event.kind.split(".", 1)[1]
        return Mailing(prefix, kind, decision, context, (org.id,), event.actor_id)
    # The name of who gave the ballot in the meeting is on the ballot row.
    ballot = find_ballot(decision.id, org.id)
    context["given_by"] = (ballot.given_by if ballot is not None else None) or ""
    context["replaced"] = ballot is not None and _replaced_a_ballot(
        ballot.id, event.data.get("version")
    )
    return Mailing(prefix, kind, decision, context, (org.id,))


def _stated_reason(decision: Decision, kind: str) -> str:
    """The reason stated for the decision's latest reopening or amendment."""
    reason = db.session.execute(
        select(OutcomeHistory.reason)
        .where(OutcomeHistory.decision_id == decision.id, OutcomeHistory.kind == kind)
        .order_by(OutcomeHistory.id.desc())
        .limit(1)
    ).scalar()
    return reason or ""


def _replaced_a_ballot(ballot_id: int, version: object) -> bool:
    """Whether the change to ``version`` replaced a ballot that was cast (not
    a first ballot, nor one following a withdrawal)."""
    if not isinstance(version, int) or version < 2:
        return False
    before = db.session.execute(
        select(BallotChange.action).where(
            BallotChange.ballot_id == ballot_id, BallotChange.version == version - 1
        )
    ).scalar()
    return before is not None and before != "withdraw"


def stored_context(context: dict[str, Any]) -> dict[str, Any]:
    """``context`` as JSON for the outbox: a time becomes ``{"utc": ISO 8601}``.

    :raises TypeError: a value that is neither a time nor plain JSON.
    """
    out: dict[str, Any] = {}
    for name, value in context.items():
        if isinstance(value, datetime):
            out[name] = {"utc": value.astimezone(UTC).isoformat()}
        elif value is None or isinstance(value, str | int | float | bool):
            out[name] = value
        else:
            raise TypeError(f"mail context {name!r} is a {type(value).__name__}")
    return out


def loaded_context(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The context :func:`stored_context` wrote, times aware again."""
    out: dict[str, Any] = {}
    for name, value in (stored or {}).items():
        if isinstance(value, dict) and set(value) == {"utc"}:
            out[name] = datetime.fromisoformat(value["utc"])
        else:
            out[name] = value
    return out


#: ``db.session.info`` key: this transaction wrote mail to the outbox.
OUTBOX_WRITTEN = "cop_outbox_written"

_NOTIFICATIONS = Notification.__table__

# The outbox's insert, built once for each database (PostgreSQL: True): on
# the table, not the entity, so without the ORM's bulk machinery, and the
# rows given as parameters rather than built into the statement each time.
_QUEUE = {
    postgresql: insert(_NOTIFICATIONS)
    .on_conflict_do_nothing(index_elements=[_NOTIFICATIONS.c.key])
    .returning(_NOTIFICATIONS.c.id)
    for postgresql, insert in ((True, postgresql_insert), (False, sqlite_insert))
}


def queue(mails: Iterable[Mail], now: datetime) -> int:
    """Write each mail to the outbox once, pending and due at ``now``: one
    ``INSERT ... ON CONFLICT (key) DO NOTHING`` for them all.

    A mail whose key is there already is skipped, also one that a concurrent
    transaction inserted meanwhile (on PostgreSQL the insert waits for that
    transaction's commit, then skips; on SQLite writers take turns).

    :returns: how many were written now (mails already there are not counted).
    """
    rows: dict[str, dict[str, Any]] = {}
    for mail in mails:
        rows.setdefault(
            mail.key,
            {
                "key": mail.key,
                "person_id": mail.person.id,
                "decision_id": mail.decision.id if mail.decision is not None else None,
                "kind": mail.kind,
                "status": "pending",
                "context": stored_context(mail.context),
                "created_at": now,
                "attempts": 0,
                "next_attempt_at": now,
            },
        )
    if not rows:
        return 0
    statement = _QUEUE[db.session.get_bind().dialect.name == "postgresql"]
    # The ids it returns are those of the rows written (rowcount is not
    # reliable for this statement on every driver). Several rows go in one
    # statement all the same (SQLAlchemy's "insertmanyvalues").
    written = len(db.session.execute(statement, list(rows.values())).all())
    if written:
        # The rows bypass the unit of work: tell the commit that mail waits
        # (cop_vote.notifications wakes the worker after it).
        db.session.info[OUTBOX_WRITTEN] = True
    return written


def queue_mailing(mailing: Mailing, now: datetime) -> int:
    """Write ``mailing`` to the outbox as :func:`queue` would its mails, in one
    ``INSERT ... SELECT ... ON CONFLICT (key) DO NOTHING``: one row for each
    recipient, pending and due at ``now``; a key there already is skipped.

    :returns: how many were written now.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    electorate = mailing.organisations is None
    excluding = mailing.except_person is not None
    statement = _MAILING.get((postgresql, electorate, excluding))
    if statement is None:
        statement = _MAILING[postgresql, electorate, excluding] = _mailing_insert(
            postgresql, electorate=electorate, excluding=excluding
        )
    values: dict[str, Any] = {
        "key_prefix": mailing.key_prefix,
        "decision_id": mailing.decision.id,
        "kind": mailing.kind,
        "context": stored_context(mailing.context),
        "now": now,
    }
    if not electorate:
        values["organisations"] = list(mailing.organisations or ())
    if excluding:
        values["except_person"] = mailing.except_person
    written = len(db.session.execute(statement, values).all())
    if written:
        db.session.info[OUTBOX_WRITTEN] = True
    return written


#: The outbox's columns a mail fills (the others are its delivery's).
_QUEUED_COLUMNS = (
    "key",
    "person_id",
    "decision_id",
    "kind",
    "status",
    "context",
    "created_at",
    "attempts",
    "next_attempt_at",
)

#: :func:`queue_mailing`'s statements, built once each (see _mailing_insert).
_MAILING: dict[tuple[bool, bool, bool], TextClause] = {}


def _mailing_insert(postgresql: bool, *, electorate: bool, excluding: bool) -> TextClause:
    """The ``INSERT ... SELECT`` of a mailing: to the representatives of the
    decision's electorate or of some organisations, all or but one person.

    Written as text because SQLAlchemy 2.0 compiles a dialect's ``INSERT ...
    ON CONFLICT`` again at every execution (it is not cached) and a ballot
    write sends this one; who gets mail is :data:`_GETS_MAIL` all the same,
    compiled here once for the database.
    """
    dialect = (postgresql_dialect if postgresql else sqlite_dialect).dialect()
    gets_mail = and_(*_GETS_MAIL).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    among = (
        "(SELECT elector.organisation_id FROM elector WHERE elector.decision_id = :decision_id)"
        if electorate
        else ":organisations"
    )
    columns = _NOTIFICATIONS.c
    statement = text(
        f"INSERT INTO notification ({', '.join(_QUEUED_COLUMNS)}) "
        "SELECT :key_prefix || CAST(person.id AS VARCHAR(20)), person.id, :decision_id, "
        "  :kind, 'pending', :context, :now, 0, :now "
        f"FROM person WHERE person.organisation_id IN {among} "
        f"{'AND person.id != :except_person ' if excluding else ''}AND {gets_mail} "
        "ORDER BY person.id "
        "ON CONFLICT (key) DO NOTHING RETURNING id"
    ).bindparams(
        bindparam("context", type_=columns.context.type),
        bindparam("now", type_=columns.created_at.type),
        *([] if electorate else [bindparam("organisations", expanding=True)]),
    )
    return statement


#: What turns an event into mail: a function of the event giving its mails.
MailSource = Callable[[Event], list[Mail]]


def queue_for_events(event_ids: Iterable[int], now: Now, sources: Iterable[MailSource] = ()) -> int:
    """Write the mails these events cause to the outbox: :func:`mailing_for_event`'s
    and those of each of ``sources`` (invitations, facilitators' alerts).

    Called in the transaction that wrote the events, before it commits, so that
    the mails are kept exactly when the change is. Ids of events that are gone
    (rolled back in a savepoint) are skipped.

    :returns: how many mails were written.
    """
    return queue_for_loaded(events_of(event_ids), now, sources)


def events_of(event_ids: Iterable[int]) -> list[Event]:
    """The events of these ids that exist, in the log's order (one query)."""
    ids = sorted(set(event_ids))
    if not ids:
        return []
    return list(
        db.session.execute(select(Event).where(Event.id.in_(ids)).order_by(Event.id)).scalars()
    )


def queue_for_loaded(events: Iterable[Event], now: Now, sources: Iterable[MailSource] = ()) -> int:
    """:func:`queue_for_events` for events already read (:func:`events_of`)."""
    at = instant(now)
    written = 0
    for event in events:
        mailing = mailing_for_event(event)
        if mailing is not None:
            written += queue_mailing(mailing, at)
        written += queue([m for make in sources for m in make(event)], at)
    return written
