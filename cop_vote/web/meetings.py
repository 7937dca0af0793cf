"""The network page and the facilitator's meeting record.

``/network`` shows every signed-in person the network: its organisations and
its meetings, newest first, with each organisation's attendance (present,
excused, absent, as in the kick-off report's annex) and the follow-up actions
with owner, due date and whether they are done.

Under ``/admin/meetings`` facilitators record a meeting, set the attendance in
one grid (a select per organisation), add actions and mark them done. Plain
forms with a CSRF token, POST then redirect: nothing needs JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired

from .. import clock
from ..content import plain, shown
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..i18n import translate
from ..models import ATTENDANCE, Meeting, Organisation
from ..services import decisions as decision_service
from ..services import meetings as meeting_service
from ..services import network as network_service
from ..services import organisations as org_service
from . import bp
from .admin import FormError, _actor, _page, _submit, error_items, facilitator_required
from .admin_forms import KIND_LABELS, REQUIRED, ConfirmForm
from .render import page

#: How an attendance status reads on the pages.
ATTENDANCE_LABELS: dict[str, Any] = {
    "present": _l("present"),
    "excused": _l("excused"),
    "absent": _l("absent"),
}


#: The service's field messages (English) as the pages say them.
FIELD_MESSAGES: dict[str, Any] = {
    "Choose present, excused or absent.": _l("Choose present, excused or absent."),
    "Give a date such as 2009-12-04.": _l("Give a date such as 2009-12-04."),
    "Choose an organisation.": _l("Choose an organisation from the list."),
    "This field is required.": REQUIRED,
}


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def day(_form: Any, field: Field) -> None:
    """A ``date`` input's value, ``YYYY-MM-DD`` (a browser without date inputs
    shows a text field); blank passes, the field's other validators decide."""
    text = (field.data or "").strip()
    if not text:
        return
    try:
        value = date.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 9998:
        raise ValidationError(_l("Give a date such as 2009-12-04."))


class MeetingForm(FlaskForm):
    """Record a meeting: its title, day and place."""

    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED)], filters=[_strip])
    held_on = StringField(
        _l("Date"),
        validators=[InputRequired(REQUIRED), day],
        filters=[_strip],
        render_kw={"type": "date", "placeholder": "2009-12-04"},
    )
    location = StringField(_l("Location"), filters=[_strip])
    submit = SubmitField(_l("Add the meeting"))


class MeetingEditForm(MeetingForm):
    """Change a meeting's title, day and place, and write its minutes."""

    minutes = TextAreaField(_l("Minutes"), filters=[_strip], render_kw={"rows": 12})
    submit = SubmitField(_l("Save the meeting"))


