"""The facilitator's pages under ``/admin``: organisations, people, decisions.

Every view is thin: parse the form, make one service call, commit once, and
redirect with a message (POST/redirect/GET). A refused input re-renders the
form with the service's field messages beside the fields and changes nothing;
a refused state change (``Conflict``) is shown as a message. Every state change
is a POST with a CSRF token behind a confirmation page, so nothing needs
JavaScript. Only facilitators get in: others get 403, anonymous visitors are
sent to sign in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import Field
from wtforms import Form as WTForm

from .. import clock
from ..domain import lifecycle
from ..domain.errors import Conflict, InvalidInput
from ..domain.lifecycle import Status
from ..extensions import db, login_manager
from ..i18n import translate
from ..models import Decision, Person
from ..services import decisions as decision_service
from ..services import organisations as org_service
from ..services import outbox, transitions
from ..services.results import participation_page, turnout
from ..services.sealing import is_secret
from ..services.selections import history as outcome_history
from ..services.selections import published_options
from . import bp
from .admin_forms import (
    COMMENTS_LABELS,
    KIND_LABELS,
    METHOD_LABELS,
    ROLE_LABELS,
    SECRECY_LABELS,
    VISIBILITY_LABELS,
    ConfirmForm,
    OrganisationForm,
    WithdrawForm,
)
from .lead_forms import lead_context
from .localised import render_template
from .render import percent_text

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


# --- access -------------------------------------------------------------------------------


def facilitator_required(view: F) -> F:
    """Let facilitators in; send anonymous visitors to sign in; 403 for the rest."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.active or current_user.role != "facilitator":
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _actor() -> Person:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _zone() -> str:
    return str(current_app.config["NETWORK_TIME_ZONE"])


# --- form errors --------------------------------------------------------------------------


@dataclass(frozen=True)
class FormError:
    """One message of the error summary: the field's id (for the link) and text."""

    target: str
    label: str
    message: str


def _resolve(form: WTForm, path: str, rows: list[int] | None) -> Field | None:
    """The form field named by a service's dotted field path, e.g. ``options.2.label``.

    :param rows: for option paths, the form row of each option the service saw
        (blank rows are not sent, so the service's index is not the row's).
    """
    parts = path.split(".")
    field = form._fields.get(parts[0])
    if field is None:
        return None
    if field.type == "FieldList" and len(parts) > 1 and parts[1].isdigit():
        index = int(parts[1])
        if rows is not None:
            index = rows[index] if index < len(rows) else -1
        if not 0 <= index < len(field.entries):
            return field
        entry = field.entries[index]
        if len(parts) > 2 and parts[2] in entry.form._fields:
            return entry.form._fields[parts[2]]  # type: ignore[no-any-return]
        return entry.form._fields.get("label", field)  # type: ignore[no-any-return]
    return field  # type: ignore[no-any-return]


def show_errors(
    form: WTForm,
    error: InvalidInput,
    rows: list[int] | None = None,
    path_of: Callable[[str], str] | None = None,
    *,
    beside: bool = False,
) -> None:
    """Put the service's field messages on the form's fields; the rest on the form.

    :param path_of: turns the service's field path into the form's, where they differ.
    :param beside: the form refused some fields itself: those keep the form's
        message alone.
    """
    db.session.rollback()
    if not error.fields and not beside:
        form.form_errors.append(translate(error.message))
    for path, raw in error.fields.items():
        message = translate(raw)
        field = _resolve(form, path_of(path) if path_of else path, rows)
        if field is not None and field.type == "FieldList" and _named_inside(error, path):
            continue  # the rows it names carry the message, next to their fields
        if beside and (field is None or field.errors):
            continue
        if field is None or field.type in ("FieldList", "FormField"):
            form.form_errors.append(
                message if field is None else f"{translate(error.message)} {message}"
            )
        else:
            field.errors = [*field.errors, message]


def _named_inside(error: InvalidInput, path: str) -> bool:
    """Whether ``error`` also names a field inside the list at ``path``."""
    return any(other.startswith(path + ".") for other in error.fields)


def error_items(form: WTForm) -> list[FormError]:
    """Every message on the form, in field order, for the summary at the top."""
    items = [FormError("", "", message) for message in form.form_errors]

    def walk(fields: Iterable[Field], prefix: str) -> None:
        for field in fields:
            if field.type == "FieldList" and field.entries and field.entries[0].type != "FormField":
                walk(field.entries, "")  # a list of plain fields (the places of an outcome)
            elif field.type == "FieldList":
                for n, entry in enumerate(field.entries, start=1):
                    walk(entry.form, _("Option %(n)d", n=n) + ": ")
            elif field.type in ("CSRFTokenField", "SubmitField"):
                if field.errors:
                    items.append(FormError("", "", " ".join(field.errors)))
            else:
                for message in field.errors:
                    items.append(FormError(field.id, prefix + str(field.label.text), message))

    walk(form, "")
    return items


