"""A decision's options: read from a request body (a meeting-time decision's
time slots with their labels), set on a draft (a kept label keeps its row and
its comments), reworded while open (by id, wording only)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from ..domain.errors import Conflict, InvalidInput, Message
from ..extensions import db
from ..models import (
    Comment,
    Decision,
    Network,
    Option,
)
from . import translations
from .text import clean
from .timefmt import parse_instant


def parse_options(decision: Decision, raw: Any, zone: str | None) -> list[dict[str, Any]]:
    """The options of a request body, checked: each an object with a label
    (a meeting-time slot: its start and end, in ``zone`` when they carry no
    offset, and a label made from them when none is given), at most 100, no two
    labels alike ignoring case.

    :raises InvalidInput: naming the first bad option field, or ``options``.
    """
    if not isinstance(raw, list):
        raise InvalidInput("options must be a list.", {"options": "Must be a list."})
    if len(raw) > 100:
        raise InvalidInput("Too many options.", {"options": "At most 100."})
    parsed: list[dict[str, Any]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InvalidInput("Each option is an object.", {f"options.{i}": "Must be an object."})
        allowed = {"label", "description", "starts_at", "ends_at", "id", "translations"}
        for key in item:
            if key not in allowed:
                raise InvalidInput("Unknown option field.", {f"options.{i}.{key}": "Unknown."})
        option: dict[str, Any] = {}
        if decision.method == "meeting_time":
            starts = parse_instant(item.get("starts_at"), f"options.{i}.starts_at", local_zone=zone)
            ends = parse_instant(item.get("ends_at"), f"options.{i}.ends_at", local_zone=zone)
            if ends <= starts:
                raise InvalidInput(
                    Message("A slot ends after it starts."),
                    {f"options.{i}.ends_at": Message("Must be after the start.")},
                )
            option.update(starts_at=starts, ends_at=ends)
            label = clean(
                item.get("label"),
                f"options.{i}.label",
                max_length=500,
                required=False,
                single_line=True,
            )
            option["label"] = label or slot_label(starts, ends, zone or network_zone())
        else:
            option["label"] = clean(
                item.get("label"), f"options.{i}.label", max_length=500, single_line=True
            )
        option["description"] = clean(
            item.get("description"), f"options.{i}.description", max_length=5000, required=False
        )
        if item.get("id") is not None:
            option["id"] = item["id"]  # checked against the decision's by set_options
        if "translations" in item:
            option["translations"] = translations.parse(
                item["translations"], "option", f"options.{i}.translations"
            )
        parsed.append(option)
    _check_labels_differ(o["label"] for o in parsed)
    return parsed


def _check_labels_differ(labels: Iterable[str], *, name_rows: bool = True) -> None:
    """Refuse two options whose labels are the same but for case: a count, the
    results and a screen reader could not tell them apart. ``options`` says so.

    :param name_rows: ``labels`` are in the body's order: each later option
        with an earlier one's label is named too (``options.N.label``), so
        that a form can mark the field.
    """
    first: dict[str, int] = {}
    alike = False
    named: dict[str, str] = {}
    for position, label in enumerate(labels):
        if not label:
            continue
        if first.setdefault(label.casefold(), position) != position:
            alike = True
            if name_rows:
                named[f"options.{position}.label"] = Message("An earlier option has this label.")
    if alike:
        raise InvalidInput(
            Message("Two options have the same label."),
            {"options": Message("Labels must differ."), **named},
        )


def check_option_count(method: str, count: int) -> None:
    """A consent decision has at most one option, the proposal (``domain.tally.count_consent``)."""
    if method == "consent" and count > 1:
        raise InvalidInput(
            Message("A consent decision has at most one option, the proposal."),
            {"options": Message("At most one for a consent decision.")},
        )


def network_zone() -> str:
    """The network's IANA time zone (``UTC`` before a network exists)."""
    zone = db.session.execute(select(Network.time_zone).limit(1)).scalar()
    return zone or "UTC"


