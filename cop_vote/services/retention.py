"""Personal data that expires (GDPR/AVG, storage limitation).

Run by the worker every minute (and by ``flask cop expire``), each step safe to
run twice and by several workers at once:

* sign-in links, invitations' included, are deleted ``KEEP_LINKS_DAYS`` after
  they expired (used, voided or never used alike): only a hash of the secret
  was kept, but the row says when someone was invited or signed in;
* revoked sessions are deleted ``KEEP_SESSIONS_DAYS`` after their revocation;
* the delivery log of mail that went out, was given up or skipped loses the
  address, the mail server's answer and the values the mail showed
  ``KEEP_MAIL_LOG_DAYS`` after it was written. The row itself stays, with its
  unique key, so that the same mail is never written, and sent, twice.

Rate-limit keys (which hold an e-mail address asked for, or a client address)
need no step here: the rate-limit storage drops each one when its window ends,
an hour at most (``cop_vote/ratelimits.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update

from ..extensions import db
from ..models import LoginSession, LoginToken, Notification


def expire(now: datetime, *, links_days: int, sessions_days: int, mail_days: int) -> dict[str, int]:
    """Delete or empty what has been kept long enough (flushed, not committed).

    :param now: the current time (aware UTC).
    :returns: how many rows each step touched: ``{"links", "sessions", "mail"}``.
    """
    links = db.session.execute(
        delete(LoginToken).where(LoginToken.expires_at < now - timedelta(days=links_days))
    )
    sessions = db.session.execute(
        delete(LoginSession).where(
            LoginSession.revoked_at.is_not(None),
            LoginSession.revoked_at < now - timedelta(days=sessions_days),
        )
    )
    mail = db.session.execute(
        update(Notification)
        .where(
            Notification.status != "pending",
            Notification.created_at < now - timedelta(days=mail_days),
            or_(
                Notification.address.is_not(None),
                Notification.context.is_not(None),
                Notification.last_error.is_not(None),
            ),
        )
        .values(address=None, context=None, last_error=None)
    )
    db.session.flush()
    return {
        "links": int(getattr(links, "rowcount", 0) or 0),
        "sessions": int(getattr(sessions, "rowcount", 0) or 0),
        "mail": int(getattr(mail, "rowcount", 0) or 0),
    }
