"""The facilitator's draft form: a method step, then that method's fields.

Drafting a decision asks first for its method (``/admin/decisions/new`` shows
the methods with what each one asks of the members; choosing one is a plain
GET to ``?method=…``), then shows the form with only the fields that method
uses: the counting rule for ranked, the highest score for score, the dots for
a dot vote, a start and end per slot for a meeting time, one proposal for
consent. The method stays changeable on the form: the "Show the fields of
this method" button sends what was typed and shows the form again for the
chosen method, saving nothing, so none of this needs JavaScript. The POST
accepts every field of every method; the service reads only the chosen
method's. An open decision has its own, smaller form (deadline, description,
option wording).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock
from ..content import reader_language
from ..domain.ballots import METHODS
from ..domain.errors import InvalidInput
from ..domain.lifecycle import Status
from ..domain.majority import MAJORITY_METHODS
from ..domain.selection import selects_several
from ..i18n import local_input
from ..models import Decision
from ..services import decision_copies
from ..services import decisions as decision_service
from . import bp
from .admin import (
    FormError,
    _actor,
    _decision,
    _edition,
    _form_status,
    _page,
    _status_name,
    _submit,
    _submit_update,
    _zone,
    facilitator_required,
    show_errors,
)
from .admin_forms import (
    MAX_OPTIONS,
    METHOD_HINTS,
    METHOD_LABELS,
    MORE_ROWS,
    OPTION_ROWS,
    DecisionForm,
    OpenDecisionForm,
)
from .render import percent_text


def _option_rows(form: DecisionForm) -> tuple[list[dict[str, Any]], list[int]]:
    """The non-blank option rows in the service's shape, and each one's form row."""
    meeting = form.method.data == "meeting_time"
    options: list[dict[str, Any]] = []
    rows: list[int] = []
    for index, entry in enumerate(form.options.entries):
        row = entry.form
        if row.is_blank():
            continue
        option: dict[str, Any] = {
            "label": row.label.data or "",
            "description": row.description.data or "",
        }
        if meeting:
            option["starts_at"] = (row.starts_at.data or "").strip() or None
            option["ends_at"] = (row.ends_at.data or "").strip() or None
        options.append(option)
        rows.append(index)
    return options, rows


def _decision_data(form: DecisionForm) -> tuple[dict[str, Any], list[int]]:
    """The service's decision body from the form, and the form row of each option."""
    method = form.method.data
    options, rows = _option_rows(form)
    # A percentage the form refused (no fraction) is left to the form's error.
    quorum = getattr(form.quorum, "fraction", None)
    data = {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "method": method,
        "options": options,
        "closes_at": form.closes_at.data or None,
        "quorum": format(quorum.normalize(), "f") if quorum is not None else "0",
        "results_visibility": form.results_visibility.data,
        "ballot_secrecy": form.ballot_secrecy.data,
        "comments": form.comments.data,
        "counting": form.counting.data if method == "ranked" else None,
        "max_score": form.max_score.data if method == "score" else None,
        "dots": form.dots.data if method == "dot_vote" else None,
        "dots_per_option": form.dots_per_option.data if method == "dot_vote" else None,
        "selects": (form.selects.data or 1) if selects_several(method) else 1,
        "facilitator_votes": bool(form.facilitator_votes.data),
        "proposals_open": bool(form.proposals_open.data),
        "secret_receipts": bool(form.secret_receipts.data),
        "document_url": form.document_url.data or None,
        "reminder_hours": form.reminder_hours.data,
        "majority_rule": form.majority_rule.data if method in MAJORITY_METHODS else "relative",
        "majority_base": form.majority_base.data,
        "majority_share": (form.majority_share.data or None)
        if form.majority_rule.data == "fraction"
        else None,
        "double_majority": list(form.double_majority.data or [])
        if method not in ("consent", "discussion")
        else None,
    }
    return data, rows


def _service_errors_beside(form: DecisionForm, decision_id: int | None) -> None:
    """A draft form that refused some of its fields itself: the service's
    refusals of the others are shown too, so that one answer names every bad
    field (nothing is written)."""
    if not form.is_submitted() or form.csrf_token.errors:
        return
    data, rows = _decision_data(form)
    try:
        decision_service.check_decision(
            _actor(), data, clock.now(), zone=_zone(), decision_id=decision_id
        )
    except InvalidInput as error:
        show_errors(form, error, rows, beside=True)


