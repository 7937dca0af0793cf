"""The API's objects, built from models (API.md). Times are UTC with ``Z``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for

from ..change_text import change_text
from ..domain import names
from ..domain.lifecycle import Status
from ..models import Comment, Decision, DecisionChange, Organisation, OutcomeHistory, Person
from ..services import (
    ballot_reads,
    change_notes,
    comments,
    decision_page,
    decisions,
    results,
    selections,
)
from ..services.timefmt import iso_utc


def organisation(org: Organisation) -> dict[str, Any]:
    """``{id, slug, name, short_name, kind, voting, active}``."""
    return {
        "id": org.id,
        "slug": org.slug,
        "name": org.name,
        "short_name": org.short_name,
        "kind": org.kind,
        "voting": org.voting,
        "active": org.active,
    }


def person(p: Person, viewer: Person) -> dict[str, Any]:
    """``{id, name, email, organisation, role, function, active, invited_at,
    signed_in_at}``; the e-mail address, and when the person was last invited
    and signed in, only for facilitators and for the person themself."""
    data: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "organisation": p.organisation.slug if p.organisation else None,
        "role": p.role,
        "function": p.function,
        "active": p.active,
        "lead": p.is_lead,
    }
    if viewer.role == "facilitator" or viewer.id == p.id:
        data["email"] = p.email
    if viewer.role == "facilitator" or viewer.id == p.id:
        data["invited_at"] = iso_utc(p.invited_at) if p.invited_at else None
        data["signed_in_at"] = iso_utc(p.signed_in_at) if p.signed_in_at else None
    return data


def me(p: Person) -> dict[str, Any]:
    """The token's person with their organisation as an object, and their
    settings: ``language``, ``notifications`` and ``alerts`` (``"none"`` for
    anyone but a facilitator: only facilitators get alerts)."""
    data = person(p, p)
    data["organisation"] = organisation(p.organisation) if p.organisation else None
    data["language"] = p.language
    data["notifications"] = p.notifications
    data["alerts"] = p.alerts if p.role == "facilitator" else "none"
    return data


def _translations(stored: Any, fields: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Stored translations with every field (``""`` for one not translated)."""
    return {
        lang: {field: str(texts.get(field) or "") for field in fields}
        for lang, texts in sorted((stored or {}).items())
        if texts
    }


def _option(option: Any, method: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": option.id,
        "label": option.label,
        "description": option.description,
        "edited": option.edited_at is not None,
        "proposed_by": option.proposed_by.slug if option.proposed_by is not None else None,
        "translations": _translations(option.translations, ("label", "description")),
    }
    if method == "meeting_time":
        data["starts_at"] = iso_utc(option.starts_at)
        data["ends_at"] = iso_utc(option.ends_at)
    return data


def option(o: Any, method: str) -> dict[str, Any]:
    """The API's option object: ``{id, label, description, edited, proposed_by, ...}``."""
    return _option(o, method)


def page_url(decision_id: int) -> str:
    """The absolute address of the decision's web page."""
    if "web.decision" in current_app.view_functions:
        return url_for("web.decision", decision_id=decision_id, _external=True)
    return f"{current_app.config['BASE_URL']}/decisions/{decision_id}"


def _download_exists(name: str, d: Decision, status: Status, viewer: Person) -> bool:
    """Whether the download ``name`` exists for this decision and viewer now."""
    if name == "calendar":
        return (
            d.method == "meeting_time"
            and status is Status.PUBLISHED
            and d.outcome_option is not None
            and d.outcome_option.starts_at is not None
        )
    if name.startswith("meeting_pack"):
        # The facilitator's briefing, in every status (a draft may have comments).
        return viewer.role == "facilitator"
    if name == "ballots_csv":
        # Facilitators only (the page refuses others); never for a secret decision.
        return viewer.role == "facilitator" and d.ballot_secrecy == "open"
    if name == "ballot_record":
        return status in (Status.CLOSED, Status.PUBLISHED) and (
            d.ballot_secrecy != "secret" or d.ballots_sealed_at is not None
        )
    return False


