"""Selecting several options: the ranking of a count, its selection and a tie at the boundary.

A decision may declare that it selects ``selects`` options (e.g. "the activity
plan takes up the three learning questions with most dots"). This is
multi-winner selection by the highest totals ("block" selection): the options
are ranked by the method's total, and the first ``selects`` places are taken.
It applies to the methods whose count gives every option a total:
``single_choice`` (votes, as in block plurality), ``approval`` (approvals, as
in approval block voting), ``score`` (total score) and ``dot_vote`` (dots).

Tie rule: ties are *reported*, never broken. Options with the same total share
a place (standard competition ranking, "1224"). When options level at the last
place taken straddle the boundary (some would be in, some out), none of them
is selected by the count: they are the ``boundary_tie``, competing for
``places_left`` places, and the facilitator decides and explains. An option
no organisation voted for (total 0) is never selected.

Plain data in, plain data out: no IO, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import InvalidInput, Message, Plural
from .tally import TallyResult, Verdict, verdict

#: The methods that may select several options, and the total each ranks by.
RANKED_BY: dict[str, str] = {
    "single_choice": "votes",
    "approval": "votes",
    "score": "sum",
    "dot_vote": "dots",
}
#: The most options a decision may declare it selects (the most options it may have).
MAX_SELECTS = 100


@dataclass(frozen=True)
class Selection:
    """The ranking of a count and what it selects.

    :param selects: how many options the decision selects.
    :param ranking: ``[(option id, place)]``, best first; level options share
        a place (1, 2, 2, 4) and keep their display order.
    :param selected: the option ids the count selects, best first: those
        whose place is within ``selects`` clear of any tie at the boundary
        and with a total above 0.
    :param boundary_tie: option ids level at the boundary, in display order
        (empty when there is no such tie).
    :param places_left: how many places the ``boundary_tie`` options compete
        for (0 without a tie).
    """

    selects: int
    ranking: list[tuple[int, int]]
    selected: list[int]
    boundary_tie: list[int]
    places_left: int

    @property
    def tie(self) -> bool:
        """Whether options are level at the boundary of the selection."""
        return bool(self.boundary_tie)

    def to_dict(self) -> dict[str, object]:
        """JSON-able: ``{"selects", "ranking": [{"id", "place"}], "selected",
        "boundary_tie", "places_left"}``."""
        return {
            "selects": self.selects,
            "ranking": [{"id": oid, "place": place} for oid, place in self.ranking],
            "selected": list(self.selected),
            "boundary_tie": list(self.boundary_tie),
            "places_left": self.places_left,
        }


def selects_several(method: str) -> bool:
    """Whether decisions of ``method`` may select more than one option."""
    return method in RANKED_BY


def selection_of(
    method: str, options: Sequence[Mapping[str, object]], selects: int
) -> Selection | None:
    """Rank a count's options by their totals and take the first ``selects`` places.

    :param method: the decision's method.
    :param options: the result's option rows, in display order, each with
        ``"id"`` and the method's total (see :data:`RANKED_BY`).
    :param selects: how many options the decision selects (>= 1).
    :returns: the :class:`Selection`, or ``None`` for a method that gives no
        totals to rank by (ranked, consent, meeting time, discussion).
    :raises ValueError: ``selects`` below 1.
    """
    if selects < 1:
        raise ValueError(f"selects must be at least 1, not {selects}")
    key = RANKED_BY.get(method)
    if key is None:
        return None
    totals: list[tuple[int, int]] = []
    for row in options:
        oid, total = row["id"], row.get(key) or 0
        if not isinstance(oid, int) or isinstance(total, bool) or not isinstance(total, int):
            raise ValueError(f"not a count row of {method}: {row!r:.80}")
        totals.append((oid, total))
    ordered = sorted(totals, key=lambda pair: -pair[1])  # stable: display order among equals
    ranking: list[tuple[int, int]] = []
    for index, (oid, total) in enumerate(ordered):
        shares = index > 0 and total == ordered[index - 1][1]
        ranking.append((oid, ranking[-1][1] if shares else index + 1))
    voted = [(oid, total) for oid, total in ordered if total > 0]
    if len(voted) <= selects:
        return Selection(selects, ranking, [oid for oid, _ in voted], [], 0)
    boundary = voted[selects - 1][1]
    above = [oid for oid, total in voted if total > boundary]
    level = [oid for oid, total in voted if total == boundary]
    if len(above) + len(level) <= selects:  # the level ones all fit: no tie at the boundary
        return Selection(selects, ranking, above + level, [], 0)
    tied = set(level)
    in_display_order = [oid for oid, _ in totals if oid in tied]
    return Selection(selects, ranking, above, in_display_order, selects - len(above))


def check_selects(method: str, selects: object) -> int:
    """Validate a decision's ``selects`` for its method.

    :returns: the number (1 to :data:`MAX_SELECTS`).
    :raises InvalidInput: field ``selects``: not a whole number in range, or
        more than 1 for a method that cannot select several options.
    """
    if isinstance(selects, bool) or not isinstance(selects, int) or not 1 <= selects <= MAX_SELECTS:
        raise InvalidInput(
            Message("Invalid number of options selected."),
            {"selects": Message("A whole number from 1 to %(most)s.", most=MAX_SELECTS)},
        )
    if selects > 1 and not selects_several(method):
        raise InvalidInput(
            Message(
                "Only single choice, approval, score and dot vote decisions select several options."
            ),
            {"selects": Message("1 for this method.")},
        )
    return selects


def check_published(option_ids: Sequence[int], selects: int) -> None:
    """Check an ordered list of published options against the decision's ``selects``.

    :raises InvalidInput: field ``options``: an option named twice, or more
        options than the decision selects.
    """
    if len(set(option_ids)) != len(option_ids):
        raise InvalidInput(
            Message("An option is named twice."),
            {"options": Message("Name each option once; it is named twice.")},
        )
    if len(option_ids) > selects:
        raise InvalidInput(
            Plural(
                "This decision selects at most %(num)s option; %(given)s were given.",
                "This decision selects at most %(num)s options; %(given)s were given.",
                num=selects,
                given=len(option_ids),
            ),
            {"options": Message("Name at most %(selects)s options.", selects=selects)},
        )


def selection_verdict(result: TallyResult, selects: int) -> Verdict:
    """The decision rule of a decision that selects several options.

    Met when the quorum is met, some option has votes, and no tie straddles
    the boundary; ``option`` is then the first selected. With ``selects``
    1, or a method that cannot select several, this is :func:`verdict`.

    :returns: the :class:`~cop_vote.domain.tally.Verdict`; reasons such as
        ``"Tie for 1 remaining place between A and B."``.
    """
    found = selection_of(result.method, result.options, selects) if selects > 1 else None
    if found is None:
        return verdict(result)
    reasons = list(verdict(result).reasons[:1]) if not result.quorum_met else []
    labels = {row["id"]: str(row["label"]) for row in result.options}
    if found.tie:
        reasons.append(
            Plural(
                "Tie for %(num)s remaining place between %(names)s.",
                "Tie for %(num)s remaining places between %(names)s.",
                num=found.places_left,
                names=[labels[oid] for oid in found.boundary_tie],
            )
        )
    elif not found.selected:
        reasons.append(Message("No organisation voted for any option."))
    if reasons:
        return Verdict(False, None, reasons)
    return Verdict(True, found.selected[0], [])
