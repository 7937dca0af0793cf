"""Ballot shapes per method and their validation.

A ballot belongs to one organisation on one decision (DESIGN.md, "The rule that
defines the product"). This module only checks the *shape* of what a client sent
and turns it into one normalised form, the form that is stored, shown back and
counted by :mod:`cop_vote.domain.tally`. It does no IO and imports only the
standard library.

Normalised bodies (API.md, "Ballots"; option ids are ``int`` in lists and
``str(id)`` in object keys, keys listed in the decision's option order):

============  ===============================================================
method        normalised body
============  ===============================================================
any           ``{"abstain": True}`` (consent: ``{"position": "abstain"}``)
single_choice ``{"option": 12}``
approval      ``{"options": [12, 14]}`` (sorted ascending)
ranked        ``{"ranking": [14, 12, 13]}`` (most preferred first, may be partial)
score         ``{"scores": {"12": 4, "13": 0}}``
consent       ``{"position": "block", "reason": "..."}`` (``reason`` omitted when empty)
dot_vote      ``{"dots": {"12": 2, "14": 1}}`` (zero entries dropped)
meeting_time  ``{"availability": {"12": "yes", "13": "if_need_be"}}``
discussion    no ballot at all
============  ===============================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .errors import InvalidInput, Message

__all__ = [
    "AVAILABILITY",
    "CONSENT_POSITIONS",
    "DEFAULT_DOTS",
    "DEFAULT_MAX_SCORE",
    "METHODS",
    "BallotRules",
    "is_abstention",
    "strip_text",
    "validate_ballot",
]

#: The decision methods, by their standard names (DESIGN.md, "Methods").
METHODS: tuple[str, ...] = (
    "single_choice",
    "approval",
    "ranked",
    "score",
    "consent",
    "dot_vote",
    "meeting_time",
    "discussion",
)

#: The positions of a consent ballot.
CONSENT_POSITIONS: tuple[str, ...] = ("agree", "abstain", "disagree", "block")

#: The answers for one time slot of a meeting_time ballot.
AVAILABILITY: tuple[str, ...] = ("yes", "if_need_be", "no")

#: Highest score on a score ballot when the decision does not set ``max_score``.
DEFAULT_MAX_SCORE = 5

#: Dots per organisation on a dot_vote ballot when the decision does not set ``dots``.
DEFAULT_DOTS = 3

#: Characters removed from both ends of a consent reason besides those for which
#: :meth:`str.isspace` is true: zero-width space, zero-width (non-)joiner, word
#: joiner, byte order mark and the Mongolian vowel separator. They render as
#: nothing, so a reason made of them is blank.
INVISIBLE_CHARACTERS = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")

# ASCII digits only: ``str.isdigit`` would accept "²" and "١٢".
_NUMERIC_ID = re.compile(r"[0-9]{1,18}")
_SURROGATE = re.compile("[\ud800-\udfff]")

_T = TypeVar("_T")

_KEY_OF_METHOD: dict[str, str] = {
    "single_choice": "option",
    "approval": "options",
    "ranked": "ranking",
    "score": "scores",
    "consent": "position",
    "dot_vote": "dots",
    "meeting_time": "availability",
}


@dataclass(frozen=True)
class BallotRules:
    """What a decision allows on a ballot.

    :param method: one of :data:`METHODS`.
    :param option_ids: the decision's option ids in display order (a list is
        accepted and kept as a tuple).
    :param max_score: score: scores are integers ``0..max_score``
        (:data:`DEFAULT_MAX_SCORE` when ``None``).
    :param dots: dot_vote: dots per organisation (:data:`DEFAULT_DOTS` when ``None``).
    :param dots_per_option: dot_vote: optional cap on the dots one option may get.
    :param reason_max: consent: maximum length of a reason, in characters
        (Unicode code points) after stripping.
    :raises ValueError: for an unknown method, repeated option ids or limits
        below 1 (``reason_max`` below 0). These are programming errors, never
        the client's.
    """

    method: str
    option_ids: tuple[int, ...]
    max_score: int | None = None
    dots: int | None = None
    dots_per_option: int | None = None
    reason_max: int = 2000

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; expected one of {METHODS}")
        ids = tuple(self.option_ids)
        object.__setattr__(self, "option_ids", ids)
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {ids}")
        for name in ("max_score", "dots", "dots_per_option"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, not {value}")
        if self.reason_max < 0:
            raise ValueError(f"reason_max must be at least 0, not {self.reason_max}")

    @property
    def score_limit(self) -> int:
        """The highest allowed score (``max_score`` or its default)."""
        return DEFAULT_MAX_SCORE if self.max_score is None else self.max_score

    @property
    def dot_limit(self) -> int:
        """The dots an organisation may place (``dots`` or its default)."""
        return DEFAULT_DOTS if self.dots is None else self.dots


class _Problems:
    """Collects one sentence per bad field, so one answer names every problem."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, sentence: str) -> None:
        """Record ``sentence`` for ``field`` (the first sentence per field stays)."""
        self.fields.setdefault(field, sentence)

    def raise_if_any(self) -> None:
        """Raise :class:`InvalidInput` naming every field recorded, if any."""
        if not self.fields:
            return
        if len(self.fields) == 1:
            message = next(iter(self.fields.values()))
        else:
            message = Message("The ballot has %(n)s problems; see each field.", n=len(self.fields))
        raise InvalidInput(message, self.fields)


