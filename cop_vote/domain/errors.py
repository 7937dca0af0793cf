"""Errors of the domain, mapped once to HTTP status codes and form messages.

Each error carries a stable snake_case ``code`` (the API's ``error.code``) and a
human ``message``. Views never invent status codes: ``cop_vote.errors`` maps
these types to 400/403/404/409.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast


class Message(str):
    """An English sentence that keeps its template and values for translation.

    It *is* the English text (a ``str``), so the API and logs use it as it
    stands; a page shows ``gettext(message.template) % message.values`` in the
    reader's language. Templates use ``%(name)s`` placeholders and are
    extracted for the catalog by the keyword ``Message``. A value that is a
    list (option names) is joined in the reader's language: "A, B and C",
    "A, B en C".

    ``Message("There is no option %(id)s in this decision.", id=12)``

    :param template: the English sentence with ``%(name)s`` placeholders.
    :param values: the values to put in them.
    """

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, **values: object) -> Message:
        text = template % english_values(values) if values else template
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message


class Plural(Message):
    """A :class:`Message` whose wording follows a count (``ngettext``).

    The count is the value ``num``; the English text is ``singular`` for 1 and
    ``plural`` otherwise, and a page looks both up with ``ngettext`` so that a
    language with other plural rules gets its own forms. Extracted for the
    catalog by the keyword ``Plural:1,2``.

    ``Plural("Blocked by %(num)s organisation.", "Blocked by %(num)s organisations.", num=2)``

    :param singular: the English sentence for a count of one.
    :param plural: the English sentence for any other count.
    :param num: the count.
    """

    plural: str
    num: int

    def __new__(cls, singular: str, plural: str, *, num: int, **values: object) -> Plural:
        template = singular if num == 1 else plural
        message = cast(Plural, super().__new__(cls, template, num=num, **values))
        message.template = singular
        message.plural = plural
        message.num = num
        return message


def english_list(items: Sequence[object]) -> str:
    """``"A, B and C"``: the English way to join names (pages join them in the
    reader's language: a Message's list value stays a list)."""
    names = [str(item) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def iso_utc(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 UTC with ``Z``, seconds precision; ``None`` stays."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def english_values(values: Mapping[str, object]) -> dict[str, object]:
    """A Message's values for its English text (the API's and the log's): lists and
    tuples of names joined, a time in ISO 8601 UTC (a page shows it in the
    network's zone: :func:`cop_vote.i18n.translate`)."""
    return {key: _english(value) for key, value in values.items()}


def _english(value: object) -> object:
    if isinstance(value, list | tuple):
        return english_list(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    return value


class DomainError(Exception):
    """Base class: a rule of the product refused what was asked.

    :param message: one human sentence, shown to the user.
    :param code: snake_case identifier for the API's ``error.code``.
    """

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """Input is malformed or breaks a rule of its shape (HTTP 400).

    :param fields: maps each bad field (dotted path, e.g. ``"ranking.2"``) to
        a sentence saying what is wrong with it.
    """

    code = "invalid_input"
    status = 400

    def __init__(
        self, message: str, fields: Mapping[str, str] | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.fields: dict[str, str] = dict(fields or {})


class FieldProblems:
    """The :class:`InvalidInput` of several independent checks, refused together.

    A form with three bad fields should say so once, not one field per submit::

        problems = FieldProblems()
        with problems.check():
            title = clean(...)
        with problems.check():
            quorum = parse_quorum(...)
        problems.raise_any()  # every bad field named, the first one's message

    A field refused twice keeps the first sentence said of it.
    """

    def __init__(self) -> None:
        self.first: InvalidInput | None = None
        self.fields: dict[str, str] = {}

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run one check; an :class:`InvalidInput` it raises is kept, not raised."""
        try:
            yield
        except InvalidInput as error:
            if self.first is None:
                self.first = error
            for field, sentence in error.fields.items():
                self.fields.setdefault(field, sentence)

    def __bool__(self) -> bool:
        return self.first is not None

    def raise_any(self) -> None:
        """Raise one :class:`InvalidInput` naming every bad field, if any was found."""
        if self.first is not None:
            raise InvalidInput(self.first.message, self.fields, code=self.first.code)


class NotAllowed(DomainError):
    """The person's role may never do this (HTTP 403)."""

    code = "forbidden"
    status = 403


class NotFound(DomainError):
    """No such object, or not visible to this person (HTTP 404)."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The object's state forbids the request (HTTP 409)."""

    code = "conflict"
    status = 409


class TransitionNotAllowed(Conflict):
    """A decision cannot move from its current status to the one asked for."""

    code = "transition_not_allowed"


class BallotsSealed(Conflict):
    """A secret decision's ballots were cut from their organisations at close,
    so what needs that link (reopening it for ballots) cannot be done."""

    code = "ballots_sealed"


class DecisionClosed(Conflict):
    """A ballot or change arrived when the decision no longer accepts it.

    :param closes_at: the decision's deadline (aware UTC datetime) or ``None``
        when it was closed by hand or never opened.
    """

    code = "decision_closed"

    def __init__(self, message: str, closes_at: Any = None) -> None:
        super().__init__(message)
        self.closes_at = closes_at


class StaleBallot(Conflict):
    """A ballot change was based on a version that is no longer current.

    :param current: the current ballot object (API shape) the client should see.
    """

    code = "stale_ballot"

    def __init__(self, message: str, current: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = dict(current) if current is not None else None
