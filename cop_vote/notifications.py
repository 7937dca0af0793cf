"""Mail notifications: written to the outbox with the change that causes them,
delivered by the worker. No view sends mail, and no request waits for a mail
server.

How an event becomes mail:

1. ``after_flush``: the new :class:`~cop_vote.models.Event` rows are
   collected in ``session.info`` (the objects themselves: the commit reads
   them again from no table), and whether mail was written (reminders write
   theirs directly).
2. ``before_commit`` (of the transaction itself, not of a savepoint): the
   mails these events cause (:func:`cop_vote.services.notify.queue_for_loaded`)
   are written, pending, to the outbox in the same transaction, so they are
   kept exactly when the change is (and so are the webhooks' deliveries:
   :func:`cop_vote.services.webhooks.queue_for_loaded`); a rolled-back change
   writes none. Decisions opened or given a new deadline are noted.
3. ``after_commit``: the queue is asked to deliver soon (within a second or
   two; one task covers the commits of a busy moment:
   :meth:`cop_vote.queue.TaskQueue.kick_delivery`), and to close the noted
   decisions at their deadline (:mod:`cop_vote.queue`). A queue that is down
   only delays the mail: the worker's minute finds it in the outbox.
4. The worker's :func:`deliver_due` takes due mail (leased to it alone),
   renders each message (plain text and HTML, in the recipient's language,
   with an absolute link on ``BASE_URL``), sends them over one connection, and
   records what happened: sent; or tried again later with exponential backoff;
   or, refused for good or out of attempts, ``failed``: logged as an error and
   listed for the facilitators (admin page), never dropped silently.
"""

from __future__ import annotations

import smtplib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event as sa_event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, UOWTransaction

from . import clock, queue
from .domain.delivery import RetryPolicy
from .domain.errors import NotFound
from .domain.lifecycle import Status
from .extensions import db
from .extensions import mail as mail_ext
from .i18n import LANGUAGES
from .models import Decision, Event, Network, Notification
from .services import alerts, audit, auth, change_mail, invitations, notify, outbox, webhooks
from .services.text import counted, one_line

_FLUSHED = "cop_events_flushed"
_CHANGED = "cop_decisions_changed"
#: Set here when the ORM flushes a mail ready to send, and by notify.queue.
_KICK = notify.OUTBOX_WRITTEN
_DEADLINES = "cop_deadlines_set"
_SUPPRESSED = "cop_notifications_suppressed"

#: What else turns events into mail, beside the members' mail (services/notify.py).
_MAIL_SOURCES = (invitations.mails_for_event, alerts.mails_for_event, change_mail.mails_for_event)

#: Events after which a decision is open with a (possibly new) deadline.
_DEADLINE_EVENTS = ("decision.opened", "decision.updated", "decision.reopened")


@contextmanager
def suppressed() -> Iterator[None]:
    """Write no mail for the events written inside this block (e.g. demo data)."""
    session = db.session()
    session.info[_SUPPRESSED] = True
    try:
        yield
    finally:
        session.info.pop(_SUPPRESSED, None)


# --- the outbox, written with the change ------------------------------------------------------


def _ready_to_send(obj: object) -> bool:
    """A mail just written (an event's, a reminder), or one a facilitator asked
    to try again (pending with no attempt yet; a worker's take counts one)."""
    return isinstance(obj, Notification) and obj.status == "pending" and obj.attempts == 0


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    dirty = session.dirty
    if any(_ready_to_send(obj) for obj in (*session.new, *dirty)):
        session.info[_KICK] = True
    if session.info.get(_SUPPRESSED):
        return
    # Decisions changed in this transaction stay in the session until it
    # commits (it holds what it loaded only weakly): the mail of its events
    # reads them by id, from the session rather than from the database again.
    changed = [obj for obj in dirty if isinstance(obj, Decision)]
    if changed:
        session.info.setdefault(_CHANGED, []).extend(changed)
    events = [obj for obj in session.new if isinstance(obj, Event)]
    if events:
        session.info.setdefault(_FLUSHED, []).extend(events)


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT is being released: the outer transaction may still roll
        # back; its own commit writes the mail of everything flushed in it.
        return
    session.flush()  # events added but not flushed yet belong to this commit too
    try:
        _write_mail(session)
    finally:
        session.info.pop(_CHANGED, None)  # held until the mail is written


