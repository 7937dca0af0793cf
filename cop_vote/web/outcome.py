"""The members' outcome page: the published option(s), the statement, and how
the outcome came about (publication, amendments, reopenings), the original
kept visible."""

from __future__ import annotations

from flask import url_for
from flask.typing import ResponseReturnValue

from ..clock import now
from ..services import decision_rules
from ..services import decisions as decision_service
from ..services import results as results_service
from ..services.selections import history as outcome_history
from ..services.selections import published_options
from . import bp
from .render import page, person


@bp.get("/decisions/<int:decision_id>/outcome")
def outcome(decision_id: int) -> ResponseReturnValue:
    """The published outcome, or the statement of a withdrawn decision."""
    viewer = person()
    found = decision_service.get_decision(viewer, decision_id)
    option = found.outcome_option
    calendar_url = None
    if (
        found.method == "meeting_time"
        and found.status == "published"
        and option is not None
        and option.starts_at is not None
        and option.ends_at is not None
    ):
        calendar_url = url_for("web.meeting_calendar", decision_id=found.id)
    departs = False
    ruled = None
    if found.status == "published" and found.method != "discussion":
        # Say so when the published option(s) are not what the decision rule gives.
        result = results_service.count(found)
        ruled = decision_rules.rules_view(found, result)
        rule = ruled.verdict
        if rule.rule_met:
            departs = rule.option != found.outcome_option_id
        else:
            # A rule not met chooses nothing: publishing no option follows it.
            departs = found.outcome_option_id is not None or bool(found.selection)
        selection = results_service.selection_of(found, result)
        if rule.rule_met and found.selects > 1 and selection is not None:
            departs = selection.selected != [s.option_id for s in found.selection]
        if found.method == "consent" and rule.rule_met:
            departs = False
    history = outcome_history([found.id])[found.id]
    amended = [entry.at for entry in history if entry.kind == "amended"]
    return page(
        "decisions/outcome.html",
        decision=found,
        status_value=decision_service.status_of(found, now()).value,
        calendar_url=calendar_url,
        departs_from_rule=departs,
        history=history,
        amended_at=amended[-1] if amended else None,
        selected_options=published_options(found),
        ruled=ruled,
    )
