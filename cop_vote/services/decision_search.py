"""Searching and filtering the list of decisions (issue 11, part 2).

One function, :func:`condition`, turns a :class:`DecisionFilter` into one SQL
condition on ``decision`` that :func:`cop_vote.services.decisions.list_decisions`
adds to its single query, so a search costs no extra statement.

The words of ``q`` are looked for in a decision's title and description, in
its options' labels and descriptions, and in the translations of all of these
(the ``translations`` JSON of migration 0007, ``{language: {field: text}}``):

* PostgreSQL: full-text search, ``to_tsvector('simple', text) @@
  plainto_tsquery('simple', q)`` on the decision's text and its options' text
  together, so every word must occur somewhere in the decision (the
  ``simple`` configuration: no stemming, which suits two languages at once);
* any other database (SQLite): each word must occur, ignoring ASCII case, in
  one of the fields (``LIKE`` with ``%``, ``_`` and the escape character
  escaped).

Functions read nothing from the clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, false, func, literal_column, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from ..domain.ballots import METHODS
from ..domain.errors import InvalidInput, Message
from ..domain.lifecycle import Status
from ..extensions import db
from ..models import Decision, Option
from .text import clean

#: The longest search text taken, in characters.
MAX_QUERY = 200
#: The languages whose translations are searched.
LANGUAGES = ("nl", "en")
#: The statuses a list can be filtered on (as :func:`decisions.status_of` gives them).
STATUSES = tuple(s.value for s in Status)


@dataclass(frozen=True)
class DecisionFilter:
    """What the list of decisions is narrowed to; ``None`` everywhere: everything.

    :param q: words to look for (already stripped; never empty).
    :param status: one of :data:`STATUSES`, the effective status (an open
        decision past its deadline counts as closed).
    :param method: one of ``ballots.METHODS``.
    """

    q: str | None = None
    status: str | None = None
    method: str | None = None

    @property
    def active(self) -> bool:
        """Whether anything is filtered."""
        return any(v is not None for v in (self.q, self.status, self.method))


def parse(q: Any = None, status: Any = None, method: Any = None) -> DecisionFilter:
    """The filter of a request's ``?q=``, ``?status=`` and ``?method=``.

    An absent or blank value filters nothing (an empty search box lists every
    decision).

    :raises InvalidInput: ``q`` longer than :data:`MAX_QUERY` characters or
        holding control characters; a status or method that does not exist.
        ``fields`` names each bad parameter.
    """
    errors: dict[str, Message] = {}
    words: str | None = None
    if q not in (None, ""):
        try:
            words = clean(q, "q", max_length=MAX_QUERY, required=False, single_line=True) or None
        except InvalidInput as refused:
            errors["q"] = _first(refused)
    if status in ("", None):
        status = None
    elif status not in STATUSES:
        errors["status"] = Message("One of %(choices)s.", choices=", ".join(STATUSES))
    if method in ("", None):
        method = None
    elif method not in METHODS:
        errors["method"] = Message("One of %(choices)s.", choices=", ".join(METHODS))
    if errors:
        raise InvalidInput(Message("The search could not be done."), errors)
    return DecisionFilter(words, status, method)


def _first(refused: InvalidInput) -> Message:
    value = next(iter((refused.fields or {}).values()), refused.message)
    return value if isinstance(value, Message) else Message(str(value))


def condition(found: DecisionFilter, now: datetime) -> ColumnElement[bool]:
    """One SQL condition on ``decision`` for ``found`` (``TRUE`` for no filter).

    :param now: the current time (aware UTC), for the effective status.
    """
    parts: list[ColumnElement[bool]] = []
    if found.method is not None:
        parts.append(Decision.method == found.method)
    if found.status is not None:
        parts.append(_status(found.status, now))
    if found.q is not None:
        if db.engine.dialect.name == "postgresql":
            parts.append(_full_text(found.q))
        else:
            parts.append(_like(found.q))
    return and_(true(), *parts)


def _status(status: str, now: datetime) -> ColumnElement[bool]:
    """The effective status in SQL: an open decision past ``closes_at`` is closed."""
    past = and_(Decision.closes_at.is_not(None), Decision.closes_at <= now)
    if status == Status.OPEN.value:
        return and_(Decision.status == status, ~past)
    if status == Status.CLOSED.value:
        return or_(Decision.status == status, and_(Decision.status == Status.OPEN.value, past))
    return Decision.status == status


def _fields(model: Any, names: Sequence[str]) -> list[ColumnElement[Any]]:
    """The searchable texts of ``model``: its columns ``names`` and their translations."""
    texts: list[ColumnElement[Any]] = [getattr(model, name) for name in names]
    for language in LANGUAGES:
        for name in names:
            texts.append(model.translations[(language, name)].as_string())
    return texts


def _decision_fields() -> list[ColumnElement[Any]]:
    return _fields(Decision, ("title", "description"))


def _option_fields() -> list[ColumnElement[Any]]:
    return _fields(Option, ("label", "description"))


def _full_text(q: str) -> ColumnElement[bool]:
    """PostgreSQL: every word of ``q`` in the decision's text with its options'."""
    options_text = (
        select(func.string_agg(func.concat_ws(" ", *_option_fields()), " "))
        .where(Option.decision_id == Decision.id)
        .correlate(Decision)
        .scalar_subquery()
    )
    document = func.concat_ws(" ", *_decision_fields(), options_text)
    # A literal (not a parameter) so PostgreSQL reads it as a regconfig.
    simple: ColumnElement[Any] = literal_column("'simple'")
    return func.to_tsvector(simple, document).bool_op("@@")(func.plainto_tsquery(simple, q))


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(q: str) -> ColumnElement[bool]:
    """Other databases: each word of ``q`` in a field of the decision or of an option."""
    parts: list[ColumnElement[bool]] = []
    for word in q.split():
        pattern = f"%{_escaped(word.lower())}%"
        in_decision = [func.lower(f).like(pattern, escape="\\") for f in _decision_fields()]
        in_option = exists().where(
            Option.decision_id == Decision.id,
            or_(*[func.lower(f).like(pattern, escape="\\") for f in _option_fields()]),
        )
        parts.append(or_(*in_decision, in_option))
    return and_(true(), *parts) if parts else false()
