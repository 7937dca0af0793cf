"""The participation and results pages of a decision.

The results panel is the same for every reader who may see it: a function of
the decision (its columns and options), the count, its declared interests and
the ballots recorded in a meeting, the decision's status and the reader's
language. It is rendered once per change of those, not once per viewer
(:func:`_panel`, kept beside the decision's tally in services/tally_cache.py,
under a key made of all of them); only the page around it is rendered for
each request. The participation panel likewise, keyed by the page of rows as
read (a renamed organisation is a new key) and whether the reader is a
facilitator.
"""

from __future__ import annotations

import json
from math import ceil
from typing import Any

from flask import current_app, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..clock import now
from ..conditional import conditional
from ..i18n import current_language, option_label, prefetch_network_zone
from ..models import Decision, Option
from ..services import ballot_reads, decision_rules, tally_cache
from ..services import decisions as decision_service
from ..services import interests as interest_service
from ..services import results as results_service
from ..services.count_tables import count_tables
from ..services.results import ResultsFacts
from . import bp
from .localised import render_block
from .render import page, percent_text
from .views import _int_arg, _me

PARTICIPATION_FRAGMENTS = {"participation-panel": "panel"}
RESULTS_FRAGMENTS = {"results-panel": "panel"}


@bp.get("/decisions/<int:decision_id>/participation")
def participation(decision_id: int) -> ResponseReturnValue:
    """Which organisations have cast a ballot, counted by organisation."""
    viewer = _me()
    found = decision_service.get_decision(viewer, decision_id)
    limit = int(current_app.config.get("PARTICIPATION_PER_PAGE", 100))
    start = _int_arg("start") or 0
    shown = results_service.participation_page(found, offset=start, limit=limit)
    status = decision_service.status_of(found, now()).value
    context = {
        "decision": found,
        "rows": shown.rows,
        "voted": shown.turnout.cast,
        "eligible": shown.turnout.eligible,
        "start": start,
        "previous_url": (
            url_for("web.participation", decision_id=found.id, start=max(0, start - limit) or None)
            if start > 0
            else None
        ),
        "next_url": (
            url_for("web.participation", decision_id=found.id, start=shown.next_offset)
            if shown.next_offset is not None
            else None
        ),
        "status_value": status,
    }
    # The panel is a function of what it shows (the rows as read now) and of
    # who reads it only by whether they are a facilitator (the reminder link).
    shown_key = (
        "participation panel",
        current_language(),
        viewer.role == "facilitator",
        tuple(context[name] for name in ("voted", "eligible", "start", "status_value")),
        shown.next_offset,
        tuple(
            (
                r.organisation.id,
                r.organisation.name,
                r.has_voted,
                r.recorded_by,
                r.given_by,
                r.added_at,
            )
            for r in shown.rows
        ),
    )
    html = tally_cache.kept(
        tally_cache.key(found),
        shown_key,
        lambda: str(render_block("decisions/participation.html", "panel", **context)),
    )
    response = page(
        "decisions/participation.html",
        fragments=PARTICIPATION_FRAGMENTS,
        panel=Markup(html),  # noqa: S704 (rendered by Jinja with autoescape)
        **context,
    )
    return conditional(response)


def _percent(value: float) -> int:
    return max(0, min(100, round(value * 100)))


#: Each method's tie rule in one sentence (from its counting docstring in domain/tally.py).
TIE_RULES: dict[str, Any] = {
    "single_choice": _l(
        "Tie rule: every option sharing the highest number of votes is a winner; "
        "nothing breaks the tie."
    ),
    "approval": _l(
        "Tie rule: every option sharing the highest number of approvals is a winner; "
        "nothing breaks the tie."
    ),
    "irv": _l(
        "Tie rule: when several options tie for fewest votes they are all eliminated "
        "together, unless that would eliminate every continuing option; then the count "
        "ends in a tie between them."
    ),
    "schulze": _l(
        "Tie rule: when several options beat or equal every other option on the "
        "strongest paths, they are all winners; no tie-breaking is applied."
    ),
    "score": _l(
        "Tie rule: every option sharing the highest total score is a winner; "
        "the mean does not break the tie."
    ),
    "dot_vote": _l(
        "Tie rule: every option sharing the highest number of dots is a winner; "
        "nothing breaks the tie."
    ),
    "meeting_time": _l(
        "Tie rule: every slot sharing the most yes answers and then the most if-need-be "
        "answers is a winner; nothing breaks the tie."
    ),
    "consent": _l(
        "Tie rule: when agree and disagree are level the proposal does not pass; "
        "agree must outnumber disagree."
    ),
    "discussion": _l("Tie rule: none; a discussion is not counted."),
}


