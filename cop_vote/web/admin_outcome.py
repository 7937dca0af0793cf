"""The facilitator's outcome pages: publish, amend a published outcome, reopen a closed decision.

Each is a form behind a page that works without JavaScript: the options of
the outcome are chosen place by place (one select per place the decision
selects), starting from the count's ranking; every change goes through the
same service function as the API (:func:`~cop_vote.services.transitions.publish_decision`,
:func:`~cop_vote.services.outcomes.amend_outcome`,
:func:`~cop_vote.services.outcomes.reopen_decision`), with a stated reason
for an amendment or a reopening.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..domain import lifecycle
from ..domain.errors import Conflict
from ..domain.lifecycle import Status
from ..domain.selection import Selection
from ..domain.tally import TallyResult, Verdict
from ..i18n import option_label, translate
from ..models import Decision
from ..services import decisions as decision_service
from ..services import outcomes, transitions
from ..services.objections import list_objections
from ..services.results import count, decision_verdict, selection_of
from ..services.sealing import is_sealed, is_secret
from ..services.selections import history
from . import bp
from .admin import (
    _actor,
    _allowed,
    _decision,
    _form_status,
    _not_now,
    _page,
    _row,
    _submit,
    _zone,
    facilitator_required,
)
from .admin_forms import AmendForm, PublishForm, ReopenForm


def _choices(decision: Decision) -> list[SelectChoice]:
    choices = [SelectChoice("", _("No option chosen"))]
    choices += [SelectChoice(str(o.id), str(option_label(o))) for o in decision.options]
    return choices


def _place_fields(form: PublishForm, decision: Decision) -> None:
    """One select per place the decision selects: ``option`` first, then ``places``."""
    choices = _choices(decision)
    form.option.choices = choices
    while len(form.places.entries) < decision.selects - 1:
        form.places.append_entry()
    del form.places.entries[max(decision.selects - 1, 0) :]
    if decision.selects > 1:
        form.option.label.text = _("Place %(n)d", n=1)
    for n, entry in enumerate(form.places.entries, start=2):
        entry.choices = choices
        entry.label.text = _("Place %(n)d", n=n)


def _prefill(form: PublishForm, option_ids: list[int]) -> None:
    """Put the options in the form's places, in order; the rest blank."""
    values = [str(i) for i in option_ids]
    form.option.data = values[0] if values else ""
    for n, entry in enumerate(form.places.entries, start=1):
        entry.data = values[n] if n < len(values) else ""


def _chosen(form: PublishForm) -> list[int]:
    """The options chosen in the form's places, in order; blank places left out."""
    raw = [form.option.data, *(entry.data for entry in form.places.entries)]
    return [int(value) for value in raw if value]


def _option_arguments(decision: Decision, form: PublishForm) -> dict[str, Any]:
    """The service's ``option`` / ``options`` for the form: the single option as
    before for a decision that selects one, else the ordered list."""
    chosen = _chosen(form)
    if decision.selects == 1:
        return {"option": chosen[0] if chosen else None}
    return {"options": chosen}


def _publish(decision: Decision, form: PublishForm) -> Decision:
    """Publish with the form's places (read once the form is valid)."""
    chosen = _option_arguments(decision, form)
    return transitions.publish_decision(
        _actor(),
        decision.id,
        chosen.get("option"),
        form.statement.data,
        clock.now,
        option_ids=chosen.get("options"),
    )


def _count(decision: Decision) -> tuple[TallyResult | None, Verdict | None, Selection | None]:
    """The count, its verdict and its selection; nothing for a secret decision
    not yet sealed (it is counted once a write has cut its ballots)."""
    if is_secret(decision) and not is_sealed(decision):
        return None, None, None
    result = count(decision)
    return result, decision_verdict(decision, result), selection_of(decision, result)


def _ranked(decision: Decision, found: Selection | None) -> bool:
    """Whether the count is shown best first with places: a dot vote, or a
    decision selecting several options (as the results page shows them)."""
    return found is not None and (decision.method == "dot_vote" or decision.selects > 1)


def _ranked_rows(
    decision: Decision, result: TallyResult | None, found: Selection | None
) -> list[dict[str, Any]]:
    """The count's option rows; best first with their place when :func:`_ranked`."""
    if result is None:
        return []
    if found is None or not _ranked(decision, found):
        return [dict(row) for row in result.options]
    places = dict(found.ranking)
    rows = {row["id"]: row for row in result.options}
    return [{**rows[oid], "place": places[oid]} for oid, _place in found.ranking]