def _show(value: object) -> str:
    """A short, safe rendering of a client's value for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _not_an_id(value: object) -> Message:
    return Message(
        "%(value)s is not an option id; option ids are whole numbers.", value=_show(value)
    )


def _too_many(given: int, rules: BallotRules) -> Message:
    return Message(
        "%(given)s options given; this decision has %(count)s.",
        given=given,
        count=len(rules.option_ids),
    )


def _not_one_of(value: object, choices: Sequence[str]) -> Message:
    return Message(
        "%(value)s is not one of %(choices)s.", value=_show(value), choices=", ".join(choices)
    )


def _option_id(value: object, field: str, rules: BallotRules, problems: _Problems) -> int | None:
    """Parse one option id (an int, or a string of ASCII digits) known to the decision."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.add(field, _not_an_id(value))
        return None
    if isinstance(value, str):
        if not _NUMERIC_ID.fullmatch(value):
            problems.add(field, _not_an_id(value))
            return None
        value = int(value)
    if value not in rules.option_ids:
        problems.add(field, Message("There is no option %(id)s in this decision.", id=value))
        return None
    return value


def _ordered_keys(parsed: Mapping[int, _T], rules: BallotRules) -> dict[str, _T]:
    """Re-key a parsed option mapping by ``str(id)`` in the decision's option order."""
    return {str(oid): parsed[oid] for oid in rules.option_ids if oid in parsed}


def _option_mapping(
    value: object,
    key: str,
    rules: BallotRules,
    problems: _Problems,
    check: Callable[[object, str], _T | None],
) -> dict[int, _T] | None:
    """Parse ``{option id: value}``; ``check(value, field)`` returns the clean value or None."""
    if not isinstance(value, Mapping):
        problems.add(
            key, Message("%(key)s must be an object mapping option ids to values.", key=key)
        )
        return None
    if len(value) > len(rules.option_ids):
        problems.add(key, _too_many(len(value), rules))
        return None
    parsed: dict[int, _T] = {}
    for raw_key, raw_value in value.items():
        field = f"{key}.{raw_key}"
        oid = _option_id(raw_key, field, rules, problems)
        clean = check(raw_value, field)
        if oid is None or clean is None:
            continue
        if oid in parsed:
            problems.add(field, Message("Option %(id)s is given twice.", id=oid))
            continue
        parsed[oid] = clean
    return parsed


def _option_list(
    value: object, key: str, rules: BallotRules, problems: _Problems, empty: str
) -> list[int] | None:
    """Parse a non-empty list of distinct option ids, keeping its order."""
    if not isinstance(value, list | tuple):
        problems.add(key, Message("%(key)s must be a list of option ids.", key=key))
        return None
    if not value:
        problems.add(key, empty)
        return None
    if len(value) > len(rules.option_ids):
        problems.add(key, _too_many(len(value), rules))
        return None
    ids: list[int] = []
    seen: set[int] = set()
    for index, item in enumerate(value):
        field = f"{key}.{index}"
        oid = _option_id(item, field, rules, problems)
        if oid is None:
            continue
        if oid in seen:
            problems.add(field, Message("Option %(id)s appears more than once.", id=oid))
            continue
        seen.add(oid)
        ids.append(oid)
    return ids


