"""The "Our organisation" page of an organisation's lead representative
(issue 10, part 12): its people, inviting a representative or observer,
sending an invitation again and removing someone (confirmed first); and the
facilitator's form naming an organisation's lead.

Each view reads its form, makes one call to
:mod:`cop_vote.services.org_people` (the API's path too), commits once and
redirects; a refusal is shown on the form with nothing changed.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, TypeVar

from flask import abort, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired

from .. import clock
from ..extensions import login_manager
from ..models import Person
from ..services import invitations, org_people
from ..services import organisations as org_service
from . import bp
from .admin import (
    _actor,
    _form_status,
    _page,
    _submit,
    error_items,
    facilitator_required,
)
from .admin_forms import REQUIRED, ROLE_LABELS, ConfirmForm, OrganisationForm, _strip, choices
from .lead_forms import LeadForm, lead_context

F = TypeVar("F")


class InviteForm(FlaskForm):
    """A representative or observer whom the lead invites."""

    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED)], filters=[_strip])
    email = StringField(
        _l("E-mail address"), validators=[InputRequired(REQUIRED)], filters=[_strip]
    )
    role = SelectField(
        _l("Role"),
        choices=choices(ROLE_LABELS, org_people.LEAD_ROLES),
        default="representative",
        validate_choice=False,  # the service names an unknown role
    )
    function = StringField(_l("Function"), filters=[_strip])
    submit = SubmitField(_l("Invite"))


def lead_required(view: F) -> F:
    """Let an organisation's lead in; send visitors to sign in; 403 for the rest."""

    @wraps(view)  # type: ignore[arg-type]
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not org_people.is_lead(current_user._get_current_object()):
            abort(403)
        return view(*args, **kwargs)  # type: ignore[operator,no-any-return]

    return wrapped  # type: ignore[return-value]


def _slug() -> str:
    org = _actor().organisation
    assert org is not None  # a lead has one
    return org.slug


def _people_page(form: InviteForm, status: int = 200, action: ConfirmForm | None = None) -> Any:
    actor = _actor()
    errors = error_items(action) if action is not None else None
    context: dict[str, Any] = {
        "form": form,
        "organisation": actor.organisation,
        "people": org_people.list_people(actor, _slug()),
        "can_be_invited": invitations.can_be_invited,
        "role_labels": ROLE_LABELS,
    }
    if errors is not None:
        context["errors"] = errors
    return _page("organisation/people.html", status, **context)


@bp.route("/our-organisation", methods=["GET", "POST"])
@lead_required
def our_organisation() -> ResponseReturnValue:
    """The lead's organisation: its people, and a form to invite one more."""
    form = InviteForm()
    status = _form_status(form)
    if form.validate_on_submit():
        data = {
            "name": form.name.data or "",
            "email": form.email.data or "",
            "role": form.role.data,
            "function": form.function.data or "",
        }
        outcome = _submit(
            form,
            lambda: org_people.invite_person(_actor(), _slug(), data, clock.now()),
            done=lambda person: _("%(name)s added and invited.", name=person.name),
            to=url_for("web.our_organisation"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _people_page(form, status)


@bp.post("/our-organisation/people/<int:person_id>/invitation")
@lead_required
def our_organisation_invite(person_id: int) -> ResponseReturnValue:
    """Send a person of the organisation their invitation again."""
    action = ConfirmForm()
    if action.validate_on_submit():
        outcome = _submit(
            action,
            lambda: org_people.resend_invitation(_actor(), _slug(), person_id, clock.now()),
            done=lambda person: _("Invitation sent again to %(name)s.", name=person.name),
            to=url_for("web.our_organisation"),
        )
        if not isinstance(outcome, int):
            return outcome
        return _people_page(InviteForm(formdata=None), outcome, action)
    return _people_page(InviteForm(formdata=None), 400, action)


@bp.route("/our-organisation/people/<int:person_id>/remove", methods=["GET", "POST"])
@lead_required
def our_organisation_remove(person_id: int) -> ResponseReturnValue:
    """Remove a person from the organisation (deactivate); confirm first."""
    person = _person_of_mine(person_id)
    form = ConfirmForm()
    status = _form_status(form)
    if form.validate_on_submit():
        outcome = _submit(
            form,
            lambda: org_people.remove_person(_actor(), _slug(), person_id, clock.now()),
            done=lambda gone: _("%(name)s removed.", name=gone.name),
            to=url_for("web.our_organisation"),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page("organisation/remove.html", status, form=form, person=person)


def _person_of_mine(person_id: int) -> Person:
    """The person, if of the lead's organisation (404 else); 403 for themself."""
    for person in org_people.list_people(_actor(), _slug()):
        if person.id == person_id:
            if person.id == _actor().id:
                abort(403)
            return person
    abort(404)


# --- the facilitator names the lead ----------------------------------------------------


@bp.post("/admin/organisations/<slug>/lead")
@facilitator_required
def admin_organisation_lead(slug: str) -> ResponseReturnValue:
    """Name (or change, or clear) an organisation's lead representative."""
    org = org_service.get_organisation(slug)
    form = LeadForm()
    lead_context(slug, _actor(), form)  # the choices, for the form's own checks
    status = _form_status(form)
    if form.validate_on_submit():
        raw = form.lead.data or ""
        lead = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw or None
        outcome = _submit(
            form,
            lambda: org_people.name_lead(_actor(), slug, lead, clock.now()),
            done=lambda named: (
                _("%(name)s is now the lead representative.", name=named.name)
                if named is not None
                else _("The organisation has no lead representative now.")
            ),
            to=url_for("web.admin_organisation_edit", slug=slug),
        )
        if not isinstance(outcome, int):
            return outcome
        status = outcome
    return _page(
        "admin/organisation_form.html",
        status,
        form=OrganisationForm(formdata=None, obj=org),
        organisation=org,
        errors=error_items(form),
        **lead_context(slug, _actor(), form),
    )