def slot_label(starts: datetime, ends: datetime, zone: str) -> str:
    """A time slot in words, in ``zone`` with the zone named:
    ``"Tue 2010-01-12 14:00–17:00 CET"``; an end on another day shows its date."""
    tz = ZoneInfo(zone)
    start, end = starts.astimezone(tz), ends.astimezone(tz)
    end_text = (
        end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%a %Y-%m-%d %H:%M")
    )
    return f"{start:%a %Y-%m-%d %H:%M}–{end_text} {start.tzname()}"


def set_options(decision: Decision, options: list[dict[str, Any]]) -> None:
    """Replace a draft's options. An option whose label is kept (ignoring case)
    keeps its row: its id, its proposing organisation and comments on it.
    Comments on a removed option become comments on the decision as a whole.

    :raises InvalidInput: an ``id`` given that is not one of the saved draft's
        options (an option is matched by its label; the id only names it).
    """
    kept = {o.label.casefold(): o for o in decision.options if o.label}
    if decision.id is not None:  # a saved draft: an id given must be one of its options
        ids = {o.id for o in decision.options}
        for position, given in enumerate(options):
            if "id" in given and given["id"] not in ids:
                raise InvalidInput(
                    Message("An option id that is not one of this decision's options."),
                    {f"options.{position}.id": Message("Not an option of this decision.")},
                )
    rows: list[Option] = []
    for position, given in enumerate(options):
        data = {key: value for key, value in given.items() if key not in ("translations", "id")}
        row = kept.pop(data["label"].casefold(), None) if data.get("label") else None
        # A kept option keeps its translations unless the body gives them.
        row_translations = translations.merged(
            row.translations if row is not None else None,
            given.get("translations", {}),
            decision.original_language,
            f"options.{position}.translations",
        )
        if row is None:
            row = Option(**data)
        else:
            was = {"label": row.label, "description": row.description}
            row.label = data["label"]
            row.description = data.get("description", "")
            row.starts_at = data.get("starts_at")
            row.ends_at = data.get("ends_at")
            stale = translations.reworded(was, row)
            row_translations = translations.without_stale(
                row_translations, "option", stale, given.get("translations", {})
            )
        row.position = position
        row.translations = row_translations
        rows.append(row)
    removed = [o.id for o in kept.values() if o.id is not None]
    removed += [o.id for o in decision.options if not o.label and o.id is not None]
    if removed:
        db.session.execute(
            update(Comment).where(Comment.option_id.in_(removed)).values(option_id=None)
        )
    decision.options[:] = rows
    db.session.flush()


def reword_options(decision: Decision, raw: Any, now: datetime) -> None:
    """Open decisions: change option wording only, matched by option ``id``;
    the labels must still differ (ignoring case) afterwards."""
    if not isinstance(raw, list):
        raise InvalidInput("options must be a list.", {"options": "Must be a list."})
    by_id = {o.id: o for o in decision.options}
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("id") not in by_id:
            raise InvalidInput(
                "While open, options are changed by id only.",
                {f"options.{i}.id": "The id of an existing option."},
            )
        if set(item) - {"id", "label", "description", "translations"}:
            raise Conflict(
                Message("While open, only an option's label and description can change.")
            )
        option = by_id[item["id"]]
        was = {"label": option.label, "description": option.description}
        if "label" in item:
            option.label = clean(
                item["label"], f"options.{i}.label", max_length=500, single_line=True
            )
        if "description" in item:
            option.description = clean(
                item["description"], f"options.{i}.description", max_length=5000, required=False
            )
        given = translations.parse(
            item.get("translations", {}), "option", f"options.{i}.translations"
        )
        if "translations" in item:
            option.translations = translations.merged(
                option.translations, given, decision.original_language, f"options.{i}.translations"
            )
        stale = translations.reworded(was, option)
        if stale:  # the old wording's translation no longer says what the label does
            option.translations = translations.without_stale(
                option.translations, "option", stale, given
            )
        option.edited_at = now
    # A new label may be another option's, kept or reworded in the same body.
    _check_labels_differ((o.label for o in decision.options), name_rows=False)