def strip_text(text: str) -> str:
    """Remove whitespace and invisible characters from both ends of ``text``.

    Whitespace is every character for which :meth:`str.isspace` is true
    (all Unicode whitespace, e.g. U+00A0, U+3000), plus
    :data:`INVISIBLE_CHARACTERS` (U+200B..U+200D, U+2060, U+FEFF, U+180E).

    :param text: any string.
    :returns: the stripped string (possibly empty).
    """
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or text[start] in INVISIBLE_CHARACTERS):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in INVISIBLE_CHARACTERS):
        end -= 1
    return text[start:end]


def _single_choice(
    body: Mapping[str, object], rules: BallotRules, p: _Problems
) -> dict[str, object]:
    if "option" not in body:
        p.add("option", Message("Choose an option or abstain."))
        return {}
    oid = _option_id(body["option"], "option", rules, p)
    return {"option": oid}


def _approval(body: Mapping[str, object], rules: BallotRules, p: _Problems) -> dict[str, object]:
    empty = Message("Choose at least one option or abstain.")
    if "options" not in body:
        p.add("options", empty)
        return {}
    ids = _option_list(body["options"], "options", rules, p, empty)
    return {"options": sorted(ids or ())}


def _ranked(body: Mapping[str, object], rules: BallotRules, p: _Problems) -> dict[str, object]:
    empty = Message("Rank at least one option or abstain.")
    if "ranking" not in body:
        p.add("ranking", empty)
        return {}
    ids = _option_list(body["ranking"], "ranking", rules, p, empty)
    return {"ranking": ids}


def _whole_number(value: object, field: str, low: int, high: int, p: _Problems) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        p.add(
            field,
            Message(
                "%(value)s is not a whole number from %(low)s to %(high)s.",
                value=_show(value),
                low=low,
                high=high,
            ),
        )
        return None
    if not low <= value <= high:
        p.add(
            field,
            Message(
                "%(value)s is outside the allowed range %(low)s to %(high)s.",
                value=value,
                low=low,
                high=high,
            ),
        )
        return None
    return value


def _score(body: Mapping[str, object], rules: BallotRules, p: _Problems) -> dict[str, object]:
    empty = Message("Score at least one option or abstain.")
    if "scores" not in body:
        p.add("scores", empty)
        return {}
    high = rules.score_limit
    parsed = _option_mapping(
        body["scores"], "scores", rules, p, lambda v, f: _whole_number(v, f, 0, high, p)
    )
    if parsed is not None and not parsed and not p.fields:
        p.add("scores", empty)
    return {"scores": _ordered_keys(parsed or {}, rules)}


def _dot_vote(body: Mapping[str, object], rules: BallotRules, p: _Problems) -> dict[str, object]:
    empty = Message("Place at least one dot or abstain.")
    if "dots" not in body:
        p.add("dots", empty)
        return {}
    total_allowed = rules.dot_limit
    cap = total_allowed if rules.dots_per_option is None else rules.dots_per_option
    parsed = _option_mapping(
        body["dots"], "dots", rules, p, lambda v, f: _whole_number(v, f, 0, cap, p)
    )
    if parsed is None or p.fields:
        return {}
    placed = {oid: count for oid, count in parsed.items() if count != 0}
    total = sum(placed.values())
    if not placed:
        p.add("dots", empty)
    elif total > total_allowed:
        p.add(
            "dots",
            Message(
                "%(placed)s dots placed; each organisation has %(dots)s.",
                placed=total,
                dots=total_allowed,
            ),
        )
    return {"dots": _ordered_keys(placed, rules)}


def _availability(value: object, field: str, p: _Problems) -> str | None:
    if not isinstance(value, str) or value not in AVAILABILITY:
        p.add(field, _not_one_of(value, AVAILABILITY))
        return None
    return value


def _meeting_time(
    body: Mapping[str, object], rules: BallotRules, p: _Problems
) -> dict[str, object]:
    empty = Message("Answer for at least one time slot or abstain.")
    if "availability" not in body:
        p.add("availability", empty)
        return {}
    parsed = _option_mapping(
        body["availability"], "availability", rules, p, lambda v, f: _availability(v, f, p)
    )
    if parsed is not None and not parsed and not p.fields:
        p.add("availability", empty)
    return {"availability": _ordered_keys(parsed or {}, rules)}


