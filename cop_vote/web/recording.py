"""Ballots given in a meeting: the facilitator records them for the organisation.

At a meeting an organisation's representative says its ballot aloud; the
facilitator records it on ``/admin/decisions/<id>/record``, naming who gave it.
The ballot is the organisation's like any other (one per organisation, the
version rises, a receipt is issued); it is marked as recorded by the
facilitator (``Ballot.recorded_by``, ``given_by``) on the participation page,
in the API's ballot object and in the event log (``ballot.record``).

The page asks for the organisation once: first a plain GET form chooses it
(``?organisation=<slug>``), then the form shows that organisation's current
ballot, who gave the ballot and the ballot's fields, the members' own
(``decisions/_ballot_fields.html``, read by
:func:`cop_vote.web.views._ballot_from_form`). The form guards the change
with the version of the ballot it showed, so a ballot a representative cast
meanwhile is not overwritten silently; a POST without that version is
refused the same way when the organisation has a ballot already.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock, ratelimits
from ..domain.errors import Conflict, DecisionClosed, InvalidInput, NotFound, StaleBallot
from ..domain.lifecycle import Status
from ..extensions import db
from ..i18n import option_label, translate
from ..models import Ballot, Decision, Organisation
from ..services import ballot_reads
from ..services import ballots as ballot_service
from ..services import decisions as decision_service
from . import bp
from .admin import _actor, facilitator_required
from .render import page
from .views import _ballot_errors, _ballot_from_form, _values_from_content


def _electors(decision: Decision) -> list[Organisation]:
    return decision_service.eligible_organisations(decision)


def _record_page(
    decision: Decision,
    status: int = 200,
    *,
    selected: Organisation | None = None,
    given_by: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    message: str | None = None,
    version: int | None = None,
) -> ResponseReturnValue:
    """The record page; ``selected`` shows that organisation's current ballot."""
    electors = _electors(decision)
    current: Ballot | None = None
    if selected is not None:
        current = ballot_service.find_ballot(decision.id, selected.id)
        if version is None:
            version = current.version if current is not None else 0
    # In a secret decision nobody outside the organisation sees its choice, the
    # facilitator included: the page says only that it has a ballot.
    secret = decision.ballot_secrecy == "secret"
    if values is None:
        values = _values_from_content(
            current.content if current is not None and not secret else None
        )
    errors = errors or {}
    summary = [
        (target, errors[key])
        for key, target in (
            ("organisation", "record-organisation"),
            ("given_by", "record-given-by"),
            ("choices", "ballot-choices"),
            ("reason", "ballot-reason"),
        )
        if errors.get(key)
    ]
    at = clock.now()
    return page(
        "admin/record_ballot.html",
        http_status=status,
        decision=decision,
        status=decision_service.status_of(decision, at).value,
        accepts=decision_service.status_of(decision, at) is Status.OPEN
        and decision.method != "discussion",
        electors=electors,
        cast={b.organisation_id: b for b in ballot_reads.cast_ballots(decision)},
        selected=selected,
        current=current if current is not None and current.is_cast else None,
        secret=secret,
        version=version,
        given_by=given_by,
        values=values,
        ballot_errors=errors,
        errors=summary,
        message=message,
        option_labels={o.id: option_label(o) for o in decision.options},
    )


def _elector(decision: Decision, slug: str | None) -> Organisation | None:
    return next((o for o in _electors(decision) if o.slug == slug), None)


@bp.get("/admin/decisions/<int:decision_id>/record")
@facilitator_required
def admin_record_ballot(decision_id: int) -> ResponseReturnValue:
    """The form to record an organisation's ballot given in a meeting."""
    decision = decision_service.get_decision(_actor(), decision_id)
    selected = _elector(decision, request.args.get("organisation"))
    if selected is None and "organisation" in request.args:
        return _record_page(
            decision, 400, errors={"organisation": _("Choose an organisation from the list.")}
        )
    return _record_page(decision, selected=selected)


@bp.post("/admin/decisions/<int:decision_id>/record")
@ratelimits.ballot_writes
@facilitator_required
def admin_record_ballot_post(decision_id: int) -> ResponseReturnValue:
    """Record the ballot; refused input changes nothing and is shown beside its field."""
    decision = decision_service.get_decision(_actor(), decision_id)
    slug = request.form.get("organisation", "")
    given_by = request.form.get("given_by", "").strip()
    selected = _elector(decision, slug)
    # Without the version of the ballot shown for this organisation, "no ballot yet"
    # is assumed: a ballot the page did not show is never replaced silently.
    version = 0
    raw = request.form.get("version", "")
    if request.form.get("version_for") == slug and raw.isascii() and raw.isdigit():
        version = int(raw[:9])
    values: dict[str, Any] | None = None
    try:
        body, values = _ballot_from_form(decision, request.form)
        ballot = ballot_service.record_ballot(
            _actor(), decision_id, slug, body, given_by, clock.now, version=version
        )
    except InvalidInput as error:
        db.session.rollback()
        fields = dict(error.fields)
        errors: dict[str, str] = {
            k: _field_message(k, fields.pop(k)) for k in ("organisation", "given_by") if k in fields
        }
        if fields or not errors:
            errors.update(_ballot_errors(InvalidInput(error.message, fields)))
        values = values or getattr(error, "values", None)
        return _record_page(
            decision,
            400,
            selected=selected,
            given_by=given_by,
            values=values,
            errors=errors,
        )
    except NotFound:  # an organisation that is not in the list (the decision was found)
        db.session.rollback()
        return _record_page(
            decision,
            400,
            given_by=given_by,
            values=values,
            errors={"organisation": _("Choose an organisation from the list.")},
        )
    except StaleBallot:
        db.session.rollback()
        return _record_page(
            decision,
            409,
            selected=selected,
            given_by=given_by,
            values=values,
            message=_(
                "This organisation has a ballot that this page did not show: it is "
                "shown below, and nothing was recorded. Check it with the meeting, then "
                "record again to replace it."
            ),
        )
    except (DecisionClosed, Conflict):
        db.session.rollback()
        return _record_page(
            decision,
            409,
            given_by=given_by,
            message=_("This decision does not accept ballots now; nothing was recorded."),
        )
    if ballot.receipt:
        message = _(
            "The ballot of %(organisation)s is recorded, as given by %(name)s. "
            "Receipt code: %(receipt)s",
            organisation=ballot.organisation_name,
            name=ballot.given_by or "",
            receipt=ballot.receipt,
        )
    else:  # a secret ballot: the receipt, if any, is the organisation's alone
        message = _(
            "The ballot of %(organisation)s is recorded, as given by %(name)s.",
            organisation=ballot.organisation_name,
            name=ballot.given_by or "",
        )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("web.admin_record_ballot", decision_id=decision_id), 303)


def _field_message(field: str, sentence: str) -> str:
    """The form's message for the service's field sentence (the service speaks English)."""
    if field == "given_by":
        if "required" in sentence:
            return str(_("Give the name of the person who gave the ballot."))
        if sentence.startswith("At most"):
            return str(_("At most 200 characters."))
        return translate(sentence)
    return str(_("Choose an organisation of this decision's electorate."))