class AgendaForm(FlaskForm):
    """Put a decision on the meeting's agenda; the choices are set by the view."""

    decision = SelectField(_l("Decision"), choices=[], validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Add to the agenda"))


class AttendanceForm(FlaskForm):
    """The attendance grid: its selects and notes are named per organisation
    (``attendance-<slug>``, ``note-<slug>``) and read by the view."""

    submit = SubmitField(_l("Save the attendance"))


class ActionForm(FlaskForm):
    """Add a follow-up action; the owner choices are set by the view."""

    text = TextAreaField(
        _l("Action"),
        validators=[InputRequired(REQUIRED)],
        filters=[_strip],
        render_kw={"rows": 3},
    )
    owner = SelectField(_l("Owner"), choices=[])
    due_on = StringField(
        _l("Due date (optional)"), validators=[day], filters=[_strip], render_kw={"type": "date"}
    )
    submit = SubmitField(_l("Add the action"))


class ActionEditForm(ActionForm):
    """Change a follow-up action: its text, owner, due date and whether it is done."""

    done = BooleanField(_l("Done"))
    submit = SubmitField(_l("Save the action"))


def _attendance(meeting: Meeting) -> dict[int, Any]:
    """``{organisation id: Attendance}`` of a meeting."""
    return {a.organisation_id: a for a in meeting.attendance}


def _grid_organisations(meeting: Meeting) -> list[Organisation]:
    """The rows of the attendance grid: active organisations, and inactive ones
    that have an entry already."""
    listed = org_service.list_organisations(include_inactive=True)
    recorded = set(_attendance(meeting))
    return [o for o in listed if o.active or o.id in recorded]


# --- the network page ----------------------------------------------------------------------


@bp.get("/network")
def network() -> ResponseReturnValue:
    """The network: its organisations, and its meetings with attendance and actions."""
    meetings = meeting_service.list_meetings()
    viewer = _actor()
    agendas = {
        m.id: [d for d in m.decisions if decision_service.is_visible(d, viewer)] for m in meetings
    }
    return page(
        "meetings/network.html",
        agendas=agendas,
        network=network_service.get_network(),
        organisations=org_service.list_organisations(),
        meetings=[(m, _attendance(m)) for m in meetings],
        kind_labels=KIND_LABELS,
        attendance_labels=ATTENDANCE_LABELS,
    )


# --- the facilitator's pages ----------------------------------------------------------------


@bp.route("/admin/meetings", methods=["GET", "POST"])
@facilitator_required
def admin_meetings() -> ResponseReturnValue:
    """Every meeting, and the form to record a new one."""
    form = MeetingForm()
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: meeting_service.create_meeting(
                _actor(), form.title.data, form.held_on.data, form.location.data, clock.now()
            ),
            done=lambda m: _("Meeting %(title)s added.", title=m.title),
            to=lambda m: url_for("web.admin_meeting", meeting_id=m.id),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page(
        "meetings/admin_meetings.html",
        status,
        form=form,
        meetings=meeting_service.list_meetings(),
    )


def _meeting_page(
    meeting: Meeting,
    status: int = 200,
    *,
    attendance_form: AttendanceForm | None = None,
    attendance_values: dict[str, tuple[str, str]] | None = None,
    attendance_errors: dict[str, str] | None = None,
    action_form: ActionForm | None = None,
    meeting_form: MeetingEditForm | None = None,
    agenda_form: AgendaForm | None = None,
) -> ResponseReturnValue:
    """The meeting's page with its forms; a refused one shows its errors."""
    current = _attendance(meeting)
    organisations = _grid_organisations(meeting)
    if attendance_values is None:
        attendance_values = {
            o.slug: (current[o.id].status, current[o.id].note) if o.id in current else ("", "")
            for o in organisations
        }
    if action_form is None:
        action_form = ActionForm(formdata=None)
    _owner_choices(action_form)
    errors: list[FormError] = []
    grid_errors = attendance_errors or {}
    if grid_errors:
        names = {o.slug: o.name for o in organisations}
        for key, message in grid_errors.items():
            kind, _sep, slug = key.partition("-")
            label = _("Attendance") if kind == "attendance" else _("Note")
            errors.append(FormError(key, f"{names.get(slug, slug)} ({label})", message))
    if attendance_form is not None:
        errors += [e for e in error_items(attendance_form) if e not in errors]
    if action_form.errors or action_form.form_errors:
        errors += error_items(action_form)
    if meeting_form is None:
        meeting_form = MeetingEditForm(formdata=None, obj=meeting)
    else:
        errors += error_items(meeting_form)
    if agenda_form is None:
        agenda_form = AgendaForm(formdata=None)
    else:
        errors += error_items(agenda_form)
    _agenda_choices(agenda_form, meeting)
    return _page(
        "meetings/admin_meeting.html",
        status,
        meeting=meeting,
        organisations=organisations,
        values=attendance_values,
        grid_errors=grid_errors,
        attendance_form=attendance_form or AttendanceForm(formdata=None),
        action_form=action_form,
        meeting_form=meeting_form,
        agenda_form=agenda_form,
        done_form=ConfirmForm(formdata=None),
        statuses=ATTENDANCE,
        attendance_labels=ATTENDANCE_LABELS,
        errors=errors,
    )


def _agenda_choices(form: AgendaForm, meeting: Meeting) -> None:
    linked = {d.id for d in meeting.decisions}
    form.decision.choices = [("", _("Choose a decision"))] + [
        (str(d.id), plain(shown(d, "title")))
        for d in decision_service.list_decisions(_actor())
        if d.id not in linked
    ]


def _owner_choices(form: ActionForm) -> None:
    form.owner.choices = [("", _("No owner"))] + [
        (o.slug, o.name) for o in org_service.list_organisations()
    ]


@bp.get("/admin/meetings/<int:meeting_id>")
@facilitator_required
def admin_meeting(meeting_id: int) -> ResponseReturnValue:
    """One meeting: the attendance grid, its actions, and the form to add one."""
    return _meeting_page(meeting_service.get_meeting(meeting_id))


@bp.post("/admin/meetings/<int:meeting_id>/attendance")
@facilitator_required
def admin_meeting_attendance(meeting_id: int) -> ResponseReturnValue:
    """Save the attendance grid: a status and a note per organisation."""
    meeting = meeting_service.get_meeting(meeting_id)
    form = AttendanceForm()  # CSRF is checked for every POST before the view runs
    slugs = [o.slug for o in _grid_organisations(meeting)]
    values = {
        slug: (
            request.form.get(f"attendance-{slug}", ""),
            request.form.get(f"note-{slug}", "").strip(),
        )
        for slug in slugs
        if f"attendance-{slug}" in request.form
    }
    try:
        meeting_service.set_attendances(_actor(), meeting_id, values, clock.now())
    except InvalidInput as error:
        db.session.rollback()
        # The service names bad rows "attendance.<slug>" / "note.<slug>": the grid's ids.
        return _meeting_page(
            meeting_service.get_meeting(meeting_id),
            400,
            attendance_form=form,
            attendance_values={s: values.get(s, ("", "")) for s in slugs},
            attendance_errors={
                k.replace(".", "-", 1): str(FIELD_MESSAGES.get(v, v))
                for k, v in error.fields.items()
            },
        )
    db.session.commit()
    flash(_("The attendance is saved."), "success")
    return redirect(url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="attendance"), 303)


