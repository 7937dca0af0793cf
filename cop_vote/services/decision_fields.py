"""A decision's fields: each value checked and set on a decision, and the
rules that combine them (:mod:`.decisions` drafts and edits with them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from ..domain import lifecycle, selection
from ..domain.ballots import METHODS
from ..domain.errors import FieldProblems, InvalidInput, Message
from ..domain.lifecycle import Status
from ..models import Decision, Person
from . import rule_fields, translations
from .decision_options import check_option_count, parse_options
from .text import clean
from .timefmt import parse_instant


def _choice(data: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str:
    value = data[key]
    if value not in allowed:
        raise InvalidInput(f"Invalid {key}.", {key: "One of " + ", ".join(allowed) + "."})
    return str(value)


def _int(data: Mapping[str, Any], key: str, low: int, high: int) -> int | None:
    value = data[key]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"Invalid {key}.", {key: f"A whole number from {low} to {high}."})
    return value


def _quorum(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput("Invalid quorum.", {"quorum": "A number from 0 to 1."})
    try:
        quorum = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput("Invalid quorum.", {"quorum": "A number from 0 to 1."}) from exc
    if not quorum.is_finite() or not Decimal(0) <= quorum <= Decimal(1):
        raise InvalidInput("Invalid quorum.", {"quorum": "A number from 0 to 1."})
    # The column holds 20 characters; a tiny exponent would also print a huge string.
    if quorum != 0 and quorum.adjusted() < -12:
        raise InvalidInput("Invalid quorum.", {"quorum": "At most 12 decimal places."})
    text = format(quorum.normalize(), "f")
    if len(text) > 20:
        raise InvalidInput("Invalid quorum.", {"quorum": "At most 18 decimal places."})
    return text


def apply_data(
    decision: Decision,
    data: Mapping[str, Any],
    now: datetime,
    zone: str | None,
    problems: FieldProblems | None = None,
) -> None:
    """Set ``data``'s fields on ``decision``, checking each.

    The fields that stand alone are all checked before anything is refused, so
    that one answer names every bad field. With ``problems`` given, what they
    found is left in it for the caller (who may add its own checks, such as the
    options') and the rules that combine fields are checked only when none was
    found; without it, it is raised here.
    """
    found = FieldProblems() if problems is None else problems
    _apply_fields(decision, data, now, zone, found)
    if problems is None:
        found.raise_any()
    elif found:
        return
    _apply_rules(decision, data)


def _apply_fields(
    decision: Decision,
    data: Mapping[str, Any],
    now: datetime,
    zone: str | None,
    problems: FieldProblems,
) -> None:
    """The fields that are checked alone; each bad one is kept in ``problems``."""
    was = {"title": decision.title, "description": decision.description}
    if "title" in data:
        with problems.check():
            decision.title = clean(data["title"], "title", max_length=300, single_line=True)
    if "description" in data:
        with problems.check():
            decision.description = clean(
                data["description"], "description", max_length=20000, required=False
            )
    with problems.check():
        if "original_language" in data:
            decision.original_language = translations.language(data["original_language"])
        given = translations.parse(data.get("translations", {}), "decision")
        if "translations" in data or "original_language" in data:
            decision.translations = translations.merged(
                decision.translations, given, decision.original_language
            )
        stale = translations.reworded(was, decision)
        if stale:  # the old wording's translation no longer says what the original does
            decision.translations = translations.without_stale(
                decision.translations, "decision", stale, given
            )
    if "method" in data:
        with problems.check():
            decision.method = _choice(data, "method", METHODS)
    if "closes_at" in data:
        with problems.check():
            if data["closes_at"] in (None, ""):
                decision.closes_at = None
            else:
                closes_at = parse_instant(data["closes_at"], "closes_at", local_zone=zone)
                if closes_at <= now:
                    raise InvalidInput(
                        Message("The deadline has passed."),
                        {"closes_at": Message("Must be in the future.")},
                    )
                decision.closes_at = closes_at
    if "quorum" in data:
        with problems.check():
            decision.quorum = _quorum(data["quorum"])
    if "results_visibility" in data:
        with problems.check():
            decision.results_visibility = _choice(
                data, "results_visibility", [v.value for v in lifecycle.Visibility]
            )
    if "ballot_secrecy" in data:
        with problems.check():
            decision.ballot_secrecy = _choice(
                data, "ballot_secrecy", [v.value for v in lifecycle.Secrecy]
            )
    if "comments" in data:
        with problems.check():
            decision.comments = _choice(data, "comments", ("open", "premoderated", "closed"))
    if "counting" in data:
        with problems.check():
            decision.counting = (
                None if data["counting"] is None else _choice(data, "counting", ("irv", "schulze"))
            )
    for key, high in (("max_score", 100), ("dots", 100), ("dots_per_option", 100)):
        if key in data:
            with problems.check():
                setattr(decision, key, _int(data, key, 1, high))
    if "reminder_hours" in data:
        # Hours before the deadline for the automatic reminder; None: the app's default.
        with problems.check():
            decision.reminder_hours = _int(data, "reminder_hours", 1, 24 * 30)
    for key in ("facilitator_votes", "proposals_open", "secret_receipts"):
        if key in data:
            with problems.check():
                if not isinstance(data[key], bool):
                    raise InvalidInput(f"Invalid {key}.", {key: "Must be true or false."})
                setattr(decision, key, data[key])
    if "document_url" in data:
        with problems.check():
            decision.document_url = document_url(data["document_url"])


def _apply_rules(decision: Decision, data: Mapping[str, Any]) -> None:
    """The rules that combine fields (and the method's defaults): checked once
    every field is good on its own; the first broken one is raised."""
    if "selects" in data:
        decision.selects = selection.check_selects(decision.method, data["selects"])
    elif (decision.selects or 1) > 1:  # the method changed: does it still select several?
        selection.check_selects(decision.method, decision.selects)
    if decision.method == "ranked" and decision.counting is None:
        decision.counting = "irv"
    if decision.method == "score" and decision.max_score is None:
        decision.max_score = 5
    if decision.method == "dot_vote" and decision.dots is None:
        decision.dots = 3
    if (
        decision.dots is not None
        and decision.dots_per_option is not None
        and decision.dots_per_option > decision.dots
    ):
        raise InvalidInput(
            Message("The cap per option is larger than the dots."),
            {
                "dots_per_option": Message(
                    "At most the number of dots (%(dots)s).", dots=decision.dots
                )
            },
        )
    if decision.ballot_secrecy == "secret" and decision.results_visibility != "after_close":
        decision.results_visibility = "after_close"
    rule_fields.apply_fields(decision, data)


def document_url(value: Any) -> str | None:
    """A link to a document: an absolute ``http``/``https`` address, or ``None``.

    :raises InvalidInput: field ``document_url`` for any other scheme
        (``javascript:``, ``ftp:``, ``data:``...), a relative address, spaces
        or control characters, or more than 500 characters.
    """
    text = clean(value, "document_url", max_length=500, required=False)
    if not text:
        return None
    bad = InvalidInput("Invalid document_url.", {"document_url": "An http:// or https:// address."})
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise bad
    try:
        parts = urlsplit(text)
    except ValueError:
        raise bad from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad
    return text


def refuse_unknown(data: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".", {k: "Unknown field." for k in unknown}
        )


def blank_draft(actor: Person, method: str, now: datetime) -> Decision:
    """A new draft with every default, not in the session."""
    return Decision(
        title="",
        method=method,
        status=Status.DRAFT.value,
        quorum="0",
        results_visibility="after_close",
        ballot_secrecy="open",
        comments="open",
        facilitator_votes=False,
        proposals_open=False,
        description="",
        original_language=translations.network_language(),
        selects=1,
        majority_rule="relative",
        majority_base="option_ballots",
        created_by_id=actor.id,
        created_at=now,
    )


def check_values(
    decision: Decision, data: Mapping[str, Any], now: datetime, zone: str | None
) -> None:
    """Validate every value of ``data`` on a scratch copy, changing nothing.

    :raises InvalidInput: naming every bad field (and the options'), whatever the
        decision's status.
    """
    scratch = Decision(
        method=decision.method,
        counting=decision.counting,
        max_score=decision.max_score,
        dots=decision.dots,
        selects=decision.selects,
        results_visibility=decision.results_visibility,
        ballot_secrecy=decision.ballot_secrecy,
        original_language=decision.original_language,
        translations=decision.translations,
        majority_rule=decision.majority_rule,
        majority_base=decision.majority_base,
        majority_share=decision.majority_share,
        double_majority=decision.double_majority,
    )
    problems = FieldProblems()
    apply_data(scratch, {k: v for k, v in data.items() if k != "options"}, now, zone, problems)
    count = len(decision.options)
    if "options" in data and decision.status == Status.DRAFT.value:
        with problems.check():
            count = len(parse_options(scratch, data["options"], zone))
    problems.raise_any()
    check_option_count(scratch.method, count)
