"""The facilitator's pages for people: the list (with invitations and
sign-ins), adding and editing one, (de)activating, sending an invitation
again, and adding many from a CSV file.

Adding a person, by any of these ways, sends them an invitation with a
sign-in link through the outbox (:mod:`cop_vote.services.invitations`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..domain import people_csv
from ..domain.errors import Conflict, InvalidInput
from ..extensions import db
from ..i18n import translate
from ..models import Person
from ..services import invitations
from ..services import organisations as org_service
from . import bp
from .admin import (
    FormError,
    _actor,
    _form_status,
    _page,
    _pages,
    _set_active,
    _start,
    _submit,
    facilitator_required,
)
from .admin_forms import ConfirmForm, PeopleImportForm, PersonForm


def _person_form(person: Person | None = None) -> PersonForm:
    if person is None:
        form = PersonForm()
    else:
        form = PersonForm(
            data={
                "name": person.name,
                "email": person.email or "",
                "organisation": person.organisation.slug if person.organisation else "",
                "role": person.role,
                "function": person.function,
                "language": person.language or "",
            }
        )
    orgs = org_service.list_organisations(include_inactive=True)
    form.organisation.choices = [SelectChoice("", _("(none)"))] + [
        SelectChoice(o.slug, o.name if o.active else _("%(name)s (inactive)", name=o.name))
        for o in orgs
    ]
    return form


def _person_data(form: PersonForm, person: Person | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": form.name.data or "",
        "organisation": form.organisation.data or None,
        "role": form.role.data,
        "function": form.function.data or "",
        "language": form.language.data or None,
    }
    # An erased person has no address; leaving it blank keeps it so.
    if form.email.data or person is None or person.email is not None:
        data["email"] = form.email.data or ""
    return data


@bp.get("/admin/people")
@facilitator_required
def admin_people() -> ResponseReturnValue:
    """Everyone, with organisation, role, invitation and last sign-in; inactive
    people marked; ``?never=1``: only those who never signed in."""
    never = request.args.get("never") == "1"
    start, limit = _start(), int(current_app.config.get("ADMIN_LIST_PER_PAGE", 100))
    people = org_service.list_people(
        include_inactive=True, never_signed_in=never, offset=start, limit=limit + 1
    )
    pages = _pages("web.admin_people", start, limit, more=len(people) > limit)
    if never:
        pages = {k: v and v + ("&" if "?" in v else "?") + "never=1" for k, v in pages.items()}
    return _page(
        "admin/people.html",
        people=people[:limit],
        never=never,
        can_be_invited=invitations.can_be_invited,
        **pages,
    )


@bp.route("/admin/people/new", methods=["GET", "POST"])
@facilitator_required
def admin_person_new() -> ResponseReturnValue:
    """Add a person; they are sent an invitation with a sign-in link."""
    form = _person_form()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: org_service.create_person(_actor(), _person_data(form, None), clock.now()),
            done=lambda person: (
                _("%(name)s added and invited.", name=person.name)
                if person.invited_at
                else _("%(name)s added.", name=person.name)
            ),
            to=url_for("web.admin_people"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page("admin/person_form.html", status, form=form, person=None)


@bp.route("/admin/people/<int:person_id>/edit", methods=["GET", "POST"])
@facilitator_required
def admin_person_edit(person_id: int) -> ResponseReturnValue:
    """Edit a person's name, e-mail, organisation, role, function and language."""
    person = org_service.get_person(person_id)
    form = _person_form(person)
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: org_service.update_person(
                _actor(), person_id, _person_data(form, person), clock.now()
            ),
            done=lambda saved: _("%(name)s saved.", name=saved.name),
            to=url_for("web.admin_people"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    person = org_service.get_person(person_id)
    return _page("admin/person_form.html", status, form=form, person=person)


def _set_person_active(person_id: int, active: bool) -> ResponseReturnValue:
    return _set_active(
        org_service.get_person(person_id).name,
        active,
        url_for("web.admin_people"),
        lambda: org_service.update_person(_actor(), person_id, {"active": active}, clock.now()),
    )


@bp.route("/admin/people/<int:person_id>/deactivate", methods=["GET", "POST"])
@facilitator_required
def admin_person_deactivate(person_id: int) -> ResponseReturnValue:
    """Deactivate a person (the organisation's ballots stay); confirm first."""
    return _set_person_active(person_id, False)


@bp.route("/admin/people/<int:person_id>/reactivate", methods=["GET", "POST"])
@facilitator_required
def admin_person_reactivate(person_id: int) -> ResponseReturnValue:
    """Reactivate a person; confirm first."""
    return _set_person_active(person_id, True)


@bp.post("/admin/people/<int:person_id>/invite")
@facilitator_required
def admin_person_invite(person_id: int) -> ResponseReturnValue:
    """Send a person's invitation again: a new sign-in link, which voids the old one."""
    back = url_for("web.admin_people", never="1" if request.args.get("never") == "1" else None)
    if not ConfirmForm().validate_on_submit():
        expired = _("The form had expired or came from elsewhere. Go back, reload and try again.")
        flash(expired, "error")
        return redirect(back, 303)
    try:
        person = invitations.invite(_actor(), person_id, clock.now())
    except Conflict as refused:
        db.session.rollback()
        flash(translate(refused.message), "error")
        return redirect(back, 303)
    message = _("The invitation to %(name)s is sent again.", name=person.name)
    db.session.commit()
    flash(message, "success")
    return redirect(back, 303)


def _import_errors(refused: InvalidInput) -> list[FormError]:
    """The service's problems, one per line and column, for the error summary."""
    words = people_csv.SHOWN.get(str(get_locale()), people_csv.SHOWN["en"])["columns"]
    shown = dict(zip(people_csv.COLUMNS, words, strict=True))
    items: list[FormError] = []
    for path, message in refused.fields.items():
        _lines, line, column = (path.split(".", 2) + ["", ""])[:3]
        column = shown.get(column, column)
        where = (
            _("Line %(line)s", line=line)
            if column == "file"
            else _("Line %(line)s, %(column)s", line=line, column=column)
        )
        items.append(FormError("file", where, translate(message)))
    return items


@bp.route("/admin/people/import", methods=["GET", "POST"])
@facilitator_required
def admin_people_import() -> ResponseReturnValue:
    """Add people from a CSV file: all of them, invited, or none with every problem listed."""
    form = PeopleImportForm()
    status = _form_status(form)
    errors: list[FormError] = []
    if form.validate_on_submit():
        text = people_csv.decode(form.file.data.read())
        try:
            added = invitations.import_people(_actor(), text, clock.now())
        except InvalidInput as refused:
            db.session.rollback()
            errors = [FormError("", "", translate(refused.message)), *_import_errors(refused)]
            status = 400
        else:
            message = ngettext(
                "%(num)d person added and invited.", "%(num)d people added and invited.", len(added)
            )
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("web.admin_people"), 303)
    context: dict[str, Any] = {"form": form}
    if errors:
        context["errors"] = errors
    return _page("admin/people_import.html", status, csv_words=people_csv.SHOWN, **context)
