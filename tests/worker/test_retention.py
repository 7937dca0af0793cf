"""Personal data that expires: the worker's minute deletes old sign-in links
and revoked sessions and empties old delivery logs, after the configured days."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from cop_vote import queue
from cop_vote.extensions import db
from cop_vote.models import LoginSession, LoginToken, Notification
from tests.web.conftest import _client
from tests.web.helpers import make_decision, sign_in


def _count(model: Any, *where: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(model).where(*where)).scalar())


def _minute() -> None:
    """The worker's minute, with the test's session out of its way (SQLite's lock)."""
    db.session.commit()
    queue.get().every_minute.call_local()
    db.session.expire_all()


def _live_sessions() -> int:
    return _count(LoginSession, LoginSession.revoked_at.is_(None))


def test_the_worker_expires_links_sessions_and_mail_logs_after_their_days(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    app.config.update(KEEP_LINKS_DAYS=10, KEEP_SESSIONS_DAYS=20, KEEP_MAIL_LOG_DAYS=30)
    amina = network["people"]["adpc"]
    browser = _client(app)
    sign_in(browser, app, amina)  # a used link and a session
    # Opening a decision mails the members through the outbox.
    make_decision(network["people"]["facilitator"], clock.now)
    sign_in(browser, app, amina)  # a second link; the first session is revoked
    db.session.commit()
    assert _count(LoginToken) == 2
    assert _count(LoginSession) == 2 and _live_sessions() == 1
    sent = _count(Notification, Notification.address.is_not(None))
    assert sent >= 1
    first = Notification.created_at <= clock.now  # the mails of the opening
    # Not yet: the link expired 30 minutes after it was made, ten days is not up.
    clock.advance(days=9)
    _minute()
    assert _count(LoginToken) == 2 and _count(LoginSession) == 2
    clock.advance(days=2)
    _minute()
    assert _count(LoginToken) == 0 and _count(LoginSession) == 2
    clock.advance(days=10)
    _minute()
    # The revoked session is gone; the live one stays.
    assert _count(LoginSession) == 1 and _live_sessions() == 1
    assert _count(Notification, first, Notification.address.is_not(None)) == sent
    clock.advance(days=10)
    _minute()
    # The rows stay (their keys keep a mail from being written twice), emptied.
    assert _count(Notification, first) == sent
    assert _count(Notification, first, Notification.address.is_not(None)) == 0
    assert _count(Notification, first, Notification.context.is_not(None)) == 0
    # Later mail (the reminder, the closing) is younger than 30 days: kept whole.
    assert _count(Notification, ~first, Notification.address.is_not(None)) >= 1
    # A newer link is untouched.
    sign_in(browser, app, amina)
    _minute()
    assert _count(LoginToken) == 1
