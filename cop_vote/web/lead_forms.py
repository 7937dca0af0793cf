"""What the facilitator's organisation page shows of its self-service (issue
10, part 12): the form naming its lead representative, and the latest logged
acts on its people (:func:`cop_vote.services.org_people.recent_acts`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..models import Person
from ..services import org_people
from ..services import organisations as org_service

#: How each logged act reads on the organisation's page.
ACT_LABELS: dict[str, Any] = {
    "person.created": _l("invited"),
    "person.invited": _l("sent the invitation again to"),
    "person.access_ended": _l("removed"),
    "organisation.lead_named": _l("named the lead representative"),
}


class LeadForm(FlaskForm):
    """The facilitator names an organisation's lead (or none)."""

    lead = SelectField(_l("Lead representative"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Save the lead"))


def lead_context(slug: str, actor: Person, form: LeadForm | None = None) -> dict[str, Any]:
    """``lead_form``, ``acts`` (newest first, with ``people`` by id to name
    them) for the organisation page of ``slug``.

    :param form: a submitted form to show again (with its errors).
    """
    org = org_service.get_organisation(slug)
    people = org_people.list_people(actor, slug)
    candidates = [p for p in people if p.active and p.role == "representative"]
    if form is None:
        current = next((p for p in candidates if p.is_lead), None)
        form = LeadForm(formdata=None, data={"lead": str(current.id) if current else ""})
    form.lead.choices = [SelectChoice("", _("(none)"))] + [
        SelectChoice(str(p.id), p.name) for p in candidates
    ]
    acts = org_people.recent_acts(org)
    return {
        "lead_form": form,
        "acts": acts,
        "people_by_id": org_people.named_in(acts),
        "act_labels": ACT_LABELS,
        "lead": next((p for p in people if p.is_lead), None),
    }