def _write_mail(session: Session) -> None:
    flushed: list[Event] = session.info.pop(_FLUSHED, None) or []
    live_webhooks = session.info.pop(audit.LIVE_WEBHOOKS, None)
    # Events flushed in a SAVEPOINT that rolled back are no longer in the
    # session (transient again): skipped. The log is append-only, so the
    # objects hold what their rows do; in the log's order.
    live = {e.id: e for e in flushed if sa_inspect(e).persistent}
    events = [live[i] for i in sorted(live)]
    if not events:
        return
    notify.queue_for_loaded(events, clock.now, _MAIL_SOURCES)
    if live_webhooks is not False:  # unknown (no entry of audit.record): ask
        webhooks.queue_for_loaded(events, clock.now)
    deadlines = []
    for subject in {e.subject for e in events if e.kind in _DEADLINE_EVENTS}:
        decision = session.get(Decision, int(subject.partition(":")[2]))
        if decision is not None and decision.status == Status.OPEN.value and decision.closes_at:
            deadlines.append(decision.closes_at)
    if deadlines:
        session.info[_DEADLINES] = deadlines


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    kick = session.info.pop(_KICK, False)
    hooks = session.info.pop(webhooks.WRITTEN, False)
    deadlines: list[datetime] = session.info.pop(_DEADLINES, [])
    if not kick and not deadlines and not hooks:
        return
    try:
        tasks = queue.get()
    except (RuntimeError, KeyError):  # no application (a bare script): the minute finds them
        return
    if deadlines:
        tasks.close_at(deadlines)
    if kick:
        tasks.kick_delivery()
    if hooks:
        tasks.kick_webhooks()


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        # Only a SAVEPOINT rolled back: events flushed inside it are gone from
        # the database and are skipped when the outbox is written.
        return
    for key in (_FLUSHED, _CHANGED, _KICK, _DEADLINES, webhooks.WRITTEN, audit.LIVE_WEBHOOKS):
        session.info.pop(key, None)


def _listen() -> None:
    """Attach the session listeners once per process (``db`` is global)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


# --- rendering ------------------------------------------------------------------------------


def _language(person_language: str | None) -> str:
    if person_language in LANGUAGES:
        return str(person_language)
    network = db.session.query(Network).first()
    if network is not None and network.default_language in LANGUAGES:
        return network.default_language
    return str(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl"))


def decision_link(decision_id: int) -> str:
    """The absolute address of a decision's page, on ``BASE_URL``."""
    path = current_app.url_map.bind("localhost").build("web.decision", {"decision_id": decision_id})
    return f"{current_app.config['BASE_URL']}{path}"


def _url(endpoint: str, **values: Any) -> str:
    """The absolute address of a page, on ``BASE_URL``."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{current_app.config['BASE_URL']}{path}"


def _person_subject(mail: notify.Mail) -> str:
    """The Subject of an invitation or an alert."""
    from .content import shown

    if mail.kind == notify.PERSON_INVITATION:
        network = mail.context.get("network")
        if not network:
            return _("You are invited to cop-vote")
        return one_line(_("You are invited to %(network)s on cop-vote", network=network))
    if mail.kind == alerts.DIGEST:
        return _("Daily summary for the facilitators")
    if mail.kind == alerts.MAIL_FAILED:
        return one_line(_("Mail to %(name)s could not be delivered", name=mail.context["name"]))
    title = one_line(shown(mail.decision, "title")) if mail.decision is not None else ""
    subjects = {
        alerts.REPORTED: _("A comment was reported: %(title)s", title=title),
        alerts.PREMODERATION: _("A comment waits for your review: %(title)s", title=title),
        alerts.CLOSED: _("A decision has closed: %(title)s", title=title),
    }
    return one_line(subjects[mail.kind])


def _person_url(mail: notify.Mail) -> str:
    """Where an invitation or an alert leads: the sign-in link, or the
    facilitator's page that deals with it."""
    if mail.kind == notify.PERSON_INVITATION:
        return str(mail.context["url"])
    if mail.kind in (alerts.REPORTED, alerts.PREMODERATION):
        return _url("web.review_all")
    if mail.kind == alerts.CLOSED and mail.decision is not None:
        return _url("web.admin_decision", decision_id=mail.decision.id)
    if mail.kind == alerts.MAIL_FAILED:
        return _url("web.admin_mail")
    return _url("web.admin_index")


