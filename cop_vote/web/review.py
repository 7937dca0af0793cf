"""The facilitator's review queue, members' reports and the balance of voices.

Pages:

* ``web.review_queue`` (``/admin/decisions/<id>/review``): one decision's
  queue with filters (GET query: ``status``, ``option``, ``organisation``), a
  bulk form (a checkbox per comment, an action, reason, note, option; one
  submit button, a restore button on each hidden comment) and the balance of
  voices.
* ``web.review_voices`` (``/admin/decisions/<id>/voices``): the whole balance
  of voices, a page at a time (the queue shows its first rows).
* ``web.review_all`` (``/admin/review``): every decision's queue.
* ``web.comment_report`` (``/comments/<id>/report``): a member reports a comment.

Everything works with a plain form POST and a redirect; with htmx the filter
and bulk forms swap the ``#review-queue`` region of the same template.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField

from .. import clock, ratelimits
from ..domain.errors import Conflict, InvalidInput
from ..extensions import db
from ..i18n import option_label, translate
from ..models import Decision
from ..services import decisions as decision_service
from ..services import moderation, voices
from . import bp
from .admin import (
    FormError,
    _actor,
    _pages,
    _start,
    error_items,
    facilitator_required,
    show_errors,
)
from .render import is_htmx, page, person

#: The regions of the queue pages that htmx may ask for, by element id.
QUEUE_FRAGMENTS = {"review-queue": "queue"}

REVIEW_LABELS = {
    "new": _l("new"),
    "reviewed": _l("reviewed"),
    "flagged": _l("flagged for the meeting"),
    "hidden": _l("hidden"),
    "reported": _l("reported by a member"),
}
ACTION_LABELS = {
    "reviewed": _l("Mark as reviewed"),
    "flagged": _l("Flag for the meeting"),
    "hidden": _l("Hide (give a reason)"),
    "new": _l("Back to new"),
}


class BulkReviewForm(FlaskForm):
    """The bulk form of the queue: which comments, what to do, and its details."""

    comments = SelectMultipleField(_l("Comments"), validate_choice=False)
    action = StringField(_l("Action"))
    reason = StringField(_l("Reason for hiding (shown to members in place of the text)"))
    note = TextAreaField(_l("Note for the meeting (optional)"), render_kw={"rows": 2})
    option = StringField(_l("File under option (optional)"))
    restore = StringField()


class ReportForm(FlaskForm):
    """A member's report of a comment: the reason."""

    reason = TextAreaField(_l("Why should the facilitators look at this comment?"))


def _filters(decision: Decision | None) -> tuple[moderation.QueueFilters, list[FormError]]:
    """The queue's filters from the query string; unknown values are dropped
    with a message (the page still shows the unfiltered queue)."""
    args = request.args
    raw = {
        "status": args.get("status", ""),
        "option": args.get("option", "") if decision is not None else "",
        "organisation": args.get("organisation", ""),
    }
    try:
        return moderation.parse_filters(decision, **raw), []
    except InvalidInput as error:
        messages = [FormError("", "", _("A filter was not understood and is left out."))]
        kept = {k: v for k, v in raw.items() if k not in error.fields}
        try:
            return moderation.parse_filters(decision, **kept), messages
        except InvalidInput:
            return moderation.QueueFilters(), messages


def _query_args() -> dict[str, str]:
    return {
        k: v for k, v in request.args.items() if k in ("status", "option", "organisation") and v
    }


def _page_url(decision: Decision | None, start: int | None) -> str | None:
    """The address of the queue's page that starts at ``start``, filters kept."""
    if start is None:
        return None
    where = {"decision_id": decision.id} if decision is not None else {}
    endpoint = "web.review_queue" if decision is not None else "web.review_all"
    return url_for(endpoint, **where, **_query_args(), start=start or None)


def _queue_page(
    decision: Decision | None,
    form: BulkReviewForm,
    status: int = 200,
    message: str | None = None,
) -> ResponseReturnValue:
    """Render a queue page (or its ``queue`` block for htmx)."""
    actor = _actor()
    filters, filter_errors = _filters(decision)
    limit = _per_page("REVIEW_PER_PAGE", 100)
    offset = _start()
    queue = moderation.review_page(
        actor, decision.id if decision else None, filters, offset=offset, limit=limit
    )
    items = queue.items
    option_choices = [("", _("(keep as is)"))]
    if decision is not None:
        option_choices += [(str(o.id), option_label(o)) for o in decision.options]
    errors = filter_errors + error_items(form)
    context: dict[str, Any] = {
        "decision": decision,
        "items": items,
        "total": queue.total,
        "start": queue.offset,
        "previous_url": _page_url(decision, max(0, offset - limit)) if offset > 0 else None,
        "next_url": _page_url(decision, queue.next_offset),
        "filters": filters,
        "query": _query_args(),
        "form": form,
        "errors": errors,
        "message": message,
        "review_labels": REVIEW_LABELS,
        "action_labels": ACTION_LABELS,
        "option_choices": option_choices,
        "status_filters": moderation.STATUS_FILTERS,
        "organisations": _filter_organisations(decision, filters),
        "balance": (
            voices.balance_page(decision, limit=_per_page("VOICES_ON_QUEUE", 25))
            if decision is not None
            else None
        ),
        "action_url": request.full_path if request.query_string else request.path,
    }
    return page(
        "review/queue.html",
        http_status=status,
        fragments=QUEUE_FRAGMENTS,
        block="queue" if request.method == "POST" else None,
        **context,
    )