def _save(
    form: PublishForm | ReopenForm,
    decision_id: int,
    call: Callable[[], Decision],
    done: str,
    template: str,
    status: int,
    context: Callable[[Decision], dict[str, Any]],
) -> ResponseReturnValue:
    """The POST of an outcome page: on a valid form the one service ``call``,
    commit and back to the decision; else (or refused) the page again.

    :param status: the page's status so far (409 refuses without calling).
    :param context: the page's values for the decision as read afresh.
    """
    if status != 409 and form.validate_on_submit():
        outcome = _submit(
            form,
            call,
            done=lambda _decision: done,
            to=url_for("web.admin_decision", decision_id=decision_id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    decision = _decision(decision_id)
    return _page(
        template,
        status,
        form=form,
        decision=decision,
        row=_row(decision, clock.now()),
        **context(decision),
    )


@bp.route("/admin/decisions/<int:decision_id>/publish", methods=["GET", "POST"])
@facilitator_required
def admin_decision_publish(decision_id: int) -> ResponseReturnValue:
    """Publish a closed decision with the chosen option(s) (or none) and a statement."""
    decision = _decision(decision_id)
    if request.method == "GET" and not _allowed(decision, Status.PUBLISHED):
        return _not_now(decision)
    result, verdict, found = _count(decision)
    form = PublishForm()
    _place_fields(form, decision)
    if request.method == "GET" and verdict is not None:
        if decision.selects > 1 and found is not None:
            _prefill(form, found.selected)
        else:
            _prefill(form, [verdict.option] if verdict.rule_met and verdict.option else [])
    return _save(
        form,
        decision_id,
        lambda: _publish(decision, form),
        _("The outcome is published."),
        "admin/decision_publish.html",
        _form_status(form),
        lambda decision: {
            "result": result,
            "verdict": verdict,
            "selection": found,
            "ranked_rows": _ranked_rows(decision, result, found),
            "ranked": _ranked(decision, found),
            "objections": list_objections(_actor(), decision_id),
        },
    )


@bp.route("/admin/decisions/<int:decision_id>/amend", methods=["GET", "POST"])
@facilitator_required
def admin_decision_amend(decision_id: int) -> ResponseReturnValue:
    """Amend a published outcome (option(s) and/or statement), saying why."""
    decision = _decision(decision_id)
    if decision_service.status_of(decision, clock.now()) is not Status.PUBLISHED:
        return _not_now(decision)
    form = AmendForm()
    _place_fields(form, decision)
    if request.method == "GET":
        _prefill(form, [s.option_id for s in decision.selection])
        form.statement.data = decision.outcome_statement or ""
    return _save(
        form,
        decision_id,
        lambda: outcomes.amend_outcome(
            _actor(),
            decision_id,
            {
                **_option_arguments(decision, form),
                "statement": form.statement.data,
                "reason": form.reason.data,
            },
            clock.now,
        ),
        _("The outcome is amended; the original stays visible."),
        "admin/decision_amend.html",
        _form_status(form),
        lambda decision: {"history": history([decision.id])[decision.id]},
    )


@bp.route("/admin/decisions/<int:decision_id>/reopen", methods=["GET", "POST"])
@facilitator_required
def admin_decision_reopen(decision_id: int) -> ResponseReturnValue:
    """Reopen a closed decision for ballots with a new deadline, saying why."""
    decision = _decision(decision_id)
    if decision_service.status_of(decision, clock.now()) is not Status.CLOSED:
        return _not_now(decision)
    form = ReopenForm()
    refused = True
    try:
        # The rule the service applies, asked before any form is offered: a
        # secret decision's ballots were cut at close, so the page says why
        # it cannot be reopened instead of offering a form that would fail.
        lifecycle.check_reopen(Status.CLOSED, secret=is_secret(decision))
        refused = False
    except Conflict as refusal:
        form.form_errors.append(translate(refusal.message))
    return _save(
        form,
        decision_id,
        lambda: outcomes.reopen_decision(
            _actor(), decision_id, form.closes_at.data, form.reason.data, clock.now, zone=_zone()
        ),
        _("The decision is open for ballots again."),
        "admin/decision_reopen.html",
        409 if refused else _form_status(form),
        lambda _decision: {"refused": refused, "zone": _zone()},
    )
