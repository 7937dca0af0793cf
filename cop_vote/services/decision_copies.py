"""New drafts from an existing decision (a duplicate) or from a built-in template.

Both build the body of ``POST /api/v1/decisions`` and hand it to
:func:`services.decisions.create_decision`, so a copy obeys every rule of a
draft written by hand and is logged the same way (``decision.created``), with
one more entry saying where it came from. Flush, never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.decision_templates import TEMPLATES, Template, copy_title, find_template
from ..domain.errors import InvalidInput, Message
from ..models import Decision, Person
from . import audit
from .access import require_facilitator
from .decisions import DECISION_FIELDS, create_decision, get_decision

#: The fields a duplicate does not take over: its deadline lies ahead of it,
#: its title is marked, its options are copied row by row.
NOT_COPIED = ("closes_at", "title", "options", "translations")


def _copy_body(decision: Decision) -> dict[str, Any]:
    """The decision body of a copy of ``decision``: title marked as a copy (in
    every language), description, method, options and rules; no deadline."""
    body: dict[str, Any] = {
        key: getattr(decision, key) for key in DECISION_FIELDS if key not in NOT_COPIED
    }
    body["title"] = copy_title(decision.title, decision.original_language)
    body["translations"] = {
        lang: {**texts, "title": copy_title(texts["title"], lang)} if "title" in texts else texts
        for lang, texts in (decision.translations or {}).items()
    }
    body["options"] = [
        {
            "label": o.label,
            "description": o.description,
            **(
                {"starts_at": o.starts_at.isoformat(), "ends_at": o.ends_at.isoformat()}
                if o.starts_at is not None and o.ends_at is not None
                else {}
            ),
            "translations": dict(o.translations or {}),
        }
        for o in decision.options
    ]
    return body


def duplicate_decision(actor: Person | None, decision_id: int, now: datetime) -> Decision:
    """A new draft copied from decision ``decision_id``, whatever its status.

    The copy takes the description, method, options (labels, descriptions, time
    slots, translations) and rules (quorum, visibility, secrecy, comments,
    counting, scores, dots, proposals, document link, reminder); its title is
    marked as a copy; it has no deadline, ballots, comments or outcome.

    :raises NotAllowed: for anyone but a facilitator.
    :raises NotFound: no such decision.
    """
    actor = require_facilitator(actor)
    source = get_decision(actor, decision_id)
    copy = create_decision(actor, _copy_body(source), now)
    audit.record(
        "decision.duplicated",
        f"decision:{copy.id}",
        actor,
        {"from_decision_id": source.id},
        at=now,
    )
    return copy


def list_templates() -> tuple[Template, ...]:
    """The built-in templates, in the order the new-decision page offers them."""
    return TEMPLATES


def draft_from_template(
    actor: Person | None, key: object, language: str, now: datetime
) -> Decision:
    """A new draft from the built-in template ``key``, written in ``language``
    (the facilitator's) with the other language as its translation.

    :raises NotAllowed: for anyone but a facilitator.
    :raises InvalidInput: field ``template`` when there is no such template.
    """
    actor = require_facilitator(actor)
    found = find_template(key) if isinstance(key, str) else None
    if found is None:
        raise InvalidInput(
            "No such template.", {"template": Message("Choose one of the templates.")}
        )
    draft = create_decision(actor, found.decision_body(language), now)
    audit.record(
        "decision.from_template", f"decision:{draft.id}", actor, {"template": found.key}, at=now
    )
    return draft
