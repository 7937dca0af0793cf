"""A decision's declared majority rule: its fields, checked against the method.

The fields (API.md, "Decisions"): ``majority_rule``, ``majority_base``,
``majority_share`` and ``double_majority``; their defaults keep each method's
own rule (relative majority, no double majority).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from ..domain import majority
from ..domain.by_kind import KIND_GROUPS
from ..domain.errors import Conflict, InvalidInput, Message
from ..domain.majority import MajorityRule
from ..models import ORG_KINDS, Decision

#: How a share is written: ``3/5`` or ``0.6``, at most 9 digits a part.
SHARE_PATTERN = r"^[0-9]{1,9}([./][0-9]{1,9})?$"

#: The decision fields this module reads and writes.
RULE_FIELDS = ("majority_rule", "majority_base", "majority_share", "double_majority")


def apply_fields(decision: Decision, data: Mapping[str, Any]) -> None:
    """Set the rule fields present in ``data`` and check the whole rule
    against the decision's method (which ``data`` may have changed).

    :raises InvalidInput: an unknown rule, base or kind; a share that is
        missing, given without the rule ``fraction``, or not between 0 and 1;
        a rule other than relative for a method whose figures are not
        organisations; a double majority for consent or a discussion.
    """
    if "majority_rule" in data:
        decision.majority_rule = _one_of(data, "majority_rule", majority.RULES)
        if decision.majority_rule != "fraction" and "majority_share" not in data:
            decision.majority_share = None
    if "majority_base" in data:
        decision.majority_base = _one_of(data, "majority_base", majority.BASES)
    if "majority_share" in data:
        decision.majority_share = _share(data["majority_share"])
    if "double_majority" in data:
        decision.double_majority = _kinds(data["double_majority"])
    _check(decision)


def _one_of(data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str:
    value = data[key]
    if not isinstance(value, str) or value not in allowed:
        message = (
            Message("Invalid majority rule.")
            if key == "majority_rule"
            else Message("Invalid majority base.")
        )
        raise InvalidInput(message, {key: "One of " + ", ".join(allowed) + "."})
    return value


def _share(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not re.fullmatch(SHARE_PATTERN, value):
        raise InvalidInput(
            Message("Invalid majority share."),
            {"majority_share": "A fraction such as 3/5 or 0.6."},
        )
    try:
        share = majority.parse_share(str(value))
    except ValueError as exc:
        raise InvalidInput(
            Message("Invalid majority share."),
            {"majority_share": "A fraction above 0 and below 1, such as 3/5."},
        ) from exc
    return str(share)


def _kinds(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or any(k not in ORG_KINDS for k in value):
        raise InvalidInput(
            Message("Invalid double majority."),
            {"double_majority": "A list of organisation kinds: " + ", ".join(ORG_KINDS) + "."},
        )
    found = [k for k in ORG_KINDS if k in value]  # in the network's order, once each
    return found or None


def _check(decision: Decision) -> None:
    rule = decision.majority_rule or "relative"
    if rule == "fraction" and decision.majority_share is None:
        raise InvalidInput(
            Message("A majority of a share needs the share."),
            {"majority_share": Message("Give the share, such as 3/5.")},
        )
    if rule != "fraction" and decision.majority_share is not None:
        raise InvalidInput(
            Message("A share goes with the rule of a share only."),
            {"majority_share": Message("Leave it empty, or choose a share as the rule.")},
        )
    if rule != "relative" and decision.method not in majority.MAJORITY_METHODS:
        raise InvalidInput(
            Message(
                "A majority rule other than the most votes needs a method that counts "
                "organisations per option: single choice or approval."
            ),
            {"majority_rule": Message("Choose most votes for this method.")},
        )
    if decision.double_majority and decision.method in ("consent", "discussion"):
        raise InvalidInput(
            Message("A double majority needs a method that chooses an option."),
            {"double_majority": Message("Leave it empty for this method.")},
        )


def check_electorate(decision: Decision, kinds: Collection[str]) -> None:
    """Whether the double majority can be carried by an electorate with
    organisations of ``kinds``: each kind it names must have one.

    :raises Conflict: a kind named by the double majority that no
        organisation of the electorate has (the decision could never carry).
    """
    for kind in decision.double_majority or ():
        if kind not in kinds:
            raise Conflict(
                Message(
                    "This decision requires a double majority among %(group)s, but no "
                    "voting member organisation is of that kind, so it could never be "
                    "carried. Remove that kind from the double majority first.",
                    group=KIND_GROUPS.get(kind, KIND_GROUPS["other"]),
                ),
                code="double_majority_without_electors",
            )


def rule_of(decision: Decision) -> MajorityRule:
    """The decision's declared rule (each method's own rule when none is declared)."""
    share = majority.parse_share(decision.majority_share) if decision.majority_share else None
    return MajorityRule(
        decision.majority_rule or "relative",
        decision.majority_base or "option_ballots",
        share,
        tuple(decision.double_majority or ()),
    )