def _add_rows(form: DecisionForm, n: int) -> None:
    for _i in range(n):
        if len(form.options.entries) >= MAX_OPTIONS:
            break
        form.options.append_entry()


def _draft_form_page(
    form: DecisionForm, decision: Decision | None, status: int
) -> ResponseReturnValue:
    method = form.method.data if form.method.data in METHODS else ""
    return _page(
        "admin/decision_form.html",
        status,
        form=form,
        decision=decision,
        zone=_zone(),
        method=method,
        method_hint=METHOD_HINTS.get(method),
        rows=_shown_rows(form, method),
        edition=_edition(decision, status),
    )


def _shown_rows(form: DecisionForm, method: str) -> list[tuple[int, Any]]:
    """The option rows to show, numbered from 1: consent shows one (plus any filled in)."""
    entries = list(form.options.entries)
    if method == "consent":
        filled = [e for e in entries if not e.form.is_blank()]
        entries = filled or entries[:1]
    return list(enumerate(entries, start=1))


def _method_step(
    status: int = 200, *, refused: bool = False, template_error: str = ""
) -> ResponseReturnValue:
    """The first step of a new draft: which method? (a GET form, ``?method=…``),
    or a template (a POST button each).

    :param refused: no method or an unknown one was asked for.
    :param template_error: why the template posted was refused (translated).
    """
    language = reader_language()
    templates = [
        (t.key, t.texts[language]["title"], t.texts[language]["hint"])
        for t in decision_copies.list_templates()
    ]
    errors = []
    if refused:
        errors.append(FormError(f"method-{METHODS[0]}", _("Method"), _("Choose a method.")))
    if template_error:
        errors.append(FormError(f"template-{templates[0][0]}", _("Template"), template_error))
    return _page(
        "admin/decision_method.html",
        status,
        methods=[(m, METHOD_LABELS[m], METHOD_HINTS[m]) for m in METHODS],
        templates=templates,
        errors=errors,
        refused=refused,
        template_error=template_error,
    )


def _redrawn(form: DecisionForm) -> bool:
    """Whether the form was sent only to show more rows or another method's fields.

    Nothing is saved then: the form comes back with what was typed.
    """
    if not form.is_submitted():
        return False
    if form.add_rows.data:
        _add_rows(form, MORE_ROWS)
        return True
    return bool(form.change_method.data)


