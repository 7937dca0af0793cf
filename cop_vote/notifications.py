"""Mail notifications driven by the event log, so that no view has to change.

How an event becomes mail:

1. ``after_flush``: the ids of new :class:`~cop_vote.models.Event` rows are
   collected in ``session.info``.
2. ``after_commit``: they become pending for this application context;
   ``after_rollback`` drops them (a rolled-back change sends nothing).
3. After the request (``after_request``), the pending events are dispatched
   in a fresh transaction: :func:`cop_vote.services.notify.mails_for_event`
   decides the recipients, :func:`deliver` renders and sends each mail (plain
   text and HTML, in the recipient's language, with an absolute link on
   ``BASE_URL``), and a :class:`~cop_vote.models.Notification` row with a unique
   key per mail makes a redelivery a no-op. Outside a request (a command, a
   script) the events are dispatched right after the commit, in a new
   application context.

A mail failure is logged and never loses the change that caused it, nor breaks
the request.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, UOWTransaction

from . import clock
from .extensions import db
from .extensions import mail as mail_ext
from .i18n import LANGUAGES
from .models import Event, Network
from .services import notify
from .services.text import one_line

_FLUSHED = "cop_events_flushed"
_PENDING = "cop_events_pending"
_SUPPRESSED = "cop_notifications_suppressed"


@contextmanager
def suppressed() -> Iterator[None]:
    """Send no mail for the events written inside this block (e.g. demo data)."""
    session = db.session()
    session.info[_SUPPRESSED] = True
    try:
        yield
    finally:
        session.info.pop(_SUPPRESSED, None)


# --- collecting events ----------------------------------------------------------------------


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if session.info.get(_SUPPRESSED):
        return
    ids = [obj.id for obj in session.new if isinstance(obj, Event)]
    if ids:
        session.info.setdefault(_FLUSHED, []).extend(ids)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A SAVEPOINT was released: the outer transaction may still roll back
        # (and holds the SQLite write lock); wait for its own commit.
        return
    ids = session.info.pop(_FLUSHED, None)
    if not ids:
        return
    if has_request_context():
        session.info.setdefault(_PENDING, []).extend(ids)
        return
    # A command or a script: no "after the request"; send now, in a new context
    # (this session cannot run SQL inside its own after_commit).
    try:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        return
    _dispatch_in_new_context(app, ids)


def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        # Only a SAVEPOINT rolled back: events flushed inside it are gone from
        # the database and are skipped at dispatch; the outer ones still count.
        return
    session.info.pop(_FLUSHED, None)


def _listen() -> None:
    """Attach the session listeners once per process (``db`` is global)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not sa_event.contains(db.session, name, listener):
            sa_event.listen(db.session, name, listener)


# --- rendering and sending ------------------------------------------------------------------


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


def _subject(mail: notify.Mail) -> str:
    """The mail's Subject: one line, whatever the stored title holds (a title
    with a line break from before titles were single-line must not stop the mail)."""
    title = one_line(mail.decision.title)
    subjects = {
        "invitation": _("New decision: %(title)s", title=title),
        "closed": _("Voting has closed: %(title)s", title=title),
        "published": _("Outcome published: %(title)s", title=title),
        "ballot": _("A colleague changed your organisation's ballot: %(title)s", title=title),
        "recorded": _(
            "Your organisation's ballot was recorded in the meeting: %(title)s", title=title
        ),
        "reminder": _("Reminder: your organisation has not voted yet: %(title)s", title=title),
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
    with force_locale(language):
        context: dict[str, Any] = {
            "mail": mail,
            "kind": mail.kind,
            "person": mail.person,
            "decision": mail.decision,
            "url": decision_link(mail.decision.id),
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
    return message


def deliver(mail: notify.Mail) -> bool:
    """Send one mail (:data:`cop_vote.services.notify.Deliver`).

    :returns: ``True`` when it left; ``False`` when rendering or sending failed
        (logged, never raised).
    """
    try:
        message = build_message(mail)
        if current_app.config.get("MAIL_BACKEND") == "console":
            # Local use: keep standard output for the values commands print.
            message.connection = mail_ext.get_connection(stream=sys.stderr)
        message.send()
    except Exception:  # noqa: BLE001 - a mail server that is down must not break anything
        current_app.logger.exception("Could not send the %s mail %s", mail.kind, mail.key)
        return False
    return True


# --- dispatching --------------------------------------------------------------------------


def dispatch(event_ids: list[int]) -> int:
    """Send the mails of these committed events, once each, and commit.

    :returns: how many mails left.
    """
    sent = 0
    for event_id in event_ids:
        found = db.session.get(Event, event_id)
        if found is None:
            continue
        mails = notify.mails_for_event(found)
        if mails:
            sent += notify.send(mails, clock.now(), deliver)
        db.session.commit()
    return sent


def _dispatch_in_new_context(app: Flask, event_ids: list[int]) -> None:
    try:
        with app.app_context():
            try:
                dispatch(event_ids)
            finally:
                db.session.remove()
    except Exception:  # noqa: BLE001 - the change is committed; mail is best effort
        app.logger.exception("Could not send the notifications of events %s", event_ids)


def _after_request(response: Response) -> Response:
    session = db.session()
    ids = session.info.pop(_PENDING, None)
    if not ids:
        return response
    try:
        session.rollback()  # end whatever the view left open; its changes are committed
        dispatch(ids)
    except Exception:  # noqa: BLE001 - never break the answer for a mail
        current_app.logger.exception("Could not send the notifications of events %s", ids)
        db.session.rollback()
    return response


def init_app(app: Flask) -> None:
    """Listen for committed events and mail their notifications after each request."""
    _listen()
    app.after_request(_after_request)
