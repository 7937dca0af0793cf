"""The members' pages: decisions, ballots, comments, profile (participation and
results: results_pages.py).

Each view parses its input, makes one service call, commits once, and answers
with a page (after a POST: a redirect) or, for htmx, the changed region of the
same template. Every form works without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import database, ratelimits
from ..clock import now
from ..database import MAX_ID
from ..domain.ballots import METHODS
from ..domain.errors import Conflict, DecisionClosed, DomainError, InvalidInput, StaleBallot
from ..domain.lifecycle import Status
from ..extensions import db
from ..i18n import LANGUAGES, local_time, option_label, translate
from ..models import Ballot, Decision, Person
from ..services import access, ballot_reads, decision_page, decision_search
from ..services import auth as auth_service
from ..services import ballots as ballot_service
from ..services import comments as comment_service
from ..services import decisions as decision_service
from ..services import meetings as meeting_service
from ..services import results as results_service
from ..services.selections import published_options
from . import bp, search
from .comment_list import CommentPresenter
from .forms import BallotForm, CommentForm, ConfirmForm, LanguageForm, TokenForm
from .interests import interest_context
from .render import is_htmx, page, person

#: Regions of the decision page that htmx may ask for, by element id.
DECISION_FRAGMENTS = {
    "ballot": "ballot",
    "comments": "comments",
    "participation-count": "participation_count",
}

#: The regions of the participation and results pages that htmx may ask for
#: (and poll, with a conditional GET).

#: Order of decisions on the home page: open ones first.
STATUS_ORDER = {"open": 0, "draft": 1, "closed": 2, "published": 3, "withdrawn": 4}


#: The domain's ballot messages, translated (the domain speaks English).
def _me() -> Person:
    viewer = person()
    assert viewer is not None  # require_sign_in ran first
    return viewer


# --- home -----------------------------------------------------------------------------


@bp.get("/")
def index() -> ResponseReturnValue:
    """The decisions you may see, open ones first, with your organisation's ballot status."""
    viewer = _me()
    at = now()
    rows = []
    wanted = search.from_request()
    found = decision_service.list_decisions(
        viewer, where=decision_search.condition(wanted.found, at)
    )
    ids = [d.id for d in found]
    own = ballot_reads.own_ballots(ids, viewer.organisation_id)
    electors = ballot_service.elector_of(ids, viewer.organisation_id)
    for decision in found:
        status = decision_service.status_of(decision, at)
        ballot = own.get(decision.id)
        rows.append(
            {
                "decision": decision,
                "status": status.value,
                "ballot": ballot if ballot is not None and ballot.is_cast else None,
                "elector": decision.id in electors,
            }
        )
    far = at.replace(year=9999)
    rows.sort(
        key=lambda r: (
            STATUS_ORDER.get(r["status"], 9),
            r["decision"].closes_at or far,
            -r["decision"].id,
        )
    )
    return page(
        "decisions/index.html",
        http_status=400 if wanted.errors else 200,
        rows=rows,
        search=wanted,
        statuses=decision_search.STATUSES,
        methods=METHODS,
        max_query=decision_search.MAX_QUERY,
    )


# --- one decision ---------------------------------------------------------------------


def _may_vote(decision: Decision, viewer: Person, status: Status, *, is_elector: bool) -> bool:
    """:param is_elector: whether the viewer's organisation is in the electorate."""
    return (
        status is Status.OPEN
        and decision.method != "discussion"
        and viewer.role in ("facilitator", "representative")
        and is_elector
    )


def _may_comment(decision: Decision, viewer: Person, status: Status) -> bool:
    return (
        viewer.role in ("facilitator", "representative")
        and decision.comments != "closed"
        and status in (Status.OPEN, Status.DRAFT, Status.CLOSED)
    )


def _values_from_content(content: dict[str, Any] | None) -> dict[str, Any]:
    """A stored ballot as the form's values.

    :returns: ``{"abstain", "choice": {str(option id): value}, "position", "reason"}``.
    """
    values: dict[str, Any] = {"abstain": False, "choice": {}, "position": None, "reason": ""}
    if not content:
        return values
    if content.get("abstain") is True:
        values["abstain"] = True
    if "option" in content:
        values["choice"] = {str(content["option"]): 1}
    elif "options" in content:
        values["choice"] = {str(o): 1 for o in content["options"]}
    elif "ranking" in content:
        values["choice"] = {str(o): i + 1 for i, o in enumerate(content["ranking"])}
    else:
        for key in ("scores", "dots", "availability"):
            if key in content:
                values["choice"] = {str(k): v for k, v in content[key].items()}
    if "position" in content:
        values["position"] = content["position"]
        values["reason"] = content.get("reason", "")
    return values


