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
from wtforms import Field, SelectField, StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import InputRequired

from .. import clock
from ..domain.errors import Conflict, InvalidInput
from ..extensions import db
from ..i18n import translate
from ..models import ATTENDANCE, Meeting, Organisation
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
    return page(
        "meetings/network.html",
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
) -> ResponseReturnValue:
    """The meeting's page with its three forms; a refused one shows its errors."""
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
    return _page(
        "meetings/admin_meeting.html",
        status,
        meeting=meeting,
        organisations=organisations,
        values=attendance_values,
        grid_errors=grid_errors,
        attendance_form=attendance_form or AttendanceForm(formdata=None),
        action_form=action_form,
        done_form=ConfirmForm(formdata=None),
        statuses=ATTENDANCE,
        attendance_labels=ATTENDANCE_LABELS,
        errors=errors,
    )


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
