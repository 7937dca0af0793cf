"""Downloads: files made from a decision (the meeting date as iCalendar, the
meeting pack as a print-ready page, CSV (comma or semicolon), XLSX and DOCX,
the ballots of an open-ballot decision as CSV).

The meeting pack and the ballots are the facilitator's: others get 403 and
anonymous visitors are sent to sign in (:func:`admin.facilitator_required`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import queue
from ..clock import now
from ..content import shown
from ..domain.errors import InvalidInput, Message
from ..i18n import option_label, select_timezone, translate
from ..services import calendar, change_notes, decisions, exports, pack_documents, pack_rules
from ..services import meeting_pack as pack_service
from ..services.ballot_reads import cast_ballots
from . import bp
from .admin import facilitator_required
from .pack_follow_up import follow_up_tables
from .render import page, person

DOCX_MIMETYPE = pack_documents.DOCX_MIMETYPE
XLSX_MIMETYPE = pack_documents.XLSX_MIMETYPE
#: A decision with more comments than this gets its Word or Excel pack built by
#: the worker (:func:`meeting_pack_job`); a smaller one is built in the request.
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
        "former": _("former representative of {organisation}"),
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
        "reviewed": _("reviewed comment"),
        "passed_review": _("Comments that passed review"),
        "flagged_mark": _("flagged"),
        "comments": _("comments"),
        "time": _("time ({zone})"),
        "times_in": _("Times are in {zone}."),
        "cast_at_zone": _("cast at ({zone})"),
        "count": _("count"),
        "irv_rounds": _("Instant-runoff rounds"),
        "round": _("round {n}"),
        "exhausted": _("exhausted ballots"),
        "eliminated": _("eliminated"),
        "elected": _("elected"),
        "pairwise": _(
            "Pairwise preferences: organisations ranking the row option above the column option"
        ),
        "strongest_paths": _("Strongest paths from the row option to the column option"),
        "abstentions": _("Abstentions: {num}."),
        "no_quorum": _("No quorum is required."),
        "by_kind": _("Results by kind of organisation"),
        "kind": _("kind of organisation"),
        "ballots_of": _("ballots cast"),
        "leading": _("leading within the kind"),
        "leads_here": _("does the overall winner lead here?"),
        "too_few": _("too few ballots to show"),
        "counts": _("{group} (counts for the double majority)"),
        "interests": _("Declared interests"),
        "interest": _("interest"),
        "of_eligible": _("{cast} of {eligible}"),
        "interest_declared": _("interest declared by {names}"),
        "kind_diaspora": _("diaspora organisations"),
        "kind_ngo": _("NGOs"),
        "kind_knowledge": _("knowledge institutions"),
        "kind_facilitator": _("facilitating organisations"),
        "kind_government": _("government bodies"),
        "kind_other": _("other organisations"),
        "quorum_met": _("Quorum met: {needed} of {eligible} organisations needed ({percent})."),
        "quorum_not_met": _(
            "Quorum not met: {needed} of {eligible} organisations needed ({percent})."
        ),
        "chosen": _("Chosen by the count: {options}"),
        "tie_between": _("Tie between: {options}"),
        "no_votes": _("No organisation voted for any option."),
        "condorcet": _("Condorcet winner: {option}"),
        "rule_met": _("Decision rule met: {option}"),
        "rule_met_plain": _("Decision rule met."),
        "rule_not_met": _("Decision rule not met: {reasons}"),
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


def pack_reader(pack: Any) -> dict[str, Any]:
    """How the pack's files speak to the reader: words, option labels, the
    network's zone and the rule's messages in their language."""
    zone = select_timezone()
    return {
        "words": export_words(),
        "labels": export_labels(pack),
        "zone": zone,
        "say": lambda message: translate(message, pack.decision),
        "follow_up": follow_up_tables(pack, zone),
    }


def pack_file(pack: Any, kind: str) -> bytes:
    """The meeting pack as a Word document (``docx``) or a workbook (``xlsx``)
    in the reader's language; also what the worker builds for a large pack."""
    reader = pack_reader(pack)
    make = pack_documents.pack_xlsx if kind == "xlsx" else pack_documents.pack_docx
    return make(
        pack,
        reader["words"],
        reader["labels"],
        shown(pack.decision, "title"),
        zone=reader["zone"],
        say=reader["say"],
        follow_up=reader["follow_up"],
    )


