"""Counting: one function per method, a registry of methods, quorum and verdict.

Every figure counts organisations, never people: the caller passes exactly one
normalised ballot (see :mod:`cop_vote.domain.ballots`) per organisation that
cast one. Abstentions count as cast, toward quorum, and for no option.

Ties are *reported*, never broken: when a rule ends with several options level,
all of them are ``winners`` and ``tie`` is true; the facilitator decides (and
publishes the chosen option with a statement). Each ``count_*`` function states
its source and its tie rule.

Counting is fast for large electorates because identical ballots are grouped
first (:class:`collections.Counter` of tuples) and every rule then works over
the distinct groups; ranked counts over few options work on bit sets of the
ballots (one big-integer operation counts every ballot at once).

The ranked counts (instant-runoff, Schulze) live in :mod:`.ranked`, and the
types and ballot-reading helpers every count shares in :mod:`.counts`; this
module exports all of them, and callers import from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import ceil, floor

from .ballots import (
    AVAILABILITY,
    CONSENT_POSITIONS,
    DEFAULT_DOTS,
    DEFAULT_MAX_SCORE,
    METHODS,
    is_abstention,
)
from .counts import (
    Ballots,
    MethodCount,
    OptionRef,
    TallyResult,
    bad_ballot,
    check_id,
    group_ballots,
    in_order,
    keyed,
    option_figures,
    option_ids,
    top,
)
from .errors import Message, Plural
from .ranked import count_irv, count_schulze

__all__ = [
    "COUNTING_RULES",
    "METHOD_COUNTERS",
    "MethodCount",
    "OptionRef",
    "TallyResult",
    "Verdict",
    "count_approval",
    "count_consent",
    "count_discussion",
    "count_dot_vote",
    "count_irv",
    "count_meeting_time",
    "count_plurality",
    "count_schulze",
    "count_score",
    "tally",
    "verdict",
]


# --- single_choice, approval, score, dot_vote, meeting_time ------------------------


def count_plurality(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count single_choice ballots by plurality ("first past the post").

    Source: the plurality rule, e.g. Robert's Rules of Order Newly Revised,
    12th ed. (2020), 44:11 ("plurality vote"); each organisation's ballot names
    one option, the option named most often wins.

    Tie rule: every option sharing the highest number of votes is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"option": id}`` or abstentions.
    :returns: figures ``votes`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(option_ids(options))
    votes = dict.fromkeys(known, 0)
    for oid, count in group_ballots(ballots, "option", int).items():
        votes[check_id(oid, known, oid)] += count
    winners = top(votes, votes) if any(votes.values()) else []
    return MethodCount(option_figures(options, votes=votes), in_order(options, winners))


def count_approval(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count approval ballots.

    Source: Steven J. Brams and Peter C. Fishburn, "Approval Voting",
    American Political Science Review 72 (1978) 831–847: each organisation
    approves any set of options; the option with the most approvals wins.

    Tie rule: every option sharing the highest number of approvals is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"options": [ids]}`` or abstentions.
    :returns: figures ``votes`` (approvals, int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(option_ids(options))
    votes = dict.fromkeys(known, 0)
    for group, count in group_ballots(ballots, "options", list).items():
        if not isinstance(group, tuple) or not group:
            raise ValueError(f"not a normalised approval ballot: {group!r:.80}")
        if len(set(group)) != len(group):
            raise ValueError(f"approval ballot repeats an option: {group!r:.80}")
        for oid in group:
            votes[check_id(oid, known, group)] += count
    winners = top(votes, votes) if any(votes.values()) else []
    return MethodCount(option_figures(options, votes=votes), in_order(options, winners))


def _half_up(numerator: int, denominator: int) -> float:
    """``numerator / denominator`` rounded half up to 2 decimals, exactly."""
    return floor(Fraction(numerator * 100, denominator) + Fraction(1, 2)) / 100


def count_score(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count score ballots (range voting).

    Source: "score voting" / "range voting" as defined by Warren D. Smith,
    "Range voting" (2000), and Claude Hillinger, "The Case for Utilitarian
    Voting", Homo Oeconomicus 22 (2005) 295–321: each organisation gives each
    option a score from 0 to the decision's maximum; the option with the
    highest *sum* of scores wins. Options a ballot leaves unscored add nothing
    to the sum and are not counted in ``scored_by``.

    Tie rule: every option sharing the highest sum is a winner (``tie`` true);
    the mean does not break the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"scores": {str(id): int}}`` or abstentions.
    :returns: figures ``sum`` (int), ``mean`` (float, the sum over
        ``scored_by``, rounded half up to 2 decimals; ``None`` when
        ``scored_by`` is 0) and ``scored_by`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(option_ids(options))
    sums = dict.fromkeys(known, 0)
    scored_by = dict.fromkeys(known, 0)
    voted = False
    for pairs, count in keyed(group_ballots(ballots, "scores", dict), known):
        voted = True
        for oid, score in pairs:
            if isinstance(score, bool) or not isinstance(score, int) or score < 0:
                raise ValueError(f"not a score: {score!r}")
            sums[oid] += score * count
            scored_by[oid] += count
    means: dict[int, float | None] = {
        oid: (_half_up(sums[oid], scored_by[oid]) if scored_by[oid] else None) for oid in known
    }
    winners = top(sums, sums) if voted else []
    rows = option_figures(options, sum=sums, mean=means, scored_by=scored_by)
    return MethodCount(rows, in_order(options, winners))


def count_dot_vote(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count dot_vote ballots (dotmocracy, cumulative voting).

    Source: "dot-voting" as described by Jason Diceman, *Dotmocracy Handbook*
    (2010), a form of cumulative voting: each organisation spreads its dots
    over the options; the option with the most dots wins.

    Tie rule: every option sharing the highest number of dots is a winner
    (``tie`` true); nothing breaks the tie.

    :param options: the decision's options, in display order.
    :param ballots: normalised ballots ``{"dots": {str(id): int}}`` or abstentions.
    :returns: figures ``dots`` (int) per option.
    :raises ValueError: for a ballot that is not normalised or names an unknown option.
    """
    known = set(option_ids(options))
    dots = dict.fromkeys(known, 0)
    for pairs, count in keyed(group_ballots(ballots, "dots", dict), known):
        for oid, placed in pairs:
            if isinstance(placed, bool) or not isinstance(placed, int) or placed < 0:
                raise ValueError(f"not a number of dots: {placed!r}")
            dots[oid] += placed * count
    winners = top(dots, dots) if any(dots.values()) else []
    return MethodCount(option_figures(options, dots=dots), in_order(options, winners))


