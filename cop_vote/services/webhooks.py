"""Webhooks: ``https`` addresses facilitators register to receive the
network's events as signed JSON, and their outbox.

Which events, with what (never the content of a ballot):

=====================  ==================================================
audit event            webhook event (``type``) and its ids
=====================  ==================================================
``decision.opened``    ``decision.opened``: ``decision_id``
``decision.closed``    ``decision.closed``: ``decision_id`` (also at the deadline)
``decision.published`` ``decision.published``: ``decision_id``
``ballot.cast``,       ``ballot.cast``: ``decision_id``, ``organisation_id``,
``ballot.change``,     ``action`` (``cast``, ``change``, ``record``); only for
``ballot.record``      an open ballot (``ballot_secrecy`` ``open``), never for
                       a secret one
``comment.added``      ``comment.posted``: ``decision_id``, ``comment_id``,
                       ``organisation_id`` (not the text)
=====================  ==================================================

A delivery (:class:`~cop_vote.models.WebhookDelivery`) is written for each
live webhook in the transaction of the change (:func:`queue_for_loaded`,
called with the mail by :mod:`cop_vote.notifications`), so it is kept exactly
when the change is; the worker sends it (:mod:`cop_vote.webhook_sender`) in
the same three short steps as mail: take (leased), send outside any
transaction, record (sent, or tried again with exponential backoff, or given
up after the last attempt). Functions flush, never commit.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from ..database import is_id
from ..domain.delivery import RetryPolicy
from ..domain.errors import Conflict, InvalidInput, Message, NotFound
from ..extensions import db
from ..models import Comment, Decision, Event, Person, Webhook, WebhookDelivery
from . import audit
from .access import require_facilitator
from .text import clean, one_line
from .timefmt import Now, instant, iso_utc

#: The webhook events, in the order documented.
EVENT_TYPES = (
    "decision.opened",
    "decision.closed",
    "decision.published",
    "ballot.cast",
    "comment.posted",
)
_DECISION_EVENTS = ("decision.opened", "decision.closed", "decision.published")
_BALLOT_EVENTS = ("ballot.cast", "ballot.change", "ballot.record")

#: ``db.session.info`` key: this transaction wrote webhook deliveries.
WRITTEN = "cop_webhooks_written"

#: Resolves a host name to its addresses (``socket.getaddrinfo`` by default).
Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6).

    :raises OSError: the name does not resolve.
    """
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(value: object, *, allow_private: bool, resolver: Resolver = resolve) -> str:
    """A webhook address: ``https`` (``http`` too when private addresses are
    allowed, for tests on loopback), a host, no user name or password, at most
    500 characters; its host must resolve, and to no private, loopback,
    link-local or otherwise non-public address unless ``allow_private``
    (``WEBHOOKS_ALLOW_PRIVATE``).

    :returns: the address, trimmed.
    :raises InvalidInput: naming ``url``.
    """
    url = clean(value, "url", max_length=500, single_line=True)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    schemes = ("https", "http") if allow_private else ("https",)
    unusable = (
        Message("Give an address that starts with https:// or http:// and names a host.")
        if allow_private
        else Message("Give an address that starts with https:// and names a host.")
    )
    if parts is None or parts.scheme not in schemes or not parts.hostname or port == 0:
        raise _bad_url(unusable)
    if parts.username or parts.password:
        raise _bad_url(Message("The address may not hold a user name or password."))
    try:
        addresses = resolver(parts.hostname)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise _bad_url(Message("The host of this address could not be found."))
    if not allow_private and any(_private(a) for a in addresses):
        raise _bad_url(
            Message(
                "The address leads to a private, loopback or link-local network; "
                "webhooks go to public addresses only."
            )
        )
    return url


def _registered_already() -> Conflict:
    return Conflict(Message("A webhook with this address is registered already."))


def _bad_url(message: Message) -> InvalidInput:
    return InvalidInput(message, {"url": message})