def _subject(mail: notify.Mail) -> str:
    """The mail's Subject: one line, whatever the stored title holds (a title
    with a line break from before titles were single-line must not stop the mail)."""
    from .content import shown

    if mail.decision is None or mail.kind == notify.PERSON_INVITATION or notify.is_alert(mail.kind):
        return _person_subject(mail)
    title = one_line(shown(mail.decision, "title"))
    subjects = {
        "invitation": _("New decision: %(title)s", title=title),
        "closed": _("Voting has closed: %(title)s", title=title),
        "published": _("Outcome published: %(title)s", title=title),
        "ballot": _("A colleague changed your organisation's ballot: %(title)s", title=title),
        "recorded": _(
            "Your organisation's ballot was recorded in the meeting: %(title)s", title=title
        ),
        "reminder": _("Reminder: your organisation has not voted yet: %(title)s", title=title),
        "reopened": _("Voting reopened: %(title)s", title=title),
        "amended": _("Outcome amended: %(title)s", title=title),
        "changed": _("Changed while open: %(title)s", title=title),
        "added": _("Your organisation can now vote on: %(title)s", title=title),
    }
    return one_line(subjects[mail.kind])


def build_message(mail: notify.Mail) -> EmailMultiAlternatives:
    """The message for ``mail``: plain text and HTML, in the recipient's language.

    :param mail: from :mod:`cop_vote.services.notify`.
    :returns: a Flask-Mailman message with ``body`` (text) and one ``text/html`` part.
    """
    if not g:
        g.cop_mail = True  # flask_babel.force_locale does nothing while g is empty
    language = _language(mail.person.language)
    about_decision = mail.decision is not None and mail.kind in notify.KINDS
    with force_locale(language):
        context: dict[str, Any] = {
            "mail": mail,
            "kind": mail.kind,
            "person": mail.person,
            "decision": mail.decision,
            "about_decision": about_decision,
            "invitation_days": int(current_app.config["INVITATION_DAYS"]),
            "url": decision_link(mail.decision.id)
            if about_decision and mail.decision is not None
            else _person_url(mail),
            "profile_url": f"{current_app.config['BASE_URL']}/profile",
            "base_url": current_app.config["BASE_URL"],
            "language": language,
            **mail.context,
        }
        subject = _subject(mail)
        body = render_template("mail/_body.txt", **context).strip()
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        context.update(subject=subject, body=body + "\n", paragraphs=paragraphs)
        text = render_template("mail/notification.txt", **context)
        html = render_template("mail/notification.html", **context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[mail.person.email or ""])
    message.attach_alternative(html, "text/html")
    with force_locale(language):
        ics = _meeting_date(mail)
    if ics is not None:
        message.attach(f"meeting-{mail.decision.id if mail.decision else 0}.ics", ics, ICS_TYPE)
    return message


#: The content type of the meeting date attached to a meeting poll's outcome mail.
ICS_TYPE = "text/calendar; charset=utf-8; method=PUBLISH"


def _meeting_date(mail: notify.Mail) -> bytes | None:
    """The chosen slot of a published meeting poll as an ``.ics`` file, for
    its outcome mail (publication or amendment), built as the mail is sent
    from the decision as it is then; ``None`` for any other mail."""
    from .content import shown
    from .services import calendar

    decision = mail.decision
    if mail.kind not in ("published", "amended") or decision is None:
        return None
    if decision.method != "meeting_time":
        return None
    try:
        return calendar.meeting_calendar(
            decision,
            url=decision_link(decision.id),
            now=clock.now(),
            title=shown(decision, "title"),
            zone=str(current_app.config["NETWORK_TIME_ZONE"]),
        )
    except NotFound:
        return None  # published with no slot chosen


# --- delivering (the worker) -----------------------------------------------------------------


def _with_sign_in_link(mail: notify.Mail) -> notify.Mail:
    """An invitation with a fresh sign-in link in its context (``url``); other mail as it is.

    The link is made now, as the mail is sent, in the transaction that takes
    it (:func:`cop_vote.services.auth.issue_login_link`: it voids the
    person's earlier links); a retry makes a new one, as only its hash is kept.

    :raises RuntimeError: the person can no longer sign in.
    """
    if mail.kind != notify.PERSON_INVITATION:
        return mail
    days = int(current_app.config["INVITATION_DAYS"])
    issued = auth.issue_login_link(mail.person.email or "", clock.now(), minutes=days * 24 * 60)
    if issued is None:
        raise RuntimeError("the person can no longer sign in")
    return replace(mail, context={**mail.context, "url": _url("web.login_link", secret=issued[1])})


@dataclass
class Delivery:
    """What one :func:`deliver_due` did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Outcome:
    error: str | None = None
    permanent: bool = False


def retry_policy() -> RetryPolicy:
    """The backoff of the configuration (``MAIL_RETRY_*``)."""
    config = current_app.config
    return RetryPolicy(
        first_delay=timedelta(seconds=float(config["MAIL_RETRY_SECONDS"])),
        longest_delay=timedelta(seconds=float(config["MAIL_RETRY_MAX_SECONDS"])),
        max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
    )


def _reply(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def _describe(exc: BaseException) -> str:
    """What went wrong, in one line: the server's answer, or the error."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {_reply(reply)}"
            for address, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_reply(exc.smtp_error)}"
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__