#: Downloads of a decision offered by the web pages: link name → endpoint. A
#: link is given only when its page is registered and the download exists.
DOWNLOADS: dict[str, str] = {
    "meeting_pack": "web.meeting_pack",
    "meeting_pack_csv": "web.meeting_pack_csv",
    "meeting_pack_docx": "web.meeting_pack_docx",
    "meeting_pack_xlsx": "web.meeting_pack_xlsx",
    "meeting_pack_csv_semicolon": "web.meeting_pack_csv",
    "ballots_csv": "web.ballots_csv",
    "calendar": "web.meeting_calendar",
    # The record itself, as JSON, answering the same bearer token (the page is web.ballot_record).
    "ballot_record": "api.get_ballot_record",
}


#: The query a download's address carries besides the decision's id.
DOWNLOAD_ARGS: dict[str, dict[str, str]] = {"meeting_pack_csv_semicolon": {"sep": "semicolon"}}


def _links(
    decision: Decision, status: Status, viewer: Person, now: datetime, own: bool | None = None
) -> dict[str, str]:
    links: dict[str, str] = {}
    if results.may_see_results(decision, viewer, now, own=own):
        links["results"] = url_for("api.get_results", decision_id=decision.id, _external=True)
    for name, endpoint in DOWNLOADS.items():
        if endpoint in current_app.view_functions and _download_exists(
            name, decision, status, viewer
        ):
            links[name] = url_for(
                endpoint, decision_id=decision.id, _external=True, **DOWNLOAD_ARGS.get(name, {})
            )
    return links


def decision(
    d: Decision,
    viewer: Person,
    now: datetime,
    *,
    turnout: results.Turnout | None = None,
    own: bool | None = None,
    history: list[OutcomeHistory] | None = None,
    changes: list[DecisionChange] | None = None,
) -> dict[str, Any]:
    """The API's decision object (API.md, "Decisions"), with its *effective* status.

    :param turnout: the decision's turnout, when the caller counted it already
        (:func:`decisions_page` does, for a whole page at once).
    :param own: whether the viewer's organisation holds a cast ballot, when known.
    :param history: the decision's outcome history, when the caller read it already.
    :param changes: the decision's change notes, when the caller read them already.
    """
    status = decisions.status_of(d, now)
    if turnout is None and own is None and history is None and changes is None:
        # One decision alone: its turnout, own ballot and lists in one query.
        facts = decision_page.page_facts(d, viewer.organisation_id)
        turnout, own = facts.turnout, facts.own_cast
        history, changes = decision_page.history_and_changes(d, facts)
    if turnout is None:
        turnout = results.turnout([d])[d.id]
    outcome = None
    if d.status in (Status.PUBLISHED.value, Status.WITHDRAWN.value):
        outcome = {
            "option": d.outcome_option_id,
            "options": [s.option_id for s in d.selection],
            "statement": d.outcome_statement,
        }
    if history is None:
        history = selections.history([d.id])[d.id]
    if changes is None:
        changes = change_notes.notes_of([d.id])[d.id] if d.opened_at is not None else []
    return {
        "id": d.id,
        "title": d.title,
        "description": d.description,
        "original_language": d.original_language,
        "translations": _translations(d.translations, ("title", "description")),
        "method": d.method,
        "status": status.value,
        "options": [_option(o, d.method) for o in d.options],
        "closes_at": iso_utc(d.closes_at),
        "quorum": float(Decimal(d.quorum)),
        "results_visibility": d.results_visibility,
        "ballot_secrecy": d.ballot_secrecy,
        "counting": d.counting,
        "max_score": d.max_score,
        "dots": d.dots,
        "dots_per_option": d.dots_per_option,
        "facilitator_votes": d.facilitator_votes,
        "comments": d.comments,
        "proposals_open": decisions.in_proposal_phase(d),
        "document_url": d.document_url,
        "reminder_hours": d.reminder_hours,
        "secret_receipts": bool(d.secret_receipts),
        "ballots_sealed": d.ballots_sealed_at is not None,
        "log_anchor": d.published_log_hash,
        "eligible": turnout.eligible,
        "ballots_cast": turnout.cast,
        "outcome": outcome,
        "selects": d.selects,
        "majority_rule": d.majority_rule or "relative",
        "majority_base": d.majority_base or "option_ballots",
        "majority_share": d.majority_share,
        "double_majority": list(d.double_majority or []),
        "outcome_history": [outcome_entry(e) for e in history],
        "changes": [change_entry(c) for c in changes],
        "created_at": iso_utc(d.created_at),
        "opened_at": iso_utc(d.opened_at),
        "closed_at": iso_utc(
            d.closed_at
            or (d.closes_at if status is Status.CLOSED and d.status == Status.OPEN.value else None)
        ),
        "published_at": iso_utc(d.published_at),
        "withdrawn_at": iso_utc(d.withdrawn_at),
        "url": page_url(d.id),
        "links": _links(d, status, viewer, now, own),
    }