def create_webhook(
    actor: Person | None,
    data: dict[str, Any],
    now: Now,
    *,
    allow_private: bool,
    resolver: Resolver = resolve,
) -> tuple[Webhook, str]:
    """Register a webhook (facilitators); its signing secret is returned once.

    :param data: ``{"url": "https://..."}``.
    :returns: ``(webhook, secret)``; the secret (``whsec_...``) signs every body.
    :raises NotAllowed: for non-facilitators.
    :raises InvalidInput: a bad address (:func:`check_url`), or other fields.
    :raises Conflict: a live webhook has this address already (field ``url``).
    """
    actor = require_facilitator(actor)
    unknown = [key for key in data if key != "url"]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {key: "Unknown field." for key in unknown}
        )
    url = check_url(data.get("url"), allow_private=allow_private, resolver=resolver)
    at = instant(now)
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(url=url, secret=secret, created_at=at, created_by_id=actor.id)
    live = select(Webhook.id).where(Webhook.url == url, Webhook.deleted_at.is_(None))
    if db.session.execute(live).first() is not None:
        raise _registered_already()
    try:
        with db.session.begin_nested():  # another transaction may register it meanwhile
            db.session.add(webhook)
    except IntegrityError:
        raise _registered_already() from None
    audit.record("webhook.created", f"webhook:{webhook.id}", actor, {"url": url}, at=at)
    return webhook, secret


def list_webhooks(actor: Person | None) -> list[Webhook]:
    """The live webhooks, oldest first (facilitators).

    :raises NotAllowed: for non-facilitators.
    """
    require_facilitator(actor)
    return list(
        db.session.execute(
            select(Webhook).where(Webhook.deleted_at.is_(None)).order_by(Webhook.id)
        ).scalars()
    )


def delete_webhook(actor: Person | None, webhook_id: object, now: Now) -> Webhook:
    """Delete a webhook: nothing more is sent to it, also of what waits.

    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such live webhook.
    """
    actor = require_facilitator(actor)
    row = None
    if is_id(webhook_id):
        row = db.session.get(Webhook, webhook_id, with_for_update=True)
    if row is None or row.deleted_at is not None:
        raise NotFound(f"No webhook {webhook_id}.")
    at = instant(now)
    row.deleted_at = at
    db.session.flush()
    audit.record("webhook.deleted", f"webhook:{row.id}", actor, {}, at=at)
    return row


# --- the events ---------------------------------------------------------------------------


def payload_of(event: Event) -> dict[str, Any] | None:
    """The webhook body of an audit event, or ``None`` when it causes none
    (see the module's table): ``{"id", "type", "at", ...ids}``."""
    prefix, _, raw = event.subject.partition(":")
    ids: dict[str, Any]
    if event.kind in _DECISION_EVENTS and prefix == "decision":
        kind, ids = event.kind, {"decision_id": int(raw)}
    elif event.kind in _BALLOT_EVENTS and prefix == "decision":
        decision = db.session.get(Decision, int(raw))
        if decision is None or decision.ballot_secrecy != "open":
            return None  # a secret ballot: not even that it was cast
        kind = "ballot.cast"
        ids = {
            "decision_id": decision.id,
            "organisation_id": event.data.get("organisation_id"),
            "action": event.kind.split(".", 1)[1],
        }
    elif event.kind == "comment.added" and prefix == "comment":
        comment = db.session.get(Comment, int(raw))
        kind = "comment.posted"
        ids = {
            "decision_id": event.data.get("decision"),
            "comment_id": int(raw),
            "organisation_id": comment.organisation_id if comment is not None else None,
        }
    else:
        return None
    return {"id": f"evt_{event.id}", "type": kind, "at": iso_utc(event.at), **ids}


_DELIVERIES = WebhookDelivery.__table__


