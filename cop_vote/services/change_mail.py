"""The mail of changes in the open and of latecomers (issue 10, parts 3 and 7).

A mail source for :func:`cop_vote.services.notify.queue_for_events` (written
to the outbox in the transaction of the change, delivered by the worker, in
each person's language):

* ``decision.updated`` of an open decision with change notes: one ``changed``
  mail to every active representative of every organisation of the
  electorate, listing the notes. When an option was reworded, the
  organisations whose ballot supports a reworded option
  (:func:`cop_vote.domain.mentions.supports_option`) get the version that
  invites them to confirm or change their ballot (``confirm``). In a secret
  decision every organisation that has cast a ballot gets that version, so
  that the mail, which passes mail servers, tells nothing of a choice.
* ``decision.elector_added``: one ``added`` mail to each representative of the
  organisation added: it has a ballot now.

Keys are ``"<event kind>:<event id>:<person id>"``, so each is written once.
"""

from __future__ import annotations

from typing import Any

from ..domain.mentions import supports_option
from ..extensions import db
from ..models import Decision, Event
from .ballot_reads import cast_ballots
from .notify import Mail, representatives

#: The kinds of mail written here (``Notification.kind``).
CHANGED = "changed"
ADDED = "added"


def mails_for_event(event: Event) -> list[Mail]:
    """The mails ``event`` causes (see the module's rules); ``[]`` for other events."""
    if event.kind not in ("decision.updated", "decision.elector_added"):
        return []
    prefix, _, raw = event.subject.partition(":")
    decision = (
        db.session.get(Decision, int(raw)) if prefix == "decision" and raw.isdigit() else None
    )
    if decision is None:
        return []
    data = event.data or {}
    if event.kind == "decision.elector_added":
        org_id = data.get("organisation_id")
        if not isinstance(org_id, int):
            return []
        context: dict[str, Any] = {"at": event.at, "closes_at": decision.closes_at}
        return [
            Mail(f"{event.kind}:{event.id}:{p.id}", ADDED, p, decision, dict(context))
            for p in representatives([org_id])
        ]
    changes = data.get("changes")
    if data.get("status") != "open" or not isinstance(changes, list) or not changes:
        return []
    ids = [c["id"] for c in changes if isinstance(c, dict) and isinstance(c.get("id"), int)]
    reworded = [
        c["option_id"] for c in changes if isinstance(c, dict) and c.get("kind") == "option"
    ]
    confirm: set[int] = set()
    if reworded:
        for ballot in cast_ballots(decision):
            if decision.ballot_secrecy == "secret" or any(
                supports_option(ballot.content, o) for o in reworded
            ):
                confirm.add(ballot.organisation_id)
    electorate = [e.organisation_id for e in decision.electorate]
    base: dict[str, Any] = {"at": event.at, "changes": ",".join(str(i) for i in ids)}
    return [
        Mail(
            f"{event.kind}:{event.id}:{p.id}",
            CHANGED,
            p,
            decision,
            {**base, "confirm": p.organisation_id in confirm},
        )
        for p in representatives(electorate)
    ]