@bp.get("/decisions/<int:decision_id>/results")
def results(decision_id: int) -> ResponseReturnValue:
    """The results when the decision's visibility rule allows; otherwise when they will be."""
    viewer = _me()
    found = decision_service.get_decision(viewer, decision_id)
    at = now()
    status = decision_service.status_of(found, at).value
    facts = results_service.results_facts(found, viewer)
    if not results_service.may_see_results(found, viewer, at, own=facts.own_cast):
        return page(
            "decisions/results_hidden.html", http_status=403, decision=found, status_value=status
        )
    response = page(
        "decisions/results.html",
        fragments=RESULTS_FRAGMENTS,
        decision=found,
        status_value=status,
        panel=_panel(found, facts, status),
    )
    return conditional(response)


def _panel(decision: Decision, facts: ResultsFacts, status: str) -> Markup:
    """The results panel (the template's block ``panel``), rendered once per
    change of what it shows and kept beside the tally; rendered afresh where
    no tally may be kept (:func:`tally_cache.key`: a draft, a transaction
    that wrote ballots)."""
    declared = interest_service.by_option(decision) if facts.interests else {}
    recorded = ballot_reads.recorded_ballots(decision) if facts.recorded else []
    key = tally_cache.key(decision)
    shown = (
        "results panel",
        current_language(),
        status,
        _state(decision),
        tuple(
            (i.id, i.option_id, i.organisation_name, i.text)
            for found in declared.values()
            for i in found
        ),
        tuple(recorded),
        # Slots are shown in the network's zone, which a facilitator may change.
        prefetch_network_zone() if decision.method == "meeting_time" else None,
    )
    html = tally_cache.kept(
        key, shown, lambda: str(_render_panel(decision, status, declared, recorded))
    )
    return Markup(html)  # noqa: S704 (rendered by Jinja with autoescape)


def _state(decision: Decision) -> tuple[Any, ...]:
    """Every column of ``decision`` and of its options, as a key."""
    return (
        tuple(_value(getattr(decision, c.key)) for c in _DECISION_COLUMNS),
        tuple(tuple(_value(getattr(o, c.key)) for c in _OPTION_COLUMNS) for o in decision.options),
    )


_DECISION_COLUMNS = tuple(Decision.__mapper__.column_attrs)
_OPTION_COLUMNS = tuple(Option.__mapper__.column_attrs)


def _value(value: Any) -> Any:
    """A column's value as part of a key (a JSON column's dict as its text)."""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _render_panel(
    found: Decision,
    status: str,
    declared: dict[int, Any],
    recorded: list[ballot_reads.RecordedBallot],
) -> str:
    result = results_service.count(found)
    options = {o.id: o for o in found.options}
    language = found.original_language
    labels = {
        row["id"]: option_label(options[row["id"]], decision_language=language)
        for row in result.options
    }
    columns = RESULT_COLUMNS.get(found.method, [])
    main = columns[0][0] if columns else None
    top = max((float(row.get(main) or 0) for row in result.options), default=0) if main else 0
    # A dot vote, and a decision selecting several options, lists its options
    # best first with their place; level options share a place.
    selection = results_service.selection_of(found, result)
    ranked = selection is not None and (found.method == "dot_vote" or found.selects > 1)
    places = dict(selection.ranking) if selection is not None and ranked else {}
    chosen = set(selection.selected) if selection is not None and found.selects > 1 else None
    rows = []
    for row in result.options:
        value = float(row.get(main) or 0) if main else 0
        proposed = options[row["id"]]  # credited by the name of the time (domain/names.py)
        rows.append(
            {
                **row,
                "label": labels[row["id"]],
                "bar": _percent(value / top) if top else 0,
                "winner": row["id"] in (chosen if chosen is not None else result.winners),
                "place": places.get(row["id"]),
                "proposed_by": proposed.proposed_by_name if proposed.proposed_by_id else None,
            }
        )
    if places:
        rows.sort(key=lambda r: places[r["id"]])  # stable: display order among equals
    ruled = decision_rules.rules_view(found, result, declared=declared)
    count = count_tables(result, labels, found.counting, found.selects, ruled.verdict)
    return render_block(
        "decisions/results.html",
        "panel",
        decision=found,
        result=result,
        rows=rows,
        columns=[(key, str(label)) for key, label in columns],
        winners=count.winners,
        count=count,
        tie_rule=str(TIE_RULES.get(count.counting or found.method, "")),
        selection=selection if found.selects > 1 else None,
        ranked=bool(places),
        status_value=status,
        quorum_percent=percent_text(result.quorum),
        needed=_needed(result.quorum, result.eligible),
        recorded=recorded,
        ruled=ruled,
    )


def _needed(quorum: Any, eligible: int) -> int:
    return ceil(quorum * eligible)


RESULT_COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "single_choice": [("votes", _l("Votes"))],
    "approval": [("votes", _l("Approvals"))],
    "ranked": [("first_preferences", _l("First preferences"))],
    "score": [
        ("sum", _l("Total score")),
        ("mean", _l("Mean score")),
        ("scored_by", _l("Scored by")),
    ],
    "dot_vote": [("dots", _l("Dots"))],
    "meeting_time": [("yes", _l("Yes")), ("if_need_be", _l("If need be")), ("no", _l("No"))],
}