def queue_for_loaded(events: Sequence[Event], now: Now) -> int:
    """Write a delivery of each of these events (already read, in the log's
    order) to each live webhook, once (``INSERT ... ON CONFLICT DO NOTHING``
    on (webhook, event)).

    Called in the transaction that wrote the events, before it commits; the
    commit skips it when :func:`cop_vote.services.audit.record` found no
    live webhook (:data:`~cop_vote.services.audit.LIVE_WEBHOOKS`).

    :returns: how many deliveries were written.
    """
    if not events:
        return 0
    hooks = list(
        db.session.execute(select(Webhook.id).where(Webhook.deleted_at.is_(None))).scalars()
    )
    if not hooks:
        return 0
    at = instant(now)
    rows: list[dict[str, Any]] = []
    for event in events:
        payload = payload_of(event)
        if payload is None:
            continue
        for hook in hooks:
            rows.append(
                {
                    "webhook_id": hook,
                    "event_id": event.id,
                    "kind": payload["type"],
                    "payload": payload,
                    "status": "pending",
                    "created_at": at,
                    "attempts": 0,
                    "next_attempt_at": at,
                }
            )
    if not rows:
        return 0
    insert = (
        postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    written = len(
        db.session.execute(
            insert(_DELIVERIES)  # the table: no ORM bulk machinery
            .values(rows)
            .on_conflict_do_nothing(index_elements=["webhook_id", "event_id"])
            .returning(_DELIVERIES.c.id)
        ).all()
    )
    if written:
        db.session.info[WRITTEN] = True
    return written


# --- delivering (the worker's bookkeeping) ---------------------------------------------------


@dataclass(frozen=True)
class TakenDelivery:
    """A delivery a worker has taken: where it goes, with what, signed how."""

    id: int
    attempt: int
    url: str
    secret: str
    kind: str
    payload: dict[str, Any]


def _locked(
    delivery_id: int | None, *, due_at: Any = None, limit: int = 1
) -> list[WebhookDelivery]:
    db.session.flush()
    db.session.expire_all()
    # ``of``: the delivery's row only (its webhook is joined in, and PostgreSQL
    # refuses FOR UPDATE on the outer side of a join).
    query = select(WebhookDelivery).with_for_update(
        skip_locked=delivery_id is None, of=WebhookDelivery
    )
    if delivery_id is not None:
        query = query.where(WebhookDelivery.id == delivery_id)
    else:
        query = (
            query.where(
                WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= due_at
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    return list(db.session.execute(query.execution_options(populate_existing=True)).scalars())


def take_due(now: Now, *, limit: int, lease: timedelta) -> list[TakenDelivery]:
    """Take up to ``limit`` pending deliveries that are due, oldest first, as
    :func:`cop_vote.services.outbox.take_due` takes mail: rows another worker
    holds are skipped, each taken row counts an attempt and is leased to this
    worker (``next_attempt_at = now + lease``). A delivery to a deleted
    webhook is given up instead.
    """
    at = instant(now)
    taken: list[TakenDelivery] = []
    for row in _locked(None, due_at=at, limit=limit):
        if row.status != "pending" or row.next_attempt_at is None or row.next_attempt_at > at:
            continue
        if row.webhook.deleted_at is not None:
            row.status, row.next_attempt_at, row.failed_at = "failed", None, at
            row.last_error = "the webhook was deleted"
            continue
        row.attempts += 1
        row.next_attempt_at = at + lease
        hook = row.webhook
        taken.append(
            TakenDelivery(row.id, row.attempts, hook.url, hook.secret, row.kind, row.payload)
        )
    db.session.flush()
    return taken


def record_outcome(
    delivery_id: int, error: str | None, now: Now, policy: RetryPolicy
) -> WebhookDelivery:
    """What an attempt came to: ``error`` ``None``: received (``sent``); else
    tried again after the policy's delay, or given up (``failed``) after the
    last attempt.

    :raises NotFound: no such delivery.
    """
    rows = _locked(delivery_id)
    if not rows:
        raise NotFound(f"No webhook delivery {delivery_id}.")
    row = rows[0]
    at = instant(now)
    if row.status == "pending":
        if error is None:
            row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", at, None, None
        elif policy.gives_up(row.attempts, permanent=False):
            row.status, row.failed_at, row.next_attempt_at = "failed", at, None
        else:
            row.next_attempt_at = at + policy.delay(row.attempts)
    if error is not None:
        row.last_error = one_line(error)[:1000]
    db.session.flush()
    return row


def recent_deliveries(actor: Person | None, *, limit: int = 20) -> list[WebhookDelivery]:
    """The newest deliveries to live webhooks, for the facilitators' page.

    :raises NotAllowed: for non-facilitators.
    """
    require_facilitator(actor)
    return list(
        db.session.execute(
            select(WebhookDelivery)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(Webhook.deleted_at.is_(None))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        ).scalars()
    )