@bp.get("/decisions/<int:decision_id>/meeting-pack")
@facilitator_required
def meeting_pack(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as a print-ready page (facilitators only)."""
    pack = pack_service.gather(person(), decision_id, now())
    words = export_words()
    labels = export_labels(pack)
    count = exports.pack_count(pack, labels)
    return page(
        "exports/meeting_pack.html",
        pack=pack,
        decision=pack.decision,
        result_rows=exports.result_rows(pack, words, labels),
        count=count,
        count_lines=exports.count_lines(
            pack, words, labels, lambda message: translate(message, pack.decision)
        ),
        count_heading=3,
        ballots_csv=pack.decision.ballot_secrecy == "open",
        changes=change_notes.notes_of([decision_id])[decision_id],
        rule_tables=pack_rules.rule_tables(pack, words, labels),
    )


def _separator() -> str:
    """The CSV separator the link asks for (``?sep=comma`` by default).

    :raises InvalidInput: any other value than ``comma`` or ``semicolon``.
    """
    name = request.args.get("sep", "comma")
    if name not in exports.SEPARATORS:
        raise InvalidInput(
            Message("The separator must be comma or semicolon, not %(sep)s.", sep=name[:20]),
            {"sep": Message("Use sep=comma or sep=semicolon.")},
        )
    return exports.SEPARATORS[name]


@bp.get("/decisions/<int:decision_id>/meeting-pack.csv")
@facilitator_required
def meeting_pack_csv(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as CSV (UTF-8 with BOM, for Excel); ``?sep=semicolon``
    for Excel in a Dutch locale."""
    delimiter = _separator()
    pack = pack_service.gather(person(), decision_id, now())
    reader = pack_reader(pack)
    body = exports.pack_csv(
        pack,
        reader["words"],
        reader["labels"],
        zone=reader["zone"],
        say=reader["say"],
        delimiter=delimiter,
        follow_up=reader["follow_up"],
    )
    return _download(body, "text/csv", f"meeting-pack-{decision_id}.csv")


def _office_pack(decision_id: int, kind: str, mimetype: str) -> ResponseReturnValue:
    """A pack as an office document; a large one is handed to the worker,
    answered with the page that waits for it."""
    if pack_service.comment_count(decision_id) > LARGE_PACK_COMMENTS:
        decisions.get_decision(person(), decision_id)  # 404 before any work
        job = queue.get().prepare_pack(decision_id, person().id, str(get_locale()), kind)
        return redirect(url_for("web.meeting_pack_job", decision_id=decision_id, job=job), 303)
    pack = pack_service.gather(person(), decision_id, now())
    return _download(pack_file(pack, kind), mimetype, f"meeting-pack-{decision_id}.{kind}")


@bp.get("/decisions/<int:decision_id>/meeting-pack.docx")
@facilitator_required
def meeting_pack_docx(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as an editable Word document; a large one is handed to
    the worker, and this answers with the page that waits for it."""
    return _office_pack(decision_id, "docx", DOCX_MIMETYPE)


@bp.get("/decisions/<int:decision_id>/meeting-pack.xlsx")
@facilitator_required
def meeting_pack_xlsx(decision_id: int) -> ResponseReturnValue:
    """The meeting pack as a workbook, one sheet per part; a large one is
    handed to the worker, as the Word document is."""
    return _office_pack(decision_id, "xlsx", XLSX_MIMETYPE)


@bp.get("/decisions/<int:decision_id>/meeting-pack/<job>")
@facilitator_required
def meeting_pack_job(decision_id: int, job: str) -> ResponseReturnValue:
    """A large meeting pack: "being prepared" (the page refreshes itself), then
    a link to the file."""
    decision = decisions.get_decision(person(), decision_id)
    state, _body = queue.get().pack(decision_id, job)
    response = page(
        "exports/pack_job.html",
        decision=decision,
        state=state,
        job=job,
        kind=queue.pack_kind(job),
    )
    response.headers["Cache-Control"] = "private, no-store"
    if state == "pending":
        response.headers["Refresh"] = "3"  # every browser follows it; no script needed
    return response


def _prepared(decision_id: int, job: str, kind: str, mimetype: str) -> ResponseReturnValue:
    decisions.get_decision(person(), decision_id)
    state, body = queue.get().pack(decision_id, job)
    if state != "ready" or body is None or queue.pack_kind(job) != kind:
        abort(404)
    return _download(body, mimetype, f"meeting-pack-{decision_id}.{kind}")


@bp.get("/decisions/<int:decision_id>/meeting-pack/<job>.docx")
@facilitator_required
def meeting_pack_file(decision_id: int, job: str) -> ResponseReturnValue:
    """The Word document a worker prepared (404 until it is ready)."""
    return _prepared(decision_id, job, "docx", DOCX_MIMETYPE)


@bp.get("/decisions/<int:decision_id>/meeting-pack/<job>.xlsx")
@facilitator_required
def meeting_pack_xlsx_file(decision_id: int, job: str) -> ResponseReturnValue:
    """The workbook a worker prepared (404 until it is ready)."""
    return _prepared(decision_id, job, "xlsx", XLSX_MIMETYPE)


@bp.get("/decisions/<int:decision_id>/ballots.csv")
@facilitator_required
def ballots_csv(decision_id: int) -> ResponseReturnValue:
    """The cast ballots of an open-ballot decision as CSV; 403 for a secret decision."""
    decision = decisions.get_decision(person(), decision_id)
    body = exports.ballots_csv(decision, cast_ballots(decision), export_words())
    return _download(body, "text/csv", f"ballots-{decision_id}.csv")