def _number(raw: str) -> int | str:
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


def _ballot_from_form(
    decision: Decision, form: MultiDict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ballot body a form sent, and the values to show back in the form.

    :raises InvalidInput: for a ranking that gives one rank twice (``values``
        are attached to the error so that the form can show them back).
    """
    problem: str | None = None
    if form.get("action") == "abstain" or form.get("option") == "abstain":
        return {"abstain": True}, {"abstain": True, "choice": {}, "position": None, "reason": ""}
    method = decision.method
    ids = [o.id for o in decision.options]
    choice: dict[str, Any] = {}
    body: dict[str, Any] = {}
    if method == "single_choice":
        if form.get("option"):
            body["option"] = form["option"]
            choice[form["option"]] = 1
    elif method == "approval":
        picked = form.getlist("options")
        body["options"] = picked
        choice = dict.fromkeys(picked, 1)
    elif method == "ranked":
        ranks: dict[int, int] = {}
        for oid in ids:
            raw = form.get(f"rank-{oid}", "").strip()
            rank = _number(raw) if raw else None
            if rank is None:
                continue
            choice[str(oid)] = rank
            if not isinstance(rank, int):
                problem = problem or str(_("Choose a rank from the list."))
                continue
            ranks[oid] = rank
        if len(set(ranks.values())) != len(ranks):
            problem = str(_("Each rank can be given to one option only."))
        body["ranking"] = sorted(ranks, key=lambda oid: ranks[oid])
    elif method in ("score", "dot_vote"):
        key, prefix = ("scores", "score") if method == "score" else ("dots", "dots")
        mapping: dict[str, Any] = {}
        for oid in ids:
            raw = form.get(f"{prefix}-{oid}", "")
            if raw.strip():
                mapping[str(oid)] = _number(raw)
        body[key] = mapping
        choice = dict(mapping)
    elif method == "meeting_time":
        answers = {str(oid): form[f"slot-{oid}"] for oid in ids if form.get(f"slot-{oid}")}
        body["availability"] = answers
        choice = dict(answers)
    elif method == "consent":
        if form.get("position"):
            body["position"] = form["position"]
        body["reason"] = form.get("reason", "")
    values = {
        "abstain": False,
        "choice": choice,
        "position": form.get("position"),
        "reason": form.get("reason", ""),
    }
    if problem is not None:
        error = InvalidInput(problem, {"ranking": problem})
        error.values = values  # type: ignore[attr-defined]
        raise error
    return body, values


def _ballot_errors(error: InvalidInput) -> dict[str, str]:
    """Field errors for the ballot form, keyed ``reason`` or ``choices``, translated."""
    errors: dict[str, str] = {}
    for field, sentence in (error.fields or {"ballot": error.message}).items():
        target = "reason" if field == "reason" else "choices"
        text = translate(sentence)
        errors[target] = (errors[target] + " " + text) if target in errors else text
    return errors


def _int_arg(name: str) -> int | None:
    """A query argument as an identifier, or ``None`` when it cannot be one."""
    raw = request.args.get(name, "")
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    return value if value is not None and value <= MAX_ID else None


def _decision_context(
    decision: Decision,
    viewer: Person,
    *,
    ballot_values: dict[str, Any] | None = None,
    ballot_errors: dict[str, str] | None = None,
    ballot_version: int | None = None,
    stale_ballot: Ballot | None = None,
    ballot_message: str | None = None,
    ballot_refused: bool = False,
    written: ballot_service.BallotAck | None = None,
    comment_form: CommentForm | None = None,
    comment_errors: dict[str, str] | None = None,
    comment_message: str | None = None,
    after: int | None = None,
    last_page: bool = False,
    reply_to: int | None = None,
) -> dict[str, Any]:
    """Everything the decision page (and each of its fragments) shows.

    :param written: the acknowledgement of the ballot this request wrote: the
        page shows that write (and bases the form on its version), not a row
        read after the commit that a colleague may have changed since.
    """
    at = now()
    status = decision_service.status_of(decision, at)
    # The organisation's ballot row, read once for the whole page.
    row = (
        ballot_reads.ballot_view(decision.id, viewer.organisation_id)
        if viewer.organisation_id
        else None
    )
    # An observer reads along: the row still decides whether the results show
    # (their organisation cast), but its choice and receipt are never shown.
    sees_own = access.sees_own_ballot(viewer)
    own: ballot_reads.BallotView | ballot_service.BallotAck | None = (
        row if row is not None and row.is_cast and sees_own else None
    )
    if written is not None:
        own = written if written.content is not None else None
        ballot_version = written.version
    limit = int(current_app.config.get("COMMENTS_PER_PAGE", 50))
    if last_page:
        after = comment_service.last_cursor(viewer, decision, limit)
    has_older, older = comment_service.previous_cursor(viewer, decision, after, limit)
    if not has_older:
        after = None
    comments = comment_service.list_threads(viewer, decision, after=after, limit=limit)
    # The turnout, and which of the lists most decisions do not have to read.
    facts = decision_page.page_facts(decision, viewer.organisation_id)
    counts, is_elector = facts.turnout, facts.is_elector
    if ballot_version is None:
        ballot_version = row.version if row is not None else 0
    # Each option's label once for the page (its list, the ballot form, the comment form).
    language = decision.original_language
    labels = {o.id: option_label(o, decision_language=language) for o in decision.options}
    presenter = CommentPresenter(viewer, decision.id, after, labels)
    threads = presenter.threads(comments.threads)
    option_choices = [("", str(_("The decision as a whole")))] + [
        (str(oid), label)
        for oid, label in labels.items()  # LangText: lang_attr marks it
    ]
    parent = None
    if reply_to is not None:
        parent = next((c for c in threads if c.id == reply_to), None)
        if parent is None:
            try:
                found = comment_service.get_comment(viewer, reply_to)
                if found.decision_id == decision.id:
                    parent = presenter.shown(comment_service.row_of(found))
            except DomainError:  # a bad reply link just shows the plain form
                parent = None
    history, changes = decision_page.history_and_changes(decision, facts)
    return {
        "decision": decision,
        "status": status.value,
        "option_labels": labels,
        "history": history,
        "changes": changes,
        "meetings": meeting_service.meetings_of(decision.id) if facts.meetings else [],
        "selected_options": published_options(decision),
        "may_vote": _may_vote(decision, viewer, status, is_elector=is_elector),
        "may_comment": _may_comment(decision, viewer, status),
        "is_elector": is_elector,
        "own_ballot": own,
        "sees_own_ballot": sees_own,
        "ballot_version": ballot_version,
        "values": ballot_values
        if ballot_values is not None
        else _values_from_content(own.content if own else None),
        "ballot_errors": ballot_errors or {},
        "stale_ballot": stale_ballot,
        "ballot_message": ballot_message,
        "ballot_refused": ballot_refused,
        "voted": counts.cast,
        "eligible": counts.eligible,
        "may_see_results": results_service.may_see_results(
            decision, viewer, at, own=row is not None and row.is_cast
        ),
        # What the comment form shows again after a refusal (no form object
        # is built for a page that only shows an empty one).
        "comment_option": (comment_form.option.data if comment_form else None) or "",
        "comment_body": (comment_form.body.data if comment_form else None) or "",
        "option_choices": option_choices,
        "comment_errors": comment_errors or {},
        "comment_message": comment_message,
        "reply_parent": parent,
        "threads": threads,
        "after": after,
        "older": older,
        "has_older": has_older,
        "newer": comments.next,
        "comment_max": int(current_app.config.get("COMMENT_MAX_LENGTH", 5000)),
        **interest_context(
            decision, viewer, status, is_elector=is_elector, any_declared=facts.interests
        ),
    }


@bp.get("/decisions/<int:decision_id>")
def decision(decision_id: int) -> ResponseReturnValue:
    """A decision: context, options, the ballot form, participation and comments."""
    viewer = _me()
    found = decision_service.get_decision(viewer, decision_id)
    context = _decision_context(
        found, viewer, after=_int_arg("after"), reply_to=_int_arg("reply_to")
    )
    return page("decisions/decision.html", fragments=DECISION_FRAGMENTS, **context)


@bp.post("/decisions/<int:decision_id>/ballot")
@database.locks_late
@ratelimits.ballot_writes
def cast(decision_id: int) -> ResponseReturnValue:
    """Cast, change or withdraw the organisation's ballot (the version guards
    against stale views)."""
    viewer = _me()
    found = decision_service.get_decision(viewer, decision_id)
    action = request.form.get("action", "cast")
    if action not in ("cast", "abstain", "withdraw"):
        abort(400)  # a button the form does not have: nothing is cast
    form = BallotForm()
    form.validate()
    # A form without a readable version never overwrites silently: it asks to confirm.
    version = form.version.data
    if form.version.errors or not isinstance(version, int):
        version = -1
    values: dict[str, Any] = {}
    try:
        if action == "withdraw":
            ballot = ballot_service.withdraw_ballot(viewer, decision_id, now, version=version)
        else:
            body, values = _ballot_from_form(found, request.form)
            ballot = ballot_service.cast_ballot(viewer, decision_id, body, now, version=version)
    except StaleBallot:
        db.session.rollback()
        current = (
            ballot_service.find_ballot(found.id, viewer.organisation_id)
            if viewer.organisation_id
            else None
        )
        if action == "withdraw" and (current is None or not current.is_cast):
            # What the withdrawal asked for holds already: nothing to confirm.
            return _ballot_answer(
                decision_id,
                found,
                viewer,
                _(
                    "A colleague already withdrew your organisation's ballot: it no "
                    "longer counts. Any representative may cast it again until the "
                    "decision closes."
                ),
            )
        if action == "withdraw":
            message = _(
                "A colleague changed your organisation's ballot after you opened "
                "this page, so it was not withdrawn. Their ballot is shown below; "
                "withdraw it if you still want to."
            )
        else:
            message = _(
                "A colleague changed your organisation's ballot after you opened "
                "this page. Their ballot is shown below; your change was not "
                "saved. Check it and confirm if you still want to change it."
            )
        context = _decision_context(
            found,
            viewer,
            stale_ballot=current,
            # A withdrawal sent no choices: the form shows the current ballot's.
            ballot_values=values or _values_from_content(current.content if current else None),
            ballot_version=current.version if current else 0,
            ballot_refused=True,
            ballot_message=message,
        )
        return page("decisions/decision.html", http_status=409, block="ballot", **context)
    except DecisionClosed as error:
        db.session.rollback()
        if error.closes_at is not None:
            message = _(
                "This decision closed at %(time)s; your ballot was not recorded.",
                time=local_time(error.closes_at),
            )
        else:
            message = _("This decision does not accept ballots now; your ballot was not recorded.")
        context = _decision_context(found, viewer, ballot_message=message, ballot_refused=True)
        return page("decisions/decision.html", http_status=409, block="ballot", **context)
    except InvalidInput as error:
        db.session.rollback()
        values = values or getattr(error, "values", None) or _values_from_content(None)
        context = _decision_context(
            found,
            viewer,
            ballot_values=values,
            ballot_errors=_ballot_errors(error),
            ballot_version=version if version >= 0 else None,
        )
        return page("decisions/decision.html", http_status=400, block="ballot", **context)
    # The message describes this request's own write (a colleague's may follow at once).
    if ballot.content is None:
        message = _(
            "Your organisation's ballot is withdrawn: it no longer counts. Any "
            "representative may cast it again until the decision closes."
        )
    elif ballot.receipt:
        message = _(
            "Your organisation's ballot is recorded. Receipt code: %(receipt)s",
            receipt=ballot.receipt,
        )
    else:  # a secret ballot without receipts
        message = _("Your organisation's ballot is recorded.")
    db.session.commit()
    return _ballot_answer(decision_id, found, viewer, message, written=ballot)


def _ballot_answer(
    decision_id: int,
    found: Decision,
    viewer: Person,
    message: str,
    *,
    written: ballot_service.BallotAck | None = None,
) -> ResponseReturnValue:
    """The answer to a ballot form whose wish holds: its block with ``message``
    (htmx), or the page again with it (303). ``decision_id`` is the URL's: the
    commit expired ``found``, and reading it again is a transaction more."""
    if is_htmx():
        context = _decision_context(found, viewer, ballot_message=message, written=written)
        response = page("decisions/decision.html", block="ballot", **context)
        response.headers["HX-Trigger"] = "ballot-cast"
        return response
    flash(message, "success")
    return redirect(url_for("web.decision", decision_id=decision_id, _anchor="ballot"), 303)


@bp.post("/decisions/<int:decision_id>/comments")
@ratelimits.comment_writes
def comment_add(decision_id: int) -> ResponseReturnValue:
    """Post a comment (or a reply); its text is always shown escaped."""
    viewer = _me()
    found = decision_service.get_decision(viewer, decision_id)
    form = CommentForm()
    form.validate()
    option_id = _form_int(form.option.data)
    parent_id = _form_int(form.parent.data)
    try:
        comment = comment_service.add_comment(
            viewer,
            decision_id,
            form.body.data or "",
            now(),
            option_id=option_id,
            parent_id=parent_id,
            max_length=int(current_app.config.get("COMMENT_MAX_LENGTH", 5000)),
        )
    except InvalidInput as error:
        db.session.rollback()
        errors = {}
        if "body" in error.fields or not error.fields:
            errors["body"] = _comment_body_error(error)
        else:
            errors["option"] = _("Choose an option of this decision, or the decision as a whole.")
        context = _decision_context(
            found,
            viewer,
            comment_form=form,
            comment_errors=errors,
            last_page=True,
            reply_to=parent_id if isinstance(parent_id, int) else None,
        )
        return page("decisions/decision.html", http_status=400, block="comments", **context)
    except Conflict:
        db.session.rollback()
        context = _decision_context(
            found,
            viewer,
            comment_form=form,
            last_page=True,
            comment_message=_("Comments are closed for this decision."),
        )
        return page("decisions/decision.html", http_status=409, block="comments", **context)
    db.session.commit()
    if found.comments == "premoderated" and viewer.role != "facilitator":
        message = _(
            "Your comment is saved. Others will see it after the facilitator has reviewed it."
        )
    else:
        message = _("Your comment is posted.")
    if is_htmx():
        context = _decision_context(found, viewer, last_page=True, comment_message=message)
        return page("decisions/decision.html", block="comments", **context)
    flash(message, "success")
    limit = int(current_app.config.get("COMMENTS_PER_PAGE", 50))
    after = comment_service.last_cursor(viewer, found, limit)
    return redirect(
        url_for(
            "web.decision", decision_id=decision_id, after=after, _anchor=f"comment-{comment.id}"
        ),
        303,
    )


def _form_int(raw: str | None) -> int | str | None:
    """A form field as an identifier; the raw text when it cannot be one (the
    service refuses it, naming the field)."""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) < 12 and int(raw) <= MAX_ID:
        return int(raw)
    return raw


def _comment_body_error(error: InvalidInput) -> str:
    message = error.fields.get("body", "")
    if message.startswith("At most"):
        return _(
            "Your comment is too long: at most %(max)s characters.",
            max=current_app.config.get("COMMENT_MAX_LENGTH", 5000),
        )
    return _("Write a comment: it cannot be empty or only spaces.")


# --- profile --------------------------------------------------------------------------


def _profile(
    token: str | None = None, status: int = 200, token_form: TokenForm | None = None
) -> ResponseReturnValue:
    viewer = _me()
    language_form = LanguageForm(formdata=None)
    language_form.language.data = _current_language()
    response = page(
        "profile.html",
        http_status=status,
        person=viewer,
        language_form=language_form,
        token_form=token_form or TokenForm(formdata=None),
        token=token,
        tokens=auth_service.list_api_tokens(viewer),
        calendar_feed=_calendar_feed(viewer),
    )
    if token:
        response.headers["Cache-Control"] = "no-store"
    return response


def _calendar_feed(viewer: Person) -> tuple[str, object] | None:
    from .calendar_feed import current_feed

    return current_feed(viewer)


def _current_language() -> str:
    return str(get_locale())


@bp.get("/profile")
def profile() -> ResponseReturnValue:
    """Your name, organisation, language and API tokens."""
    return _profile()


@bp.post("/profile/language")
def profile_language() -> ResponseReturnValue:
    """Choose the language of the pages (kept in a cookie for a year)."""
    form = LanguageForm()
    if not form.validate_on_submit() or form.language.data not in LANGUAGES:
        flash(_("Choose a language."), "error")
        return redirect(url_for("web.profile"))
    response = redirect(url_for("web.profile", lang=form.language.data))
    response.set_cookie(
        "lang", form.language.data, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
    )
    return response


@bp.post("/profile/notifications")
def profile_notifications() -> ResponseReturnValue:
    """Choose whether the network's mail comes to you, and in which language."""
    from ..services import organisations as org_service

    viewer = _me()
    form = ConfirmForm()
    data = {
        "notifications": request.form.get("notifications", ""),
        "language": request.form.get("mail_language") or None,
    }
    if not form.validate_on_submit():
        message = _("The form had expired or came from elsewhere. Go back, reload and try again.")
        flash(message, "error")
        return redirect(url_for("web.profile"), 303)
    try:
        org_service.update_own_settings(viewer, data, now())
    except InvalidInput:
        db.session.rollback()
        flash(_("Choose whether you want e-mail, and its language."), "error")
        return redirect(url_for("web.profile"), 303)
    db.session.commit()
    flash(_("Your e-mail settings are saved."), "success")
    return redirect(url_for("web.profile", _anchor="notifications-heading"), 303)