@bp.post("/admin/meetings/<int:meeting_id>/actions")
@facilitator_required
def admin_meeting_action(meeting_id: int) -> ResponseReturnValue:
    """Add a follow-up action with an optional owner and due date."""
    meeting = meeting_service.get_meeting(meeting_id)
    form = ActionForm()
    _owner_choices(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: meeting_service.add_action(
                _actor(), meeting_id, form.text.data, form.owner.data, form.due_on.data, clock.now()
            ),
            done=lambda a: _("The action is added."),
            to=url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="actions"),
        )
        if not isinstance(outcome, int):
            return outcome
        return _meeting_page(meeting_service.get_meeting(meeting_id), outcome, action_form=form)
    return _meeting_page(meeting, 400, action_form=form)


@bp.post("/admin/meetings/<int:meeting_id>/actions/<int:action_id>/done")
@facilitator_required
def admin_action_done(meeting_id: int, action_id: int) -> ResponseReturnValue:
    """Mark a follow-up action done (a button with a CSRF token; no JavaScript)."""
    meeting_service.get_meeting(meeting_id)
    try:
        meeting_service.complete_action(_actor(), action_id, clock.now())
    except Conflict as error:
        db.session.rollback()
        flash(translate(error.message), "error")
    else:
        db.session.commit()
        flash(_("The action is marked done."), "success")
    return redirect(url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="actions"), 303)


@bp.post("/admin/meetings/<int:meeting_id>/edit")
@facilitator_required
def admin_meeting_edit(meeting_id: int) -> ResponseReturnValue:
    """Change the meeting's title, day and place, and save its minutes."""
    meeting = meeting_service.get_meeting(meeting_id)
    form = MeetingEditForm()
    if form.validate_on_submit():
        data = {key: getattr(form, key).data or "" for key in meeting_service.MEETING_FIELDS}
        outcome = _submit(
            form,
            lambda: meeting_service.update_meeting(_actor(), meeting_id, data, clock.now()),
            done=lambda m: _("The meeting is saved."),
            to=url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="details"),
        )
        if not isinstance(outcome, int):
            return outcome
        return _meeting_page(meeting_service.get_meeting(meeting_id), outcome, meeting_form=form)
    return _meeting_page(meeting, 400, meeting_form=form)


@bp.post("/admin/meetings/<int:meeting_id>/decisions")
@facilitator_required
def admin_meeting_link(meeting_id: int) -> ResponseReturnValue:
    """Put a decision on the meeting's agenda."""
    meeting = meeting_service.get_meeting(meeting_id)
    form = AgendaForm()
    form.decision.choices = [(form.decision.data or "", "")]  # the service decides
    if form.validate_on_submit():
        chosen = form.decision.data or ""
        decision: object = int(chosen) if chosen.isascii() and chosen.isdigit() else chosen
        outcome = _submit(
            form,
            lambda: meeting_service.link_decision(_actor(), meeting_id, decision, clock.now()),
            done=lambda m: _("The decision is on the agenda."),
            to=url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="agenda"),
        )
        if not isinstance(outcome, int):
            return outcome
        return _meeting_page(meeting_service.get_meeting(meeting_id), outcome, agenda_form=form)
    return _meeting_page(meeting, 400, agenda_form=form)


@bp.post("/admin/meetings/<int:meeting_id>/decisions/<int:decision_id>/remove")
@facilitator_required
def admin_meeting_unlink(meeting_id: int, decision_id: int) -> ResponseReturnValue:
    """Take a decision off the meeting's agenda (a button with a CSRF token)."""
    meeting_service.unlink_decision(_actor(), meeting_id, decision_id, clock.now())
    db.session.commit()
    flash(_("The decision is taken off the agenda."), "success")
    return redirect(url_for("web.admin_meeting", meeting_id=meeting_id, _anchor="agenda"), 303)


@bp.route("/admin/meetings/<int:meeting_id>/actions/<int:action_id>", methods=["GET", "POST"])
@facilitator_required
def admin_action_edit(meeting_id: int, action_id: int) -> ResponseReturnValue:
    """Change a follow-up action: text, owner, due date, done."""
    meeting = meeting_service.get_meeting(meeting_id)
    action = next((a for a in meeting.actions if a.id == action_id), None)
    if action is None:
        raise NotFound(f"No follow-up action {action_id} in meeting {meeting_id}.")
    if request.method == "GET":
        form = ActionEditForm(
            formdata=None,
            data={
                "text": action.text,
                "owner": action.owner.slug if action.owner else "",
                "due_on": action.due_on.isoformat() if action.due_on else "",
                "done": action.done_at is not None,
            },
        )
    else:
        form = ActionEditForm()
    _owner_choices(form)
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        done = bool(form.done.data)
        data: dict[str, object] = {
            "text": form.text.data,
            "owner": form.owner.data,
            "due_on": form.due_on.data,
        }
        if done != (action.done_at is not None):
            data["done"] = done
        outcome = _submit(
            form,
            lambda: meeting_service.update_action(_actor(), action_id, data, clock.now()),
            done=lambda a: _("The action is saved."),
            to=url_for("web.admin_meeting", meeting_id=meeting_id, _anchor=f"action-{action_id}"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page("meetings/admin_action.html", status, meeting=meeting, action=action, form=form)