def _page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    form = context.get("form")
    context.setdefault("errors", error_items(form) if form is not None else [])
    return render_template(template, **context), status


T = TypeVar("T")


def _submit(
    form: WTForm,
    call: Callable[[], T],
    *,
    done: Callable[[T], str],
    to: str | Callable[[T], str],
    rows: list[int] | None = None,
    path_of: Callable[[str], str] | None = None,
) -> ResponseReturnValue | int:
    """Run a view's one service call for a valid submitted form.

    :param call: the service call; its result is passed to ``done``.
    :param done: the success message for the flash.
    :param to: where to redirect (303) after the commit, or a function of the result.
    :param rows: the form rows of the options sent (see :func:`_resolve`).
    :param path_of: see :func:`show_errors`.
    :returns: the redirect on success; else the status to re-render the form
        with, the refusal on the form and nothing changed: 400 for
        :class:`InvalidInput`, 409 for :class:`Conflict`.
    """
    try:
        result = call()
    except InvalidInput as error:
        show_errors(form, error, rows, path_of)
        return 400
    except Conflict as error:
        db.session.rollback()
        form.form_errors.append(translate(error.message))
        return 409
    # The message and the address describe this request's own change, built
    # before the commit so that a concurrent change cannot show through.
    message = done(result)
    target = to if isinstance(to, str) else to(result)
    db.session.commit()
    flash(message, "success")
    return redirect(target, 303)


def _submit_update(
    form: WTForm,
    decision_id: int,
    data: dict[str, Any],
    message: str,
    rows: list[int] | None = None,
    path_of: Callable[[str], str] | None = None,
) -> ResponseReturnValue | int:
    """Save a change to a decision from a facilitator's form (the draft, the
    open decision's changes, the translation) through the one update path the
    API uses, and go back to the decision's page; see :func:`_submit`.

    :param data: the change in the service's shape (``update_decision``).
    :param message: the success message.
    """
    seen = request.form.get("edition") or None
    return _submit(
        form,
        lambda: decision_service.update_decision(
            _actor(), decision_id, data, clock.now, zone=_zone(), seen=seen
        ),
        done=lambda _decision: message,
        to=url_for("web.admin_decision", decision_id=decision_id),
        rows=rows,
        path_of=path_of,
    )


def _edition(decision: Decision | None, status: int) -> str | None:
    """The decision's edition for a facilitator's form (``<input name=edition>``):
    the one the form was first drawn from while it is being corrected, the
    current one when it is first shown or after a refusal because someone else
    saved in between (the facilitator has then seen their change)."""
    if decision is None:
        return None
    posted = request.form.get("edition") if request.method == "POST" else None
    if posted and status != 409:
        return posted
    return decision_service.edition(decision)


def _form_status(form: WTForm) -> int:
    """200 for a form shown; 400 for one submitted that did not validate."""
    return 400 if form.is_submitted() else 200


# --- shared page data ---------------------------------------------------------------------


