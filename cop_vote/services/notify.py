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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload

from ..domain.errors import Conflict, Message
from ..domain.lifecycle import Status
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
from . import audit
from .access import has_access, require_facilitator
from .ballots import cast_ballots, find_ballot
from .decisions import get_decision, status_of
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


# Who gets mail is decided in the query too (receives_mail), and their
# organisation is not joined: a ballot write's commit sends this (built once).
_REPRESENTATIVES = (
    select(Person)
    .where(
        Person.organisation_id.in_(bindparam("ids", expanding=True)),
        Person.role == "representative",
        Person.active.is_(True),
        Person.erased_at.is_(None),
        Person.notifications == "immediate",
        Person.email.is_not(None),
        Person.email != "",
    )
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


def _electorate_ids(decision: Decision) -> list[int]:
    return [e.organisation_id for e in decision.electorate]


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


def mails_for_event(event: Event) -> list[Mail]:
    """The mails an audit event causes (see the module's rules); ``[]`` for others.

    :param event: an entry of the event log, already committed.
    :returns: one :class:`Mail` per recipient, keyed ``"<event kind>:<event id>:<person id>"``.
    """
    kind = EVENT_KINDS.get(event.kind)
    if kind is None:
        return []
    decision = _decision_of(event)
    if decision is None:
        return []
    actor = db.session.get(Person, event.actor_id) if event.actor_id is not None else None
    context: dict[str, Any] = {"at": event.at}
    if kind in ("invitation", "closed", "published", "reopened", "amended"):
        people = representatives(_electorate_ids(decision))
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
    else:
        org_id = event.data.get("organisation_id")
        org = db.session.get(Organisation, org_id) if isinstance(org_id, int) else None
        if org is None:
            return []
        people = representatives([org.id])
        context["organisation"] = org.name
        context["actor"] = actor.name if actor is not None else ""
        if kind == "ballot":
            people = [p for p in people if p.id != event.actor_id]
            context["action"] = event.kind.split(".", 1)[1]
        else:
            # The name of who gave the ballot in the meeting is on the ballot row.
            ballot = find_ballot(decision.id, org.id)
            context["given_by"] = (ballot.given_by if ballot is not None else None) or ""
            context["replaced"] = ballot is not None and _replaced_a_ballot(
                ballot.id, event.data.get("version")
            )
    return [
        Mail(f"{event.kind}:{event.id}:{p.id}", kind, p, decision, dict(context)) for p in people
    ]


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


#: What turns an event into mail: a function of the event giving its mails.
MailSource = Callable[[Event], list[Mail]]


def queue_for_events(event_ids: Iterable[int], now: Now, sources: Iterable[MailSource] = ()) -> int:
    """Write the mails these events cause to the outbox: :func:`mails_for_event`'s
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
    makers = (mails_for_event, *sources)
    for event in events:
        written += queue([m for make in makers for m in make(event)], at)
    return written


def _reminders(
    decision: Decision, key: str, hours: int | None, silent: list[Organisation] | None = None
) -> list[Mail]:
    """Reminders for the silent organisations' representatives; ``key`` is a
    format string with ``{decision}`` and ``{person}``."""
    silent = silent_organisations(decision) if silent is None else silent
    names = {o.id: o.name for o in silent}
    return [
        Mail(
            key.format(decision=decision.id, person=p.id),
            "reminder",
            p,
            decision,
            {
                "organisation": names.get(p.organisation_id or 0, ""),
                "closes_at": decision.closes_at,
                "hours": hours,
            },
        )
        for p in representatives(names)
    ]


def _due_decision_ids(now: datetime) -> list[int]:
    """Open decisions whose deadline is still ahead at ``now``."""
    return list(
        db.session.execute(
            select(Decision.id)
            .where(
                Decision.status == Status.OPEN.value,
                Decision.closes_at.is_not(None),
                Decision.closes_at > now,
            )
            .order_by(Decision.id)
        ).scalars()
    )


def _due_for(decision: Decision, now: datetime, default_hours: int) -> list[Mail]:
    """The automatic reminders of ``decision`` due at ``now`` and not written yet."""
    if status_of(decision, now) is not Status.OPEN or decision.closes_at is None:
        return []
    hours = decision.reminder_hours if decision.reminder_hours is not None else default_hours
    if decision.closes_at - timedelta(hours=hours) > now:
        return []
    candidates = _reminders(decision, "reminder:auto:{decision}:{person}", hours)
    if not candidates:
        return []
    written = set(
        db.session.execute(
            select(Notification.key).where(Notification.key.in_([m.key for m in candidates]))
        ).scalars()
    )
    return [m for m in candidates if m.key not in written]


def due_reminders(now: datetime, default_hours: int) -> list[Mail]:
    """The automatic reminders due at ``now`` that have not been written yet.

    A decision is due when it is open, its deadline is still ahead, and
    ``closes_at - (decision.reminder_hours or default_hours)`` is at or before
    ``now``. Each active representative of each elector organisation without a
    cast ballot gets one, keyed ``"reminder:auto:<decision>:<person>"``.

    :param default_hours: the app's ``REMINDER_HOURS``.
    """
    mails: list[Mail] = []
    for decision_id in _due_decision_ids(now):
        decision = db.session.get(Decision, decision_id)
        if decision is not None:
            mails += _due_for(decision, now, default_hours)
    return mails


def send_reminders(now: Now, default_hours: int) -> int:
    """Write the due automatic reminders to the outbox (``cop send-reminders``
    and the worker's schedule); safe to run twice, and by several at once.

    Each decision is locked and re-read before its reminders are written, so a
    decision closed or voted on meanwhile gets none it should not; the unique
    key writes each reminder once.

    :param default_hours: hours before ``closes_at`` for decisions without their own.
    :returns: how many reminders were written now (0 on a second run).
    """
    written = 0
    for decision_id in _due_decision_ids(instant(now)):
        db.session.flush()
        db.session.expire_all()
        decision = db.session.execute(
            select(Decision)
            .where(Decision.id == decision_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
        at = instant(now)
        queued = queue(_due_for(decision, at, default_hours), at)
        if queued:
            audit.record(
                "decision.reminded",
                f"decision:{decision_id}",
                None,
                {"manual": False, "people": queued},
                at=at,
            )
            written += queued
    return written


@dataclass(frozen=True)
class Reminded:
    """What :func:`remind` wrote: ``people`` reminders, to the representatives
    of ``organisations`` (those without a cast ballot, by name)."""

    people: int
    organisations: list[Organisation]


#: How long after a manual reminder the next one is refused (``REMIND_AGAIN_AFTER``).
REMIND_AGAIN_AFTER = timedelta(hours=12)


def last_manual_reminder(decision_id: int) -> datetime | None:
    """When a facilitator's reminder of this decision last reached someone, read
    afresh from the log (``decision.reminded`` with ``manual``); ``None``: never."""
    rows = db.session.execute(
        select(Event.at, Event.data)
        .where(Event.kind == "decision.reminded", Event.subject == f"decision:{decision_id}")
        .order_by(Event.id.desc())
    )
    for at, data in rows:
        if data.get("manual") and data.get("people"):
            when: datetime = at
            return when
    return None


def next_reminder_at(
    decision_id: int, now: datetime, again_after: timedelta = REMIND_AGAIN_AFTER
) -> datetime | None:
    """When the next facilitator's reminder of this decision can be sent, if not
    yet at ``now`` (``again_after`` since the last that reached someone); else ``None``."""
    last = last_manual_reminder(decision_id)
    if last is None or now - last >= again_after:
        return None
    return last + again_after


def remind(
    actor: Person | None,
    decision_id: int,
    now: Now,
    *,
    again_after: timedelta = REMIND_AGAIN_AFTER,
) -> Reminded:
    """A facilitator reminds the representatives of organisations that have not voted
    (the facilitator's page and ``POST /api/v1/decisions/{id}/reminders``).

    Keys are ``"reminder:manual:<decision>:<person>:<timestamp>"``: each press
    of the button writes one reminder per person. Organisations that voted get
    nothing. The worker delivers them.

    :returns: how many reminders were written, and to which organisations.
    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such decision.
    :param again_after: a manual reminder that reached someone less than this
        long ago refuses the next (decided under the decision's lock).
    :raises Conflict: the decision is not open at ``now``; ``reminded_recently``.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id, lock=True)
    at = instant(now)
    if status_of(decision, at) is not Status.OPEN:
        raise Conflict("Reminders can be sent only while the decision is open.")
    next_at = next_reminder_at(decision.id, at, again_after)
    if next_at is not None:
        raise Conflict(
            Message(
                "A reminder was sent less than %(hours)s hours ago; "
                "the next can be sent from %(next)s.",
                hours=f"{again_after.total_seconds() / 3600:g}",
                next=next_at,
            ),
            code="reminded_recently",
        )
    stamp = at.strftime("%Y%m%dT%H%M%S%f")
    silent = silent_organisations(decision)
    mails = _reminders(decision, "reminder:manual:{decision}:{person}:" + stamp, None, silent)
    written = queue(mails, at)
    reached = {m.person.organisation_id or 0 for m in mails}
    audit.record(
        "decision.reminded",
        f"decision:{decision.id}",
        actor,
        {"manual": True, "people": written, "organisations": sorted(reached)},
        at=at,
    )
    # A second request at the same instant writes nothing again, and names nobody.
    return Reminded(written, [o for o in silent if o.id in reached] if written else [])