def count_meeting_time(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count meeting_time ballots (availability poll, as in Doodle-style polls).

    Source: the "yes / if need be / no" poll of meeting schedulers (Doodle's
    "if need be" answer): each organisation answers per time slot; the best
    slot has the most ``yes``, and among those the most ``if_need_be``. A slot
    a ballot does not mention counts as ``no`` for it; abstentions count for
    no slot.

    Tie rule: every slot sharing the highest ``yes`` and then the highest
    ``if_need_be`` is a winner (``tie`` true); nothing breaks the tie. A slot
    that no organisation can make (no ``yes`` and no ``if_need_be``) never
    wins: when every slot is like that there is no winner.

    :param options: the time slots, in display order.
    :param ballots: normalised ballots ``{"availability": {str(id): answer}}``
        or abstentions.
    :returns: figures ``yes``, ``if_need_be``, ``no`` (ints) per slot.
    :raises ValueError: for a ballot that is not normalised or names an unknown slot.
    """
    known = set(option_ids(options))
    answers = {answer: dict.fromkeys(known, 0) for answer in AVAILABILITY}
    voters = 0
    for pairs, count in keyed(group_ballots(ballots, "availability", dict), known):
        voters += count
        for oid, answer in pairs:
            if not isinstance(answer, str) or answer not in answers:
                raise ValueError(f"not an availability: {answer!r}")
            answers[answer][oid] += count
    yes, if_need_be = answers["yes"], answers["if_need_be"]
    no = {oid: voters - yes[oid] - if_need_be[oid] for oid in known}
    possible = [oid for oid in known if yes[oid] + if_need_be[oid] > 0]
    winners = top(top(possible, yes), if_need_be) if possible else []
    rows = option_figures(options, yes=yes, if_need_be=if_need_be, no=no)
    return MethodCount(rows, in_order(options, winners))


def count_consent(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """Count consent ballots.

    Source: consent decision-making as in sociocracy (Gerard Endenburg,
    *Sociocracy: The Organization of Decision-Making*, 1998) with the
    "block" of formal consensus (C. T. Butler and Amy Rothstein, *On Conflict
    and Consensus*, 1987), in the variant DESIGN.md fixes: the proposal passes
    when no organisation blocks and ``agree`` outnumbers ``disagree``.

    Tie rule: ``agree == disagree`` does not pass (agree must outnumber);
    there is no tie between options.

    :param options: none, or the one option that is the proposal.
    :param ballots: normalised ballots ``{"position": p, "reason"?: text}``
        (``{"abstain": True}`` counts as ``abstain``).
    :returns: per-option rows ``{"id", "label"}`` only; ``extra`` holds
        ``positions`` ``{agree, abstain, disagree, block}`` (ints), ``blocks``
        ``[{"reason"}]`` sorted by reason text (so their order says nothing
        about who cast them) and ``passed`` (bool); ``winners`` is
        ``[the proposal's id]`` when it passed and there is exactly one option,
        else ``[]``.
    :raises ValueError: for a ballot that is not normalised, or more than one option.
    """
    if len(options) > 1:
        raise ValueError("a consent decision has at most one option, the proposal")
    positions = dict.fromkeys(CONSENT_POSITIONS, 0)
    reasons: list[str] = []
    for ballot in ballots:
        position = ballot.get("position")
        if ballot.get("abstain") is True:
            position = "abstain"
        if not isinstance(position, str) or position not in positions:
            raise bad_ballot(ballot, "no consent position")
        positions[position] += 1
        if position == "block":
            reason = ballot.get("reason")
            reasons.append(reason if isinstance(reason, str) else "")
    passed = positions["block"] == 0 and positions["agree"] > positions["disagree"]
    winners = [options[0].id] if passed and len(options) == 1 else []
    extra: dict[str, object] = {
        "positions": positions,
        "blocks": [{"reason": reason} for reason in sorted(reasons)],
        "passed": passed,
    }
    return MethodCount(option_figures(options), winners, [], extra)


def count_discussion(options: Sequence[OptionRef], ballots: Ballots) -> MethodCount:
    """A discussion takes comments only: nothing is counted.

    Tie rule: none; there are never winners.

    :returns: rows ``{"id", "label"}`` and no winners.
    :raises ValueError: when a non-abstaining ballot is given.
    """
    for ballot in ballots:
        if not is_abstention(ballot):
            raise bad_ballot(ballot, "a discussion has no ballots")
    return MethodCount(option_figures(options), [])


# --- registry, tally, verdict ---------------------------------------------------

CountingRule = Callable[[Sequence[OptionRef], Ballots], MethodCount]

#: The counting function of each method (every entry of ``ballots.METHODS``).
#: ``"ranked"`` maps to its default rule, IRV; :data:`COUNTING_RULES` holds
#: the rule a ranked decision chooses with ``counting``.
METHOD_COUNTERS: dict[str, CountingRule] = {
    "single_choice": count_plurality,
    "approval": count_approval,
    "ranked": count_irv,
    "score": count_score,
    "consent": count_consent,
    "dot_vote": count_dot_vote,
    "meeting_time": count_meeting_time,
    "discussion": count_discussion,
}

#: The counting rules a ranked decision may choose (API.md: ``counting``).
COUNTING_RULES: dict[str, CountingRule] = {"irv": count_irv, "schulze": count_schulze}


def _exact_share(quorum: Fraction | Decimal | int | float) -> Fraction:
    if isinstance(quorum, bool):
        raise ValueError("quorum must be a number from 0 to 1")
    # A float such as 0.6 means the decimal 0.6, not its binary neighbour.
    share = Fraction(repr(quorum)) if isinstance(quorum, float) else Fraction(quorum)
    if not 0 <= share <= 1:
        raise ValueError(f"quorum must be from 0 to 1, not {quorum}")
    return share


def tally(
    method: str,
    options: Sequence[OptionRef],
    ballots: Ballots,
    *,
    eligible: int,
    quorum: Fraction | Decimal | int | float = Fraction(0),
    counting: str | None = None,
    max_score: int | None = None,
    dots: int | None = None,
) -> TallyResult:
    """Count a decision's ballots with its method and check quorum.

    :param method: one of ``ballots.METHODS``.
    :param options: the decision's options in display order (consent: none or
        the single proposal).
    :param ballots: normalised ballot bodies, *one per organisation* (the
        caller guarantees that); abstentions included.
    :param eligible: organisations in the decision's electorate (>= 0).
    :param quorum: share of ``eligible`` that must cast a ballot, 0..1; kept
        exact (a ``float`` is read as the decimal it prints as, ``0.6 == 3/5``).
    :param counting: ranked only: ``"irv"`` (default when ``None``) or
        ``"schulze"``; ignored by the other methods.
    :param max_score: score only: copied into the result as ``max_score``
        (default 5) so a mean can be shown "out of" it.
    :param dots: dot_vote only: copied into the result as ``dots_per_organisation``
        (default 3).
    :returns: the :class:`TallyResult`.
    :raises ValueError: for an unknown method or counting rule, a quorum
        outside 0..1, a negative ``eligible``, or ballots that are not
        normalised for this method.
    """
    if method not in METHOD_COUNTERS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if counting is not None and counting not in COUNTING_RULES:
        raise ValueError(f"unknown counting {counting!r}; expected one of {tuple(COUNTING_RULES)}")
    if eligible < 0:
        raise ValueError(f"eligible must be >= 0, not {eligible}")
    share = _exact_share(quorum)
    if method == "ranked":
        counter = COUNTING_RULES[counting or "irv"]
    else:
        counter = METHOD_COUNTERS[method]
    counted = counter(options, ballots)
    abstentions = sum(map(is_abstention, ballots))
    cast = len(ballots)
    quorum_met = share == 0 if eligible == 0 else Fraction(cast, eligible) >= share
    extra = dict(counted.extra)
    if method == "score":
        extra["max_score"] = DEFAULT_MAX_SCORE if max_score is None else max_score
    if method == "dot_vote":
        extra["dots_per_organisation"] = DEFAULT_DOTS if dots is None else dots
    return TallyResult(
        method=method,
        eligible=eligible,
        ballots_cast=cast,
        abstentions=abstentions,
        quorum=share,
        quorum_met=quorum_met,
        options=counted.options,
        winners=counted.winners,
        tie=len(counted.winners) > 1,
        explanation=counted.explanation,
        extra=extra,
    )


@dataclass(frozen=True)
class Verdict:
    """Whether a decision's rule is met, and why not.

    :param rule_met: quorum met and the method selects something (consent: passed).
    :param option: the option id the rule selects; ``None`` when not met, on a
        tie, and always for consent (the proposal passes or not).
    :param reasons: plain English sentences saying why the rule is not met
        (empty when it is).
    """

    rule_met: bool
    option: int | None
    reasons: list[str]


def _percent(share: Fraction) -> str:
    percent = share * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    return f"{float(percent):.1f}%"


def verdict(result: TallyResult) -> Verdict:
    """Apply the decision rule to a result: quorum first, then the method's outcome.

    Every reason that applies is given, quorum first. Consent passes only with
    no block and ``agree > disagree`` (then ``rule_met`` is true and
    ``option`` ``None``). Other methods select their single winner; a tie or no
    votes for any option means the rule is not met.

    :param result: a :class:`TallyResult` from :func:`tally`.
    :returns: the :class:`Verdict`. Example reasons: ``"Quorum not met: 5 of
        15 organisations cast a ballot; 8 needed (50%)."``, ``"Tie between
        Memphis and Nashville."``, ``"Blocked by 1 organisation."``.
    """
    reasons: list[str] = []
    if not result.quorum_met:
        if result.eligible == 0:
            reasons.append(Message("Quorum not met: no organisation is eligible to vote."))
        else:
            needed = ceil(result.quorum * result.eligible)
            values: dict[str, object] = {
                "eligible": result.eligible,
                "needed": needed,
                "percent": _percent(result.quorum),
            }
            # English says "cast" for one and many; Dutch verbs follow the count.
            reasons.append(
                Message(
                    "Quorum not met: %(cast)s of %(eligible)s organisation cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    cast=result.ballots_cast,
                    **values,
                )
                if result.eligible == 1
                else Plural(
                    "Quorum not met: %(num)s of %(eligible)s organisations cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    "Quorum not met: %(num)s of %(eligible)s organisations cast a ballot; "
                    "%(needed)s needed (%(percent)s).",
                    num=result.ballots_cast,
                    **values,
                )
            )
    option: int | None = None
    if result.method == "discussion":
        reasons.append(Message("This decision takes comments only; nothing is counted."))
    elif result.method == "consent":
        positions = result.extra.get("positions", {})
        agree = int(positions.get("agree", 0)) if isinstance(positions, dict) else 0
        disagree = int(positions.get("disagree", 0)) if isinstance(positions, dict) else 0
        blocks = int(positions.get("block", 0)) if isinstance(positions, dict) else 0
        if blocks:
            reasons.append(
                Plural(
                    "Blocked by %(num)s organisation.",
                    "Blocked by %(num)s organisations.",
                    num=blocks,
                )
            )
        if agree <= disagree:
            reasons.append(
                Message(
                    "Agree (%(agree)s) does not outnumber disagree (%(disagree)s).",
                    agree=agree,
                    disagree=disagree,
                )
            )
    elif not result.winners:
        reasons.append(Message("No organisation voted for any option."))
    elif result.tie:
        labels = {row["id"]: str(row["label"]) for row in result.options}
        reasons.append(Message("Tie between %(names)s.", names=[labels[w] for w in result.winners]))
    else:
        option = result.winners[0]
    if reasons:
        return Verdict(False, None, reasons)
    return Verdict(True, option, [])