def _consent(body: Mapping[str, object], rules: BallotRules, p: _Problems) -> dict[str, object]:
    position = body.get("position")
    if "position" not in body:
        p.add(
            "position",
            Message("Choose a position: %(choices)s.", choices=", ".join(CONSENT_POSITIONS)),
        )
        return {}
    if not isinstance(position, str) or position not in CONSENT_POSITIONS:
        p.add("position", _not_one_of(position, CONSENT_POSITIONS))
        position = None
    raw = body.get("reason")
    reason = ""
    if raw is not None and not isinstance(raw, str):
        p.add("reason", Message("The reason must be text."))
    elif isinstance(raw, str):
        reason = strip_text(raw)
        if len(reason) > rules.reason_max:
            p.add(
                "reason",
                Message(
                    "The reason is %(length)s characters long; at most %(max)s fit.",
                    length=len(reason),
                    max=rules.reason_max,
                ),
            )
        elif "\x00" in reason or _SURROGATE.search(reason):
            # Neither can be stored as UTF-8 text (PostgreSQL refuses NUL).
            p.add("reason", Message("The reason contains characters that are not text."))
        elif position == "block" and not reason:
            p.add("reason", Message("A block needs a reason."))
    elif position == "block":
        p.add("reason", Message("A block needs a reason."))
    normalised: dict[str, object] = {"position": position}
    if reason:
        normalised["reason"] = reason
    return normalised


_VALIDATORS: dict[
    str, Callable[[Mapping[str, object], BallotRules, _Problems], dict[str, object]]
] = {
    "single_choice": _single_choice,
    "approval": _approval,
    "ranked": _ranked,
    "score": _score,
    "consent": _consent,
    "dot_vote": _dot_vote,
    "meeting_time": _meeting_time,
}


def validate_ballot(body: object, rules: BallotRules) -> dict[str, object]:
    """Check a ballot body sent by a client and return its normalised form.

    Option ids may arrive as ``int`` or as strings of ASCII digits (object keys
    are always strings in JSON; HTML forms send strings); ``bool``, floats and
    other strings are refused. Every problem found is reported at once.

    :param body: whatever the client sent, decoded from JSON or a form: may be
        any type (object, list, string, ``None`` ...).
    :param rules: what the decision allows.
    :returns: the normalised body (see the module docstring), a new dict that
        shares nothing mutable with ``body``.
    :raises InvalidInput: with ``fields`` mapping each bad field to a sentence.
        Field names are the top-level key (``"option"``, ``"options"``,
        ``"ranking"``, ``"scores"``, ``"position"``, ``"reason"``, ``"dots"``,
        ``"availability"``, ``"abstain"``, or ``"ballot"`` for a body that is
        not an object), with a dotted suffix naming the element where one is
        at fault (list index, e.g. ``"ranking.2"``, or the key as sent, e.g.
        ``"scores.99"``). Unknown keys are named by themselves. Nothing else is
        ever raised.
    """
    if rules.method == "discussion":
        only_comments = Message("This decision takes comments only, no ballot.")
        raise InvalidInput(only_comments, {"ballot": only_comments})
    if not isinstance(body, Mapping):
        not_object = Message("A ballot must be a JSON object.")
        raise InvalidInput(not_object, {"ballot": not_object})
    key = _KEY_OF_METHOD[rules.method]
    allowed = {key, "reason"} if rules.method == "consent" else {key}
    problems = _Problems()

    if "abstain" in body:
        if body["abstain"] is not True:
            problems.add(
                "abstain",
                Message('To abstain send "abstain": true; otherwise leave it out.'),
            )
        for extra in body:
            if extra != "abstain":
                problems.add(
                    str(extra), Message("Send either an abstention or a ballot, not both.")
                )
        problems.raise_if_any()
        return {"position": "abstain"} if rules.method == "consent" else {"abstain": True}

    for extra in body:
        if extra not in allowed:
            problems.add(
                str(extra),
                Message(
                    "Unknown field %(field)s for a %(method)s ballot.",
                    field=_show(extra),
                    method=rules.method,
                ),
            )
    normalised = _VALIDATORS[rules.method](body, rules, problems)
    problems.raise_if_any()
    return normalised


def is_abstention(ballot: Mapping[str, object]) -> bool:
    """Whether a *normalised* ballot is an abstention.

    :param ballot: a body returned by :func:`validate_ballot`.
    :returns: ``True`` for ``{"abstain": True}`` and for a consent ballot with
        ``"position": "abstain"``. An abstention counts as cast (toward quorum)
        but for no option.
    """
    return ballot.get("abstain") is True or ballot.get("position") == "abstain"