def _send_all(messages: list[tuple[outbox.Taken, EmailMultiAlternatives]]) -> list[_Outcome]:
    """Send each message over one connection; one outcome per message, in order.

    A recipient the server refuses with a 5xx answer is a permanent failure;
    everything else (4xx, a connection refused, dropped or timed out) is
    temporary. Once the connection is lost the rest are not tried now.
    """
    if current_app.config.get("MAIL_BACKEND") == "console":
        # Local use: keep standard output for the values commands print.
        connection = mail_ext.get_connection(stream=sys.stderr)
    else:
        connection = mail_ext.get_connection(fail_silently=False)
    outcomes: list[_Outcome] = []
    try:
        connection.open()
    except Exception as exc:  # noqa: BLE001 - every mail waits for the next attempt
        return [_Outcome(_describe(exc))] * len(messages)
    try:
        for _taken, message in messages:
            message.connection = connection
            try:
                message.send()
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _reply in exc.recipients.values()]
                outcomes.append(_Outcome(_describe(exc), permanent=all(c >= 500 for c in codes)))
            except smtplib.SMTPResponseException as exc:
                outcomes.append(_Outcome(_describe(exc)))
                if exc.smtp_code in (421,):  # the server is closing the connection
                    break
            except Exception as exc:  # noqa: BLE001 - lost connection, time-out, ...
                outcomes.append(_Outcome(_describe(exc)))
                break
            else:
                outcomes.append(_Outcome())
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken connection
            pass
    if len(outcomes) < len(messages):
        lost = outcomes[-1].error or "connection lost"
        outcomes += [_Outcome(f"not tried: {lost}")] * (len(messages) - len(outcomes))
    return outcomes


def deliver_due(*, batch: int = 20, rounds: int = 100) -> Delivery:
    """Deliver the mail that is due, batch by batch, until none is (the worker's task).

    Each batch: take (a short transaction that leases the mails to this
    worker), render, commit; send outside any transaction; record each
    outcome in its own short transaction. Then ``deliver_mail`` is scheduled at
    the earliest pending mail's next attempt; mail given up is logged as an error.

    :param batch: mails taken at once (one mail server connection).
    :param rounds: an upper bound on batches in one call.
    :returns: what was sent, scheduled again and given up.
    """
    done = Delivery()
    policy = retry_policy()
    lease = timedelta(seconds=float(current_app.config["MAIL_LEASE_SECONDS"]))
    for _round in range(rounds):
        taken = outbox.take_due(clock.now, limit=batch, lease=lease)
        ready: list[tuple[outbox.Taken, EmailMultiAlternatives]] = []
        broken: list[tuple[outbox.Taken, str]] = []
        for item in taken:
            try:
                ready.append((item, build_message(_with_sign_in_link(item.mail))))
            except Exception as exc:  # noqa: BLE001 - e.g. a template error: try again later
                current_app.logger.exception("Could not render mail %s", item.mail.key)
                broken.append((item, _describe(exc)))
        db.session.commit()
        if not taken:
            break
        outcomes = [(item, _Outcome(error)) for item, error in broken]
        outcomes += list(zip((item for item, _m in ready), _send_all(ready), strict=True))
        for item, outcome in outcomes:
            if outcome.error is None:
                outbox.record_sent(item.id, clock.now)
                done.sent += 1
            else:
                row = outbox.record_failure(
                    item.id, outcome.error, clock.now, policy, permanent=outcome.permanent
                )
                if row.status == "failed":
                    done.failed += 1
                    current_app.logger.error(
                        "Mail %s to person %s <%s> could not be delivered after %s, given up: %s",
                        row.key,
                        row.person_id,
                        row.address,
                        counted(row.attempts, "attempt", "attempts"),
                        row.last_error,
                    )
                else:
                    done.retrying += 1
                    current_app.logger.warning(
                        "Mail %s to person %s not delivered (attempt %d), next at %s: %s",
                        row.key,
                        row.person_id,
                        row.attempts,
                        row.next_attempt_at,
                        row.last_error,
                    )
            db.session.commit()
        if len(taken) < batch:
            break
    # The next run at the earliest pending mail's time: a mail that failed
    # now, or one not due yet when this run took its batches (an earlier
    # failure's retry), which would otherwise wait for the worker's minute.
    next_at = outbox.next_attempt_at()
    db.session.commit()
    if next_at is not None:
        queue.get().kick_delivery(next_at)
    return done


def init_app(app: Flask) -> None:
    """Write the mail of committed events to the outbox (session listeners)."""
    _listen()