@bp.route("/admin/decisions/new", methods=["GET", "POST"])
@facilitator_required
def admin_decision_new() -> ResponseReturnValue:
    """Draft a new decision: first its method, then that method's fields.

    Blank option rows are left out.
    """
    if request.method == "GET":
        method = request.args.get("method")
        if method is None and "step" not in request.args:
            return _method_step()
        if method not in METHODS:
            return _method_step(400, refused=True)
        return _draft_form_page(DecisionForm(data={"method": method}), None, 200)
    form = DecisionForm()
    if _redrawn(form):
        return _draft_form_page(form, None, 200)
    status = _form_status(form)
    if not form.validate_on_submit():
        _service_errors_beside(form, None)
    else:
        data, rows = _decision_data(form)
        data["original_language"] = reader_language()  # written in the facilitator's language
        outcome = _submit(
            form,
            lambda: decision_service.create_decision(_actor(), data, clock.now(), zone=_zone()),
            done=lambda decision: _("Draft “%(title)s” saved.", title=decision.title),
            to=lambda decision: url_for("web.admin_decision", decision_id=decision.id),
            rows=rows,
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _draft_form_page(form, None, status)


def _draft_form_data(decision: Decision) -> dict[str, Any]:
    return {
        "title": decision.title,
        "description": decision.description,
        "method": decision.method,
        "counting": decision.counting or "irv",
        "max_score": decision.max_score or 5,
        "dots": decision.dots or 3,
        "dots_per_option": decision.dots_per_option,
        "selects": decision.selects,
        "options": [
            {
                "label": o.label,
                "description": o.description,
                "starts_at": local_input(o.starts_at),
                "ends_at": local_input(o.ends_at),
            }
            for o in decision.options
        ],
        "closes_at": local_input(decision.closes_at),
        "quorum": percent_text(decision.quorum, exact=True),
        "results_visibility": decision.results_visibility,
        "ballot_secrecy": decision.ballot_secrecy,
        "comments": decision.comments,
        "facilitator_votes": decision.facilitator_votes,
        "proposals_open": decision.proposals_open,
        "secret_receipts": decision.secret_receipts,
        "document_url": decision.document_url or "",
        "reminder_hours": decision.reminder_hours,
        "majority_rule": decision.majority_rule,
        "majority_base": decision.majority_base,
        "majority_share": decision.majority_share or "",
        "double_majority": list(decision.double_majority or []),
    }


def _open_form_data(decision: Decision) -> dict[str, Any]:
    return {
        "description": decision.description,
        "closes_at": local_input(decision.closes_at),
        "options": [
            {"id": str(o.id), "label": o.label, "description": o.description}
            for o in decision.options
        ],
        "document_url": decision.document_url or "",
        "reminder_hours": decision.reminder_hours,
    }


@bp.route("/admin/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@facilitator_required
def admin_decision_edit(decision_id: int) -> ResponseReturnValue:
    """Edit a draft (every field) or an open decision (deadline, description, wording)."""
    decision = _decision(decision_id)
    status = decision_service.status_of(decision, clock.now())
    if status is Status.OPEN:
        return _edit_open(decision)
    if status is not Status.DRAFT:
        flash(_("A %(status)s decision cannot be changed.", status=_status_name(status)), "error")
        return redirect(url_for("web.admin_decision", decision_id=decision_id), 303)
    form = (
        DecisionForm()
        if request.method == "POST"
        else DecisionForm(data=_draft_form_data(decision))
    )
    if request.method == "GET" and len(form.options.entries) >= OPTION_ROWS:
        _add_rows(form, 2)
    if _redrawn(form):
        return _draft_form_page(form, decision, 200)
    status = _form_status(form)
    if not form.validate_on_submit():
        _service_errors_beside(form, decision_id)
    else:
        data, rows = _decision_data(form)
        outcome = _submit_update(form, decision_id, data, _("Draft saved."), rows)
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _draft_form_page(form, _decision(decision_id), status)


def _open_changes(form: OpenDecisionForm, decision: Decision) -> dict[str, Any]:
    """Only what changed: an unchanged deadline or wording is not sent (nor logged)."""
    data: dict[str, Any] = {}
    if (form.description.data or "").strip() != decision.description:
        data["description"] = form.description.data or ""
    if (form.closes_at.data or "") != local_input(decision.closes_at):
        data["closes_at"] = form.closes_at.data or ""
    if (form.document_url.data or "") != (decision.document_url or ""):
        data["document_url"] = form.document_url.data or None
    if form.reminder_hours.data != decision.reminder_hours:
        data["reminder_hours"] = form.reminder_hours.data
    current = {str(o.id): o for o in decision.options}
    changes = []
    for entry in form.options.entries:
        row = entry.form
        raw_id = (row.id.data or "").strip()
        option = current.get(raw_id)
        label = row.label.data or ""
        description = row.description.data or ""
        if (
            option is not None
            and label.strip() == option.label
            and description.strip() == option.description
        ):
            continue
        changes.append(
            {
                "id": int(raw_id) if raw_id.isdigit() else raw_id,
                "label": label,
                "description": description,
            }
        )
    if changes:
        data["options"] = changes
    return data


def _edit_open(decision: Decision) -> ResponseReturnValue:
    """The open decision's form: only a later deadline, description and option wording."""
    decision_id = decision.id
    form = (
        OpenDecisionForm()
        if request.method == "POST"
        else OpenDecisionForm(data=_open_form_data(decision))
    )
    status = _form_status(form)
    if form.validate_on_submit():
        data = _open_changes(form, decision)
        if not data:
            flash(_("Nothing was changed."), "success")
            return redirect(url_for("web.admin_decision", decision_id=decision_id), 303)
        rows = None
        if "options" in data:
            by_id = {str(e.form.id.data): n for n, e in enumerate(form.options.entries)}
            rows = [by_id.get(str(o["id"]), -1) for o in data["options"]]
        outcome = _submit_update(
            form, decision_id, data, _("Changes saved; members see the options as edited."), rows
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    decision = _decision(decision_id)
    return _page(
        "admin/decision_open_form.html",
        status,
        form=form,
        decision=decision,
        zone=_zone(),
        edition=_edition(decision, status),
    )
