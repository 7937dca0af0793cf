"""A person's own data, as they may ask for it under the GDPR (AVG, article 15).

:func:`person_data` gathers what cop-vote stores about one person: their
profile and settings, what they wrote (comments, reports, objections), the
ballot changes they made for their organisation, their sign-ins, tokens and
mail, and the log entries that name them as the actor (by id). Secrets are
never included: no token or link hash, no session key.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import (
    ApiToken,
    Ballot,
    BallotChange,
    Comment,
    CommentReport,
    Event,
    LoginSession,
    LoginToken,
    Notification,
    Objection,
    Person,
)
from .timefmt import iso_utc

#: The version of the shape below; bumped when a field changes meaning.
VERSION = 1


def person_data(person: Person) -> dict[str, Any]:
    """Everything stored about ``person``, as JSON-able values (times ISO 8601 UTC).

    :returns: ``{"version", "person", "comments", "comment_reports",
        "objections", "ballot_changes", "sign_in_links", "sessions",
        "api_tokens", "mail", "log"}``; lists oldest first.
    """
    org = person.organisation
    rows = db.session.execute
    changes = rows(
        select(BallotChange, Ballot.decision_id, Ballot.organisation_id)
        .join(Ballot, Ballot.id == BallotChange.ballot_id)
        .where(BallotChange.person_id == person.id)
        .order_by(BallotChange.id)
    ).all()
    return {
        "version": VERSION,
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "role": person.role,
            "function": person.function,
            "organisation": ({"slug": org.slug, "name": org.name} if org is not None else None),
            "language": person.language,
            "notifications": person.notifications,
            "alerts": person.alerts,
            "active": person.active,
            "invited_at": iso_utc(person.invited_at),
            "signed_in_at": iso_utc(person.signed_in_at),
            "created_at": iso_utc(person.created_at),
        },
        "comments": [
            {
                "id": c.id,
                "decision_id": c.decision_id,
                "option_id": c.option_id,
                "parent_id": c.parent_id,
                "body": c.body,
                "review": c.review,
                "created_at": iso_utc(c.created_at),
                "edited_at": iso_utc(c.edited_at),
            }
            for c in rows(
                select(Comment).where(Comment.author_id == person.id).order_by(Comment.id)
            ).scalars()
        ],
        "comment_reports": [
            {
                "comment_id": r.comment_id,
                "reason": r.reason,
                "created_at": iso_utc(r.created_at),
                "resolved_at": iso_utc(r.resolved_at),
            }
            for r in rows(
                select(CommentReport)
                .where(CommentReport.person_id == person.id)
                .order_by(CommentReport.id)
            ).scalars()
        ],
        "objections": [
            {"decision_id": o.decision_id, "text": o.text, "created_at": iso_utc(o.created_at)}
            for o in rows(
                select(Objection).where(Objection.person_id == person.id).order_by(Objection.id)
            ).scalars()
        ],
        "ballot_changes": [
            {
                "decision_id": decision_id,
                "organisation_id": organisation_id,
                "version": change.version,
                "action": change.action,
                "at": iso_utc(change.at),
            }
            for change, decision_id, organisation_id in changes
        ],
        "sign_in_links": [
            {
                "created_at": iso_utc(t.created_at),
                "expires_at": iso_utc(t.expires_at),
                "used_at": iso_utc(t.used_at),
                "voided_at": iso_utc(t.voided_at),
            }
            for t in rows(
                select(LoginToken).where(LoginToken.person_id == person.id).order_by(LoginToken.id)
            ).scalars()
        ],
        "sessions": [
            {"created_at": iso_utc(s.created_at), "revoked_at": iso_utc(s.revoked_at)}
            for s in rows(
                select(LoginSession)
                .where(LoginSession.person_id == person.id)
                .order_by(LoginSession.id)
            ).scalars()
        ],
        "api_tokens": [
            {
                "label": t.label,
                "created_at": iso_utc(t.created_at),
                "last_used_at": iso_utc(t.last_used_at),
                "revoked_at": iso_utc(t.revoked_at),
            }
            for t in rows(
                select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id)
            ).scalars()
        ],
        "mail": [
            {
                "kind": n.kind,
                "decision_id": n.decision_id,
                "status": n.status,
                "address": n.address,
                "created_at": iso_utc(n.created_at),
                "sent_at": iso_utc(n.sent_at),
            }
            for n in rows(
                select(Notification)
                .where(Notification.person_id == person.id)
                .order_by(Notification.id)
            ).scalars()
        ],
        "log": [
            {"at": iso_utc(e.at), "kind": e.kind, "subject": e.subject}
            for e in rows(
                select(Event).where(Event.actor_id == person.id).order_by(Event.id)
            ).scalars()
        ],
    }