def _start() -> int:
    """The ``start`` of a listed page (an offset), 0 when absent or not a number."""
    raw = request.args.get("start", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else 0


def _pages(
    endpoint: str, start: int, limit: int, *, more: bool, **values: Any
) -> dict[str, str | None]:
    """The addresses of the previous and next pages of a listed page
    (``values``: the endpoint's other arguments)."""
    return {
        "previous_url": (
            url_for(endpoint, **values, start=max(0, start - limit) or None) if start else None
        ),
        "next_url": url_for(endpoint, **values, start=start + limit) if more else None,
    }


@dataclass(frozen=True)
class DecisionRow:
    """A decision with its effective status and participation figures."""

    decision: Decision
    status: Status
    cast: int
    eligible: int


#: Organisations listed on the facilitator's decision page; the participation
#: page lists them all, a page at a time.
PARTICIPATION_SHOWN = 100


def _row(decision: Decision, now: Any) -> DecisionRow:
    return _rows([decision], now)[0]


def _rows(decisions: list[Decision], now: Any) -> list[DecisionRow]:
    """Each decision with its turnout, counted in SQL for all of them at once."""
    counts = turnout(decisions)
    return [
        DecisionRow(
            d,
            decision_service.status_of(d, now),
            counts[d.id].cast,
            counts[d.id].eligible,
        )
        for d in decisions
    ]


def member_url(decision: Decision) -> str:
    """The members' page of the decision (``web.decision``)."""
    return url_for("web.decision", decision_id=decision.id)


def _allowed(decision: Decision, target: Status) -> bool:
    if target is Status.CLOSED and decision.status == Status.OPEN.value and is_secret(decision):
        # Past its deadline too: for a secret ballot the close is the write that
        # cuts ballots from organisations, which must happen before any count.
        return True
    status = decision_service.status_of(decision, clock.now())
    return target in lifecycle.TRANSITIONS[status]


def _decision(decision_id: int) -> Decision:
    return decision_service.get_decision(_actor(), decision_id)


# --- overview -----------------------------------------------------------------------------

STATUS_ORDER = (Status.OPEN, Status.CLOSED, Status.DRAFT, Status.PUBLISHED, Status.WITHDRAWN)


@bp.get("/admin")
@facilitator_required
def admin_index() -> ResponseReturnValue:
    """Overview: decisions by status with ballots cast of eligible, and links."""
    now = clock.now()
    rows = _rows(decision_service.list_decisions(_actor()), now)
    groups = [(s, [r for r in rows if r.status is s]) for s in STATUS_ORDER]
    return _page(
        "admin/index.html",
        groups=groups,
        organisations=org_service.count_organisations(),
        people=org_service.count_people(),
        undelivered=outbox.counts()["failed"],
    )


# --- organisations ------------------------------------------------------------------------


def _org_data(form: OrganisationForm, *, new: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": form.name.data or "",
        "kind": form.kind.data,
        "voting": bool(form.voting.data),
    }
    for key in ("short_name", "slug"):
        value = form[key].data or ""
        if value or not new:
            data[key] = value
    return data


@bp.get("/admin/organisations")
@facilitator_required
def admin_organisations() -> ResponseReturnValue:
    """All organisations, inactive ones marked."""
    start, limit = _start(), int(current_app.config.get("ADMIN_LIST_PER_PAGE", 100))
    found = org_service.list_organisations(include_inactive=True, offset=start, limit=limit + 1)
    return _page(
        "admin/organisations.html",
        organisations=found[:limit],
        **_pages("web.admin_organisations", start, limit, more=len(found) > limit),
    )


@bp.route("/admin/organisations/new", methods=["GET", "POST"])
@facilitator_required
def admin_organisation_new() -> ResponseReturnValue:
    """Add an organisation."""
    form = OrganisationForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: org_service.create_organisation(_actor(), _org_data(form, new=True)),
            done=lambda org: _("Organisation %(name)s added.", name=org.name),
            to=url_for("web.admin_organisations"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page("admin/organisation_form.html", status, form=form, organisation=None)


@bp.route("/admin/organisations/<slug>/edit", methods=["GET", "POST"])
@facilitator_required
def admin_organisation_edit(slug: str) -> ResponseReturnValue:
    """Edit an organisation's name, short name, slug, kind and voting."""
    form = OrganisationForm(obj=org_service.get_organisation(slug))
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: org_service.update_organisation(_actor(), slug, _org_data(form, new=False)),
            done=lambda org: _("Organisation %(name)s saved.", name=org.name),
            to=url_for("web.admin_organisations"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    org = org_service.get_organisation(slug)
    return _page(
        "admin/organisation_form.html",
        status,
        form=form,
        organisation=org,
        **lead_context(slug, _actor()),
    )


def _set_active(
    subject: str, active: bool, cancel: str, call: Callable[[], object]
) -> ResponseReturnValue:
    """Confirm page on GET; on POST (de)activate with ``call`` and go to ``cancel``."""
    form = ConfirmForm()
    status = _form_status(form)
    if form.validate_on_submit():
        message = (
            _("%(name)s reactivated.", name=subject)
            if active
            else _("%(name)s deactivated.", name=subject)
        )
        outcome = _submit(form, call, done=lambda _result: message, to=cancel)
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page(
        "admin/confirm_active.html",
        status,
        form=form,
        subject=subject,
        active=active,
        cancel=cancel,
    )


def _set_org_active(slug: str, active: bool) -> ResponseReturnValue:
    return _set_active(
        org_service.get_organisation(slug).name,
        active,
        url_for("web.admin_organisations"),
        lambda: org_service.update_organisation(_actor(), slug, {"active": active}),
    )


@bp.route("/admin/organisations/<slug>/deactivate", methods=["GET", "POST"])
@facilitator_required
def admin_organisation_deactivate(slug: str) -> ResponseReturnValue:
    """Deactivate an organisation (its ballots stay); confirm first."""
    return _set_org_active(slug, False)


@bp.route("/admin/organisations/<slug>/reactivate", methods=["GET", "POST"])
@facilitator_required
def admin_organisation_reactivate(slug: str) -> ResponseReturnValue:
    """Reactivate an organisation; confirm first."""
    return _set_org_active(slug, True)


# --- decisions: lists and page ------------------------------------------------------------


@bp.get("/admin/decisions")
@facilitator_required
def admin_decisions() -> ResponseReturnValue:
    """Every decision, newest first, with status and participation."""
    now = clock.now()
    rows = _rows(decision_service.list_decisions(_actor()), now)
    return _page("admin/decisions.html", rows=rows)


@bp.get("/admin/decisions/<int:decision_id>")
@facilitator_required
def admin_decision(decision_id: int) -> ResponseReturnValue:
    """One decision for the facilitator: status, electorate, participation, actions."""
    decision = _decision(decision_id)
    now = clock.now()
    row = _row(decision, now)
    return _page(
        "admin/decision.html",
        row=row,
        decision=decision,
        participation=participation_page(decision, limit=PARTICIPATION_SHOWN).rows,
        quorum_percent=percent_text(decision.quorum),
        member_url=member_url(decision),
        can={t.value: _allowed(decision, t) for t in Status},
        history=outcome_history([decision.id])[decision.id],
        selected_options=published_options(decision),
    )


# --- decisions: lifecycle -----------------------------------------------------------------


def _status_name(status: Status) -> str:
    names = {
        Status.DRAFT: _("draft"),
        Status.OPEN: _("open"),
        Status.CLOSED: _("closed"),
        Status.PUBLISHED: _("published"),
        Status.WITHDRAWN: _("withdrawn"),
    }
    return names[status]


def _not_now(decision: Decision) -> ResponseReturnValue:
    status = decision_service.status_of(decision, clock.now())
    flash(_("Not possible: the decision is %(status)s.", status=_status_name(status)), "error")
    return redirect(url_for("web.admin_decision", decision_id=decision.id), 303)


def _transition(
    decision_id: int, target: Status, template: str, act: Callable[[Decision], Decision], done: str
) -> ResponseReturnValue:
    """Confirm page on GET; on POST the one service call, commit and redirect."""
    decision = _decision(decision_id)
    form = ConfirmForm()
    if request.method == "GET" and not _allowed(decision, target):
        return _not_now(decision)
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: act(decision),
            done=lambda _decision: done,
            to=url_for("web.admin_decision", decision_id=decision_id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
        decision = _decision(decision_id)
    return _page(template, status, form=form, decision=decision, row=_row(decision, clock.now()))


@bp.route("/admin/decisions/<int:decision_id>/open", methods=["GET", "POST"])
@facilitator_required
def admin_decision_open(decision_id: int) -> ResponseReturnValue:
    """Open a draft for voting (fixes the electorate); confirm first."""
    return _transition(
        decision_id,
        Status.OPEN,
        "admin/decision_open.html",
        lambda d: transitions.open_decision(_actor(), d.id, clock.now),
        _("The decision is open for voting."),
    )


@bp.route("/admin/decisions/<int:decision_id>/close", methods=["GET", "POST"])
@facilitator_required
def admin_decision_close(decision_id: int) -> ResponseReturnValue:
    """Close an open decision now; confirm first."""
    return _transition(
        decision_id,
        Status.CLOSED,
        "admin/decision_close.html",
        lambda d: transitions.close_decision(_actor(), d.id, clock.now),
        _("The decision is closed."),
    )


@bp.route("/admin/decisions/<int:decision_id>/withdraw", methods=["GET", "POST"])
@facilitator_required
def admin_decision_withdraw(decision_id: int) -> ResponseReturnValue:
    """Withdraw a draft or open decision with a statement saying why."""
    decision = _decision(decision_id)
    if request.method == "GET" and not _allowed(decision, Status.WITHDRAWN):
        return _not_now(decision)
    form = WithdrawForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: transitions.withdraw_decision(
                _actor(), decision_id, form.statement.data, clock.now
            ),
            done=lambda _decision: _("The decision is withdrawn."),
            to=url_for("web.admin_decision", decision_id=decision_id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    decision = _decision(decision_id)
    return _page(
        "admin/decision_withdraw.html",
        status,
        form=form,
        decision=decision,
        row=_row(decision, clock.now()),
    )


@bp.app_template_global("admin_status_name")
def admin_status_name(status: Status | str) -> str:
    """A decision status in the reader's language (for the admin templates)."""
    return _status_name(Status(status))


@bp.app_template_global("admin_method_name")
def admin_method_name(method: str) -> str:
    """A method's name in the reader's language."""
    return str(METHOD_LABELS.get(method, method))


@bp.app_template_global("admin_kind_name")
def admin_kind_name(kind: str) -> str:
    """An organisation kind in the reader's language."""
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global("admin_role_name")
def admin_role_name(role: str) -> str:
    """A role in the reader's language."""
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_global("admin_choice_name")
def admin_choice_name(field: str, value: str) -> str:
    """The label of a decision setting's value (visibility, secrecy, comments)."""
    labels = {
        "results_visibility": VISIBILITY_LABELS,
        "ballot_secrecy": SECRECY_LABELS,
        "comments": COMMENTS_LABELS,
    }[field]
    return str(labels.get(value, value))
