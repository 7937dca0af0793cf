"""Majority rules a decision declares beside its quorum. Standard library only.

A network may require more than "most votes": an absolute majority (more than
half), two thirds, or another share, of a stated base:

* ``option_ballots``: the ballots that chose at least one option (abstentions
  left out);
* ``cast``: every ballot cast, abstentions included (an abstention then
  weighs like a vote against);
* ``electorate``: every organisation of the decision's electorate (one that
  did not vote weighs like a vote against).

Source: Robert's Rules of Order Newly Revised, 12th ed. (2020), 44:1–13
("majority", "two-thirds vote", and the bases "members present", "members",
"votes cast"). Shares are compared exactly (:class:`fractions.Fraction`): a
two-thirds rule of 9 ballots needs 6 ("at least two thirds"); an absolute
majority of 8 needs 5 ("more than half").

The rule counts organisations, never people. It applies to methods whose
figure per option counts organisations (:data:`MAJORITY_METHODS`); the
relative rule (most votes, the default) is each method's own rule and adds
nothing to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import ceil, floor

from .by_kind import KindResult, double_majority_reasons
from .errors import Message, Plural
from .tally import TallyResult, Verdict

__all__ = [
    "BASES",
    "MAJORITY_METHODS",
    "RULES",
    "MajorityCheck",
    "MajorityRule",
    "base_size",
    "apply_rule",
    "check_majority",
    "explain",
    "parse_share",
]

#: The majority rules, the first being the default (each method's own rule).
RULES = ("relative", "absolute", "two_thirds", "fraction")
#: What a share is taken of, the first being the default.
BASES = ("option_ballots", "cast", "electorate")
#: Methods whose ``votes`` per option count organisations, so that a share of
#: organisations means something (a dot or a score does not).
MAJORITY_METHODS = ("single_choice", "approval")

_SHARES = {"absolute": Fraction(1, 2), "two_thirds": Fraction(2, 3)}


def parse_share(text: str) -> Fraction:
    """A share written as ``"3/5"`` or ``"0.6"``, exact.

    :raises ValueError: not a number, or not above 0 and below 1.
    """
    try:
        share = Fraction(text.strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"not a share: {text!r}") from exc
    if not 0 < share < 1:
        raise ValueError(f"a share must be above 0 and below 1, not {text!r}")
    return share


@dataclass(frozen=True)
class MajorityRule:
    """A decision's declared majority rule.

    :param rule: one of :data:`RULES`.
    :param base: one of :data:`BASES`; ignored by the relative rule.
    :param share: the share for ``rule == "fraction"`` (``0 < share < 1``,
        "at least" this share); ``None`` for the other rules.
    :param kinds: organisation kinds among which the winner must also lead
        (a double majority); empty for none.
    :raises ValueError: an unknown rule or base, a share missing for
        ``"fraction"`` or given for another rule, or out of range.
    """

    rule: str = "relative"
    base: str = "option_ballots"
    share: Fraction | None = None
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown majority rule {self.rule!r}; expected one of {RULES}")
        if self.base not in BASES:
            raise ValueError(f"unknown majority base {self.base!r}; expected one of {BASES}")
        if (self.rule == "fraction") != (self.share is not None):
            raise ValueError("a share goes with the rule 'fraction', and only with it")
        if self.share is not None and not 0 < self.share < 1:
            raise ValueError(f"a share must be above 0 and below 1, not {self.share}")

    @property
    def threshold(self) -> tuple[Fraction, bool] | None:
        """``(share, strict)``: the support must exceed (strict) or reach the
        share of the base; ``None`` for the relative rule."""
        if self.rule == "relative":
            return None
        if self.rule == "fraction":
            assert self.share is not None
            return self.share, False
        return _SHARES[self.rule], self.rule == "absolute"

    def needed(self, base: int) -> int:
        """The fewest organisations that meet the rule out of ``base`` (0 for relative).

        ``absolute``: ``floor(base / 2) + 1``; otherwise ``ceil(share * base)``.
        """
        found = self.threshold
        if found is None:
            return 0
        share, strict = found
        return floor(share * base) + 1 if strict else ceil(share * base)


def base_size(result: TallyResult, base: str) -> int:
    """How many organisations the base counts in ``result``."""
    if base == "option_ballots":
        return result.ballots_cast - result.abstentions
    if base == "cast":
        return result.ballots_cast
    if base == "electorate":
        return result.eligible
    raise ValueError(f"unknown majority base {base!r}")


@dataclass(frozen=True)
class MajorityCheck:
    """The majority rule applied to one option.

    :param met: whether ``support >= needed`` (and the base is not empty).
    :param support: organisations supporting the option (its ``votes``).
    :param base: organisations in the rule's base.
    :param needed: the fewest that meet the rule.
    """

    met: bool
    support: int
    base: int
    needed: int


def check_majority(result: TallyResult, rule: MajorityRule, option: int) -> MajorityCheck:
    """Whether ``option`` has the support ``rule`` asks for in ``result``.

    :param result: a count of a method in :data:`MAJORITY_METHODS` (the
        relative rule is met by any option and needs no figure).
    :param option: the option id, normally the count's single winner.
    :raises ValueError: a non-relative rule for another method, or an option
        not in the result.
    """
    if rule.rule == "relative":
        return MajorityCheck(True, 0, 0, 0)
    if result.method not in MAJORITY_METHODS:
        raise ValueError(f"a {rule.rule} majority does not apply to {result.method}")
    votes = {row["id"]: row["votes"] for row in result.options}
    if option not in votes:
        raise ValueError(f"option {option} is not in the result")
    support = int(votes[option])  # type: ignore[call-overload]
    base = base_size(result, rule.base)
    needed = rule.needed(base)
    return MajorityCheck(base > 0 and support >= needed, support, base, needed)


def rule_words(rule: MajorityRule) -> Message:
    """The rule as a phrase: ``"a two-thirds majority"``, ``"at least 3/5"``."""
    if rule.rule == "absolute":
        return Message("an absolute majority (more than half)")
    if rule.rule == "two_thirds":
        return Message("a two-thirds majority (at least two thirds)")
    if rule.rule == "fraction":
        assert rule.share is not None
        return Message("a majority of at least %(share)s", share=str(rule.share))
    return Message("a relative majority (most votes)")


def base_words(base: str) -> Message:
    """The base as a phrase, e.g. ``"of the ballots cast, abstentions included"``."""
    if base == "cast":
        return Message("of the ballots cast, abstentions included")
    if base == "electorate":
        return Message("of all organisations in the electorate")
    return Message("of the ballots for an option, abstentions left out")


def explain(rule: MajorityRule) -> Message:
    """The rule in one sentence, for the results page."""
    if rule.rule == "relative":
        return Message("The option with the most votes is chosen (relative majority).")
    return Message(
        "The chosen option needs %(rule)s %(base)s.",
        rule=rule_words(rule),
        base=base_words(rule.base),
    )


def majority_reason(label: str, rule: MajorityRule, check: MajorityCheck) -> Message:
    """Why ``check`` failed, in words: ``"Not carried: A has the support of 5 of
    9 organisations; 6 needed for a two-thirds majority ..."``."""
    return Plural(
        "Not carried: %(option)s has the support of %(support)s of %(num)s organisation; "
        "%(needed)s needed for %(rule)s %(of)s.",
        "Not carried: %(option)s has the support of %(support)s of %(num)s organisations; "
        "%(needed)s needed for %(rule)s %(of)s.",
        num=check.base,
        option=label,
        support=check.support,
        needed=check.needed,
        rule=rule_words(rule),
        of=base_words(rule.base),
    )


def apply_rule(
    base: Verdict, result: TallyResult, rule: MajorityRule, rows: Sequence[KindResult] = ()
) -> Verdict:
    """The verdict with the declared majority rule and double majority checked too.

    Every reason that applies is given, after the method's own: a single
    winner that lacks the rule's share, then each named kind where it does
    not lead (``rows`` from :func:`~cop_vote.domain.by_kind.by_kind`). A
    tie, or a method that selects no option (consent), adds nothing here.

    :param base: the method's verdict (:func:`~cop_vote.domain.tally.verdict`
        or the selection's).
    :returns: ``base`` when nothing fails, else a verdict not met with the
        reasons of both.
    """
    option = base.option
    if option is None and len(result.winners) == 1 and result.method != "consent":
        option = result.winners[0]
    if option is None:
        return base
    label = next(str(row["label"]) for row in result.options if row["id"] == option)
    reasons: list[str] = []
    if rule.rule != "relative":
        check = check_majority(result, rule, option)
        if not check.met:
            reasons.append(majority_reason(label, rule, check))
    reasons += double_majority_reasons(rows, rule.kinds, label)
    if not reasons:
        return base
    return Verdict(False, None, [*base.reasons, *reasons])
