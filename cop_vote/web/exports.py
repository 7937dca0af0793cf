"""Downloads: files made from a decision (the meeting date as iCalendar, the
meeting pack as a print-ready page, CSV and DOCX, the ballots of an open-ballot
decision as CSV).

The meeting pack and the ballots are the facilitator's: others get 403 and
anonymous visitors are sent to sign in (:func:`admin.facilitator_required`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import queue
from ..clock import now
from ..content import shown
from ..i18n import option_label
from ..services import calendar, decisions, exports
from ..services import meeting_pack as pack_service
from ..services.ballots import cast_ballots
from . import bp
from .admin import facilitator_required
from .render import page, person

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: A decision with more comments than this gets its Word pack built by the
#: worker (:func:`meeting_pack_job`); a smaller one is built in the request.
LARGE_PACK_COMMENTS = 500


@bp.get("/decisions/<int:decision_id>/meeting.ics")
@login_required
def meeting_calendar(decision_id: int) -> Response:
    """Download the published meeting date as an iCalendar file."""
    decision = decisions.get_decision(current_user, decision_id)
    body = calendar.meeting_calendar(
        decision,
        url=url_for("web.decision", decision_id=decision.id, _external=True),
        now=now(),
        title=shown(decision, "title"),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{decision.id}.ics"'},
    )


def export_words() -> dict[str, str]:
    """The words of the exported files (:data:`services.exports.WORDS`) in the
    reader's language."""
    return {
        "section": _("section"),
        "option": _("option"),
        "organisation": _("organisation"),
        "person": _("person"),
        "text": _("text"),
        "note": _("note"),
        "participation": _("participation"),
        "results": _("results"),
        "flagged": _("flagged comment"),
        "reply": _("reply"),
        "open_question": _("open question"),
        "unreviewed": _("not reviewed yet"),
        "hidden": _("hidden comment"),
        "whole": _("the decision as a whole"),
        "cast": _("cast"),
        "not_cast": _("not cast"),
        "hidden_because": _("Hidden: {reason}"),
        "winner": _("chosen by the count"),
        "tie": _("tie"),
        "meeting_pack": _("Meeting pack"),
        "status": _("Status"),
        "generated": _("Made at"),
        "ballots_cast": _("{cast} of {eligible} organisations cast a ballot."),
        "results_hidden": _("The results are not visible."),
        "flagged_comments": _("Flagged comments"),
        "open_questions": _("Open questions"),
        "unreviewed_comments": _("Comments not reviewed yet"),
        "hidden_comments": _("Hidden comments"),
        "objection": _("objection"),
        "objections": _("Objections to the count"),
        "none": _("None."),
        "note_label": _("Note"),
        "abstain": _("abstain"),
        "ballot": _("ballot"),
        "version": _("version"),
        "receipt": _("receipt"),
        "cast_at": _("cast at (UTC)"),
        "cast_by": _("cast by"),
        "recorded_by": _("recorded by"),
        "given_by": _("given by"),
        "agree": _("agree"),
        "disagree": _("disagree"),
        "block": _("block"),
        "yes": _("yes"),
        "if_need_be": _("if need be"),
        "no": _("no"),
        "votes": _("votes"),
        "first_preferences": _("first preferences"),
        "sum": _("total score"),
        "mean": _("mean score"),
        "scored_by": _("scored by"),
        "dots": _("dots"),
    }


def _download(body: bytes, mimetype: str, filename: str) -> Response:
    """A file to save, never cached: the pack holds notes and names."""
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def export_labels(pack: Any) -> dict[int, str]:
    """The pack's option labels in the reader's language (a slot's day names)."""
    return {o.id: option_label(o) for o in pack.decision.options}


@bp.get("/decisions/<int:decision_id>/meeting-pack")
@facilitator_required
def meeting_pack(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as a print-ready page (facilitators only)."""
    pack = pack_service.gather(person(), decision_id, now())
    words = export_words()
    return page(
        "exports/meeting_pack.html",
        pack=pack,
        decision=pack.decision,
        result_rows=exports.result_rows(pack, words, export_labels(pack)),
        ballots_csv=pack.decision.ballot_secrecy == "open",
    )


@bp.get("/decisions/<int:decision_id>/meeting-pack.csv")
@facilitator_required
def meeting_pack_csv(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as CSV (UTF-8 with BOM, for Excel)."""
    pack = pack_service.gather(person(), decision_id, now())
    body = exports.pack_csv(pack, export_words(), export_labels(pack))
    return _download(body, "text/csv", f"meeting-pack-{decision_id}.csv")


@bp.get("/decisions/<int:decision_id>/meeting-pack.docx")
@facilitator_required
def meeting_pack_docx(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as an editable Word document; a large one is handed to
    the worker, and this answers with the page that waits for it."""
    if pack_service.comment_count(decision_id) > LARGE_PACK_COMMENTS:
        decisions.get_decision(person(), decision_id)  # 404 before any work
        job = queue.get().prepare_pack(decision_id, person().id, str(get_locale()))
        return redirect(url_for("web.meeting_pack_job", decision_id=decision_id, job=job), 303)
    pack = pack_service.gather(person(), decision_id, now())
    body = exports.pack_docx(
        pack, export_words(), export_labels(pack), shown(pack.decision, "title")
    )
    return _download(body, DOCX_MIMETYPE, f"meeting-pack-{decision_id}.docx")


@bp.get("/decisions/<int:decision_id>/meeting-pack/<job>")
@facilitator_required
def meeting_pack_job(decision_id: int, job: str) -> ResponseReturnValue:
    """A large meeting pack: "being prepared" (the page refreshes itself), then
    a link to the file."""
    decision = decisions.get_decision(person(), decision_id)
    state, _body = queue.get().pack(decision_id, job)
    response = page("exports/pack_job.html", decision=decision, state=state, job=job)
    response.headers["Cache-Control"] = "private, no-store"
    if state == "pending":
        response.headers["Refresh"] = "3"  # every browser follows it; no script needed
    return response


@bp.get("/decisions/<int:decision_id>/meeting-pack/<job>.docx")
@facilitator_required
def meeting_pack_file(decision_id: int, job: str) -> ResponseReturnValue:
    """The Word document a worker prepared (404 until it is ready)."""
    decisions.get_decision(person(), decision_id)
    state, body = queue.get().pack(decision_id, job)
    if state != "ready" or body is None:
        abort(404)
    return _download(body, DOCX_MIMETYPE, f"meeting-pack-{decision_id}.docx")


@bp.get("/decisions/<int:decision_id>/ballots.csv")
@facilitator_required
def ballots_csv(decision_id: int) -> ResponseReturnValue:
    """The cast ballots of an open-ballot decision as CSV; 403 for a secret decision."""
    decision = decisions.get_decision(person(), decision_id)
    body = exports.ballots_csv(decision, cast_ballots(decision), export_words())
    return _download(body, "text/csv", f"ballots-{decision_id}.csv")