def _per_page(setting: str, default: int) -> int:
    return int(current_app.config.get(setting, default))


def _filter_organisations(
    decision: Decision | None, filters: moderation.QueueFilters
) -> list[tuple[str, str]]:
    """``(slug, name)`` the organisation filter offers: those that commented,
    and the one chosen (even without a comment, so the form shows the choice)."""
    found = moderation.commenting_organisations(decision.id if decision else None)
    chosen = filters.organisation
    if chosen is not None and chosen.slug not in {slug for slug, _name in found}:
        found.append((chosen.slug, chosen.name))
    return found


def _bulk(decision: Decision | None) -> ResponseReturnValue:
    """Apply the bulk form (or a restore button) with one service call, commit, redirect."""
    form = BulkReviewForm()
    decision_id = decision.id if decision is not None else None
    back = url_for(
        request.endpoint or "web.review_all", **(request.view_args or {}), **_query_args()
    )
    if not form.validate_on_submit():
        return _queue_page(decision, form, 400)
    now = clock.now()
    try:
        if form.restore.data:
            restored = moderation.restore(_actor(), _restore_id(form.restore.data), now)
            message = _("The comment is shown again.")
            anchor = f"review-{restored.id}"
        else:
            done = moderation.bulk_review(
                _actor(),
                decision_id,
                form.comments.data or [],
                form.action.data,
                now,
                reason=form.reason.data if form.action.data == "hidden" else None,
                note=(form.note.data or None) if form.action.data == "flagged" else None,
                tag_option_id=form.option.data or None,
            )
            message = ngettext(
                "%(num)d comment: %(state)s.",
                "%(num)d comments: %(state)s.",
                len(done),
                state=REVIEW_LABELS[str(form.action.data)],
            )
            anchor = "review-queue"
    except InvalidInput as error:
        show_errors(form, error)
        if "reason" in error.fields:
            form.reason.errors = [_("Give a reason: members see it in place of the text.")]
        if "comments" in error.fields:
            form.comments.errors = [_("Choose at least one comment of this queue.")]
        return _queue_page(decision, form, 400)
    except Conflict as error:
        db.session.rollback()
        form.form_errors.append(translate(error.message))
        return _queue_page(decision, form, 409)
    db.session.commit()
    if is_htmx():
        return _queue_page(decision, BulkReviewForm(formdata=None), message=message)
    flash(message, "success")
    return redirect(f"{back}#{anchor}", 303)


def _restore_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and len(raw) < 11):
        raise InvalidInput("Unknown comment.", {"comments": "Not a comment of this queue."})
    return int(raw)


@bp.route("/admin/decisions/<int:decision_id>/review", methods=["GET", "POST"])
@facilitator_required
def review_queue(decision_id: int) -> ResponseReturnValue:
    """One decision's review queue, with filters, bulk actions and the balance of voices."""
    decision = decision_service.get_decision(_actor(), decision_id)
    if request.method == "POST":
        return _bulk(decision)
    return _queue_page(decision, BulkReviewForm(formdata=None))


@bp.get("/admin/decisions/<int:decision_id>/voices")
@facilitator_required
def review_voices(decision_id: int) -> ResponseReturnValue:
    """The balance of voices of a decision's whole electorate, silent
    organisations first, a page at a time."""
    decision = decision_service.get_decision(_actor(), decision_id)
    limit = _per_page("VOICES_PER_PAGE", 100)
    start = _start()
    balance = voices.balance_page(decision, offset=start, limit=limit)
    more = balance.next_offset is not None
    return page(
        "review/voices.html",
        decision=decision,
        balance=balance,
        **_pages("web.review_voices", start, limit, more=more, decision_id=decision.id),
    )


@bp.route("/admin/review", methods=["GET", "POST"])
@facilitator_required
def review_all() -> ResponseReturnValue:
    """The review queue across every decision, reported comments first."""
    if request.method == "POST":
        return _bulk(None)
    return _queue_page(None, BulkReviewForm(formdata=None))


@bp.route("/comments/<int:comment_id>/report", methods=["GET", "POST"])
@ratelimits.report_writes
def comment_report(comment_id: int) -> ResponseReturnValue:
    """Report a comment to the facilitators, with a reason (representatives, facilitators)."""
    viewer = person()
    comment = moderation.get_report_target(viewer, comment_id)
    form = ReportForm()
    status = 200
    message = None
    if form.validate_on_submit():
        try:
            moderation.report_comment(viewer, comment_id, form.reason.data, clock.now())
        except InvalidInput as error:
            db.session.rollback()
            status = 400
            if "reason" in error.fields:
                form.reason.errors = [
                    _("Say why, in at most %(max)d characters.", max=moderation.REASON_MAX)
                ]
            else:
                message = _("You cannot report your own comment.")
        except Conflict as error:
            db.session.rollback()
            status = 409
            message = (
                _("You have reported this comment already.")
                if error.code == "already_reported"
                else _("The facilitator has hidden this comment already.")
            )
        else:
            db.session.commit()
            flash(_("Thank you. The facilitators will look at this comment."), "success")
            return redirect(
                url_for(
                    "web.decision", decision_id=comment.decision_id, _anchor=f"comment-{comment.id}"
                ),
                303,
            )
    elif form.is_submitted():
        status = 400
    return page(
        "review/report.html",
        http_status=status,
        form=form,
        comment=comment,
        decision=decision_service.get_decision(viewer, comment.decision_id),
        message=message,
    )
