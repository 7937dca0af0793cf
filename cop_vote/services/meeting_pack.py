"""The meeting pack of a decision: the facilitator's briefing for the follow-up meeting.

DESIGN.md, "Comments and facilitation": the briefing gathers participation
(with who gave a ballot the facilitator recorded, where ballots are open), the
full count and every comment that passed review (``reviewed`` or ``flagged``)
per option, for print and for download (``services/exports.py`` turns a
:class:`MeetingPack` into CSV and DOCX, ``services/pack_xlsx.py`` into XLSX).

Only facilitators get a pack. It never carries the text of a hidden comment:
a hidden comment (a reply under a flagged comment, or in :attr:`MeetingPack.hidden`)
appears with its signature and the reason it was hidden, its ``text`` is ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..domain import names
from ..domain.tally import TallyResult
from ..extensions import db
from ..models import Comment, Decision, Meeting, Objection, Option, Organisation, Person
from .access import require_facilitator
from .decision_rules import RulesView, rules_view
from .decisions import get_decision, status_of
from .meetings import meetings_of
from .objections import list_objections
from .results import count, may_see_results, participation

#: The review states of a comment that passed review: it goes into the pack
#: under its option; ``flagged`` ones are marked for the meeting's attention.
PASSED_REVIEW = ("reviewed", "flagged")


@dataclass(frozen=True)
class PackComment:
    """One comment as the pack shows it.

    :param id: the comment's id.
    :param person: the author's name.
    :param organisation: the organisation's short name when the comment was
        written, or ``""`` (a facilitator without organisation).
    :param text: the comment's text; ``None`` when it is hidden.
    :param hidden_reason: why it was hidden, or ``None``.
    :param note: the facilitator's note, ``""`` when none.
    :param review: ``new``, ``reviewed``, ``flagged`` or ``hidden``.
    :param created_at: when it was written (aware UTC).
    :param replies: its replies, oldest first (empty for a reply).
    """

    id: int
    person: str
    organisation: str
    text: str | None
    hidden_reason: str | None
    note: str
    review: str
    created_at: datetime
    replies: list[PackComment] = field(default_factory=list)

    @property
    def signature(self) -> str:
        """``person (organisation)``, the person alone, or for an erased
        person "former representative of organisation" (:meth:`signed`)."""
        return self.signed(names.FORMER)

    def signed(self, former: str) -> str:
        """:attr:`signature` with ``former`` ("... {organisation}") for an erased person."""
        return names.signature(self.person, self.organisation, former)


@dataclass(frozen=True)
class PackSection:
    """The comments that passed review filed under one option, or under the
    decision as a whole.

    :param option: the option, or ``None`` for the decision as a whole.
    :param label: the option's label (a time slot's start for ``meeting_time``);
        ``""`` for the decision as a whole.
    :param comments: the reviewed and flagged comments, oldest first (a
        comment's ``review`` says which).
    """

    option: Option | None
    label: str
    comments: list[PackComment]


@dataclass(frozen=True)
class PackParticipation:
    """One organisation of the electorate as the pack lists it.

    Who cast, recorded or gave a ballot, and when, is told only where ballots
    are open: for a secret decision those fields stay empty, whatever is stored.

    :param organisation: the organisation.
    :param has_voted: whether it cast a ballot (an abstention included).
    :param cast_at: when its ballot was cast (aware UTC); ``None`` when not
        cast or secret.
    :param cast_by: the name of the person who cast it, ``""`` when not told.
    :param recorded_by: the facilitator who recorded it in a meeting, ``""``
        when it was not recorded (or secret).
    :param given_by: who gave it in the meeting, as the facilitator wrote it
        down, ``""`` when not recorded (or secret).
    """

    organisation: Organisation
    has_voted: bool
    cast_at: datetime | None = None
    cast_by: str = ""
    recorded_by: str = ""
    given_by: str = ""


@dataclass(frozen=True)
class MeetingPack:
    """Everything the follow-up meeting needs about one decision.

    :param decision: the decision.
    :param status: its effective status value (``open``, ``closed``, ...).
    :param participation: every organisation of the electorate, whether it
        cast a ballot and, where ballots are open, who gave a recorded one.
    :param result: the count, or ``None`` when the results are not visible (a
        discussion has none).
    :param sections: one per option in option order, then the decision as a
        whole; each holds that part's comments that passed review (possibly none).
    :param open_questions: comments on the decision as a whole that passed
        review and whose text ends with ``?`` (see :func:`gather`).
    :param unreviewed: comments still ``new``, listed apart.
    :param hidden: hidden comments, with their reason and without their text.
    :param generated_at: when the pack was made (aware UTC).
    """

    decision: Decision
    status: str
    participation: list[PackParticipation]
    result: TallyResult | None
    sections: list[PackSection]
    open_questions: list[PackComment]
    unreviewed: list[PackComment]
    hidden: list[PackComment]
    generated_at: datetime
    #: Objections to the count lodged by organisations between close and publication.
    objections: list[Objection] = field(default_factory=list)
    #: The declared rule's verdict, results by kind and declared interests
    #: (``None`` when the results are not visible).
    rules: RulesView | None = None
    #: The meetings with the decision on their agenda, with their follow-up actions.
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def passed_review(self) -> list[PackComment]:
        """Every comment of every section (reviewed and flagged), in section order."""
        return [c for section in self.sections for c in section.comments]

    @property
    def flagged(self) -> list[PackComment]:
        """The flagged comments of every section, in section order."""
        return [c for c in self.passed_review if c.review == "flagged"]

    @property
    def ballots_open(self) -> bool:
        """Whether the decision's ballots are open (who gave a ballot may be told)."""
        return self.decision.ballot_secrecy == "open"

    @property
    def ballots_cast(self) -> int:
        """How many organisations of the electorate cast a ballot (abstentions included)."""
        return sum(1 for p in self.participation if p.has_voted)


def option_label(option: Option) -> str:
    """An option's label, or its time slot's start in UTC when it has no label."""
    if option.label:
        return option.label
    if option.starts_at is not None:
        return option.starts_at.strftime("%Y-%m-%d %H:%M UTC")
    return ""


def _pack_comment(comment: Comment, replies: Sequence[Comment] = ()) -> PackComment:
    hidden = comment.review == "hidden"
    return PackComment(
        id=comment.id,
        # The signature of the time (domain/names.py).
        person=comment.author_name or "",
        organisation=comment.organisation_short_name or "",
        text=None if hidden else comment.body,
        hidden_reason=comment.hidden_reason if hidden else None,
        note=(comment.note or "") if not hidden else "",
        review=comment.review,
        created_at=comment.created_at,
        replies=[_pack_comment(r) for r in replies],
    )


def _filed_under(comment: Comment, parents: dict[int, Comment]) -> int | None:
    """The option a comment that passed review is filed under: its tag, else its option, else
    (a reply) its parent's; ``None`` for the decision as a whole."""
    if comment.tag_option_id is not None:
        return comment.tag_option_id
    if comment.option_id is not None:
        return comment.option_id
    parent = parents.get(comment.parent_id) if comment.parent_id is not None else None
    if parent is not None:
        return parent.tag_option_id or parent.option_id
    return None


def _is_question(comment: PackComment) -> bool:
    return comment.text is not None and comment.text.rstrip().endswith(("?", "？"))


def _participation(decision: Decision) -> list[PackParticipation]:
    """The electorate with, where ballots are open, who cast, recorded and gave each ballot."""
    electorate = participation(decision)
    rows = []
    for p in electorate:
        ballot = p.ballot if p.has_voted and decision.ballot_secrecy == "open" else None
        if ballot is None:
            rows.append(PackParticipation(p.organisation, p.has_voted))
            continue
        rows.append(
            PackParticipation(
                p.organisation,
                True,
                cast_at=ballot.cast_at,
                # Who cast or recorded it as named then (domain/names.py); the
                # organisation is the electorate's, named as it is now.
                cast_by=ballot.cast_by_name or "",
                recorded_by=ballot.recorded_by_name or "",
                given_by=(ballot.given_by or "") if ballot.recorded_by_id is not None else "",
            )
        )
    return rows


def gather(actor: Person | None, decision_id: int, now: datetime) -> MeetingPack:
    """Gather the meeting pack of a decision, for a facilitator.

    * **participation**: every organisation of the electorate and whether it
      cast a ballot; where ballots are open, when and by whom, and for a ballot
      the facilitator recorded in a meeting who recorded it and who gave it
      (never for a secret decision);
    * **results**: the count when :func:`services.results.may_see_results`
      allows it for ``actor`` (facilitators see them at any time, except for a
      discussion, which is not counted); the pages and files show it in full
      with :func:`services.count_tables.count_tables`;
    * **comments that passed review, grouped by option**: a ``reviewed`` or
      ``flagged`` comment belongs to the option the facilitator tagged it with
      (``tag_option``), else to the option it was written on, else (a reply)
      to its parent's, else to "the decision as a whole". Each shows its
      signature "person (organisation)", text, review state (flagged ones are
      marked), the facilitator's note and its replies (a hidden reply with its
      reason instead of its text). A reply that passed review is listed in its
      own right only when its parent did not (else it is under its parent).
    * **open questions**: a comment without a note is *not* by itself a
      question. Open questions are the comments on the decision as a whole that
      passed review and whose text ends with a question mark. Comments the
      facilitator has not reviewed yet (``new``) are listed apart, as
      :attr:`MeetingPack.unreviewed`: they may hold questions nobody has looked at.
    * **hidden comments**: signature and reason only, never the text.
    * **objections** to the count, with their organisation.

    :param now: the moment of the pack (aware UTC), for the effective status.
    :raises NotAllowed: for anyone but an active facilitator.
    :raises NotFound: no such decision.
    """
    actor = require_facilitator(actor)
    decision = get_decision(actor, decision_id)
    rows = list(
        db.session.execute(
            select(Comment).where(Comment.decision_id == decision.id).order_by(Comment.id)
        ).scalars()
    )
    parents = {c.id: c for c in rows if c.parent_id is None}
    # Replies from the rows already read, oldest first, rather than one query
    # per comment.
    replies: dict[int, list[Comment]] = {}
    for comment in rows:
        if comment.parent_id is not None:
            replies.setdefault(comment.parent_id, []).append(comment)
    by_option: dict[int | None, list[PackComment]] = {o.id: [] for o in decision.options}
    by_option[None] = []
    unreviewed: list[PackComment] = []
    hidden: list[PackComment] = []
    for comment in rows:
        if comment.review in PASSED_REVIEW:
            parent = parents.get(comment.parent_id) if comment.parent_id is not None else None
            if parent is not None and parent.review in PASSED_REVIEW:
                continue  # shown under its parent
            where = _filed_under(comment, parents)
            item = _pack_comment(
                comment, replies.get(comment.id, []) if comment.parent_id is None else []
            )
            by_option.setdefault(where if where in by_option else None, []).append(item)
        elif comment.review == "new":
            unreviewed.append(_pack_comment(comment))
        elif comment.review == "hidden":
            hidden.append(_pack_comment(comment))
    sections = [PackSection(o, option_label(o), by_option[o.id]) for o in decision.options]
    sections.append(PackSection(None, "", by_option[None]))
    result = count(decision) if may_see_results(decision, actor, now) else None
    return MeetingPack(
        decision=decision,
        status=status_of(decision, now).value,
        participation=_participation(decision),
        result=result,
        sections=sections,
        open_questions=[c for c in by_option[None] if _is_question(c)],
        unreviewed=unreviewed,
        hidden=hidden,
        generated_at=now,
        objections=list_objections(actor, decision.id),
        rules=rules_view(decision, result) if result is not None else None,
        meetings=meetings_of(decision.id),
    )


def comment_count(decision_id: int) -> int:
    """How many comments a decision has (any review state): the size of its pack."""
    found = db.session.execute(
        select(func.count()).select_from(Comment).where(Comment.decision_id == decision_id)
    ).scalar()
    return int(found or 0)