def outcome_entry(entry: OutcomeHistory) -> dict[str, Any]:
    """One entry of the outcome history: ``{kind, at, options, statement, reason,
    closed_at, closes_at}``."""
    return {
        "kind": entry.kind,
        "at": iso_utc(entry.at),
        "options": list(entry.option_ids) if entry.option_ids is not None else None,
        "statement": entry.statement,
        "reason": entry.reason,
        "closed_at": iso_utc(entry.closed_at),
        "closes_at": iso_utc(entry.closes_at),
    }


def change_entry(note: DecisionChange) -> dict[str, Any]:
    """One change note: ``{at, kind, text, option, organisation}``, its text
    in the language of the answer."""
    details = note.details or {}
    return {
        "at": iso_utc(note.at),
        "kind": note.kind,
        "text": change_text(note),
        "option": details.get("option_id") if note.kind == "option" else None,
        "organisation": details.get("organisation_id") if note.kind == "electorate" else None,
    }


def decisions_page(items: list[Decision], viewer: Person, now: datetime) -> list[dict[str, Any]]:
    """Decision objects for a page of decisions, their turnouts and the viewer's
    own ballots read in one query each."""
    counts = results.turnout(items)
    own = ballot_reads.own_ballots([d.id for d in items], viewer.organisation_id)
    histories = selections.history([d.id for d in items])
    notes = change_notes.notes_of([d.id for d in items if d.opened_at is not None])
    return [
        decision(
            d,
            viewer,
            now,
            turnout=counts[d.id],
            own=d.id in own and own[d.id].is_cast,
            history=histories[d.id],
            changes=notes.get(d.id, []),
        )
        for d in items
    ]


def comment(
    c: Comment, decision_: Decision, viewer: Person, *, with_replies: bool = True
) -> dict[str, Any]:
    """A comment with its visible replies; the body is plain text, never HTML.

    :param with_replies: ``False``: ``replies`` is empty (a review item), and
        the replies are not loaded.
    """
    body = comments.shown_body(c, viewer)
    org = c.organisation
    data: dict[str, Any] = {
        "id": c.id,
        "body": body,
        "hidden_reason": c.hidden_reason if c.review == "hidden" else None,
        # Names at the time of the comment (domain/names.py); the slug is today's.
        "author": {"id": c.author_id, "name": c.author_name or ""},
        "organisation": org.slug if org else None,
        "signature": names.signature(c.author_name, c.organisation_short_name),
        "option": c.option_id,
        "parent": c.parent_id,
        "created_at": iso_utc(c.created_at),
        "edited_at": iso_utc(c.edited_at),
    }
    if viewer.role == "facilitator":
        data["review"] = c.review
        data["note"] = c.note
    if c.parent_id is None and with_replies:
        data["replies"] = [
            comment(r, decision_, viewer) for r in comments.visible_replies(c, decision_, viewer)
        ]
    else:
        data["replies"] = []
    return data


def local_time(value: datetime) -> str:
    """``value`` in the network's time zone, e.g. ``2031-03-30 02:30 CEST (Europe/Amsterdam)``."""
    zone_name = current_app.config.get("NETWORK_TIME_ZONE", "Europe/Amsterdam")
    local = value.astimezone(ZoneInfo(zone_name))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone_name})"
