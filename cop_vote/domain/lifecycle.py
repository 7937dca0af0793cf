"""Decision states and the transitions allowed between them.

``draft → open → closed → published``, and ``withdrawn`` from draft or open
(DESIGN.md, "Decision lifecycle"). An open decision whose ``closes_at`` has
passed *is* closed, whether or not anything ran at that moment: every reader
asks :func:`effective_status` with the current time, and every ballot write
calls :func:`check_accepts_ballots` inside its transaction.

All datetimes here are timezone-aware UTC; ``now`` is always passed in.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from .errors import BallotsSealed, DecisionClosed, Message, TransitionNotAllowed


class Status(StrEnum):
    """The status of a decision, as stored and as shown in the API."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Visibility(StrEnum):
    """When results may be seen by members (facilitators always see them)."""

    LIVE = "live"
    AFTER_OWN_BALLOT = "after_own_ballot"
    AFTER_CLOSE = "after_close"


class Secrecy(StrEnum):
    """Whether the link between organisation and ballot content is kept."""

    OPEN = "open"
    SECRET = "secret"


#: The transitions a facilitator may make, keyed by the current status.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.OPEN, Status.WITHDRAWN}),
    Status.OPEN: frozenset({Status.CLOSED, Status.WITHDRAWN}),
    Status.CLOSED: frozenset({Status.PUBLISHED}),
    Status.PUBLISHED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}


def effective_status(status: Status | str, closes_at: datetime | None, now: datetime) -> Status:
    """The status a decision has at ``now``.

    :param status: the stored status.
    :param closes_at: the deadline (aware datetime) or ``None`` for none.
    :param now: the current time (aware datetime).
    :returns: ``CLOSED`` for an open decision whose deadline is at or before
        ``now``; otherwise the stored status.
    """
    status = Status(status)
    if status is Status.OPEN and closes_at is not None and closes_at <= now:
        return Status.CLOSED
    return status


def check_transition(current: Status | str, target: Status | str) -> None:
    """Check that a decision may move from ``current`` to ``target``.

    :param current: the effective status (see :func:`effective_status`).
    :param target: the status asked for.
    :raises TransitionNotAllowed: when :data:`TRANSITIONS` does not allow it;
        the message names both states.
    """
    current, target = Status(current), Status(target)
    if target not in TRANSITIONS[current]:
        # The states themselves (not their values): a page names them in its language.
        values = {"current": current, "target": target}
        raise TransitionNotAllowed(
            Message("An %(current)s decision cannot be made %(target)s.", **values)
            if current.value[0] in "aeiou"
            else Message("A %(current)s decision cannot be made %(target)s.", **values)
        )


def check_reopen(current: Status | str, *, secret: bool) -> None:
    """Check that a decision may be reopened: closed → open, with a new deadline.

    Not a transition of :data:`TRANSITIONS` (opening a draft fixes the
    electorate; reopening keeps it): a facilitator's correction, made with a
    stated reason.

    :param current: the effective status.
    :param secret: whether the ballots are secret: the close cuts a secret
        decision's ballots from their organisations for good, so it cannot
        take ballots again.
    :raises TransitionNotAllowed: the decision is not closed; a published one
        is amended instead.
    :raises BallotsSealed: a closed secret decision.
    """
    current = Status(current)
    if current is Status.PUBLISHED:
        raise TransitionNotAllowed(
            Message("A published decision cannot be reopened; amend its outcome instead.")
        )
    if current is not Status.CLOSED:
        raise TransitionNotAllowed(
            Message(
                "Only a closed decision can be reopened; this one is %(status)s.", status=current
            )
        )
    if secret:
        raise BallotsSealed(
            Message(
                "A secret decision cannot be reopened after it closed: at the close its "
                "ballots were cut from their organisations, so no organisation can see or "
                "change its ballot any more."
            )
        )


def check_amend(current: Status | str) -> None:
    """Check that a decision's outcome may be amended: only once published.

    :raises TransitionNotAllowed: the decision is not published.
    """
    current = Status(current)
    if current is not Status.PUBLISHED:
        raise TransitionNotAllowed(
            Message(
                "Only a published outcome can be amended; this decision is %(status)s.",
                status=current,
            )
        )


def check_accepts_ballots(status: Status | str, closes_at: datetime | None, now: datetime) -> None:
    """Check that a decision accepts ballot writes at ``now``.

    Called inside the transaction that writes the ballot, after the decision row
    is locked, so a ballot arriving after the deadline is refused even when the
    page was loaded before it.

    :raises DecisionClosed: when the decision is not open at ``now``; the
        message names the closing time when there is one.
    """
    effective = effective_status(status, closes_at, now)
    if effective is Status.OPEN:
        return
    if effective is Status.DRAFT:
        raise DecisionClosed(Message("This decision is not open for ballots yet."), closes_at)
    if closes_at is not None and closes_at <= now:
        raise DecisionClosed(
            Message("This decision closed; no ballot can be cast or changed."), closes_at
        )
    raise DecisionClosed(
        Message(
            "This decision is %(status)s; no ballot can be cast or changed.",
            status=effective,
        )
    )


def results_visible(
    *,
    visibility: Visibility | str,
    secrecy: Secrecy | str,
    status: Status | str,
    has_own_ballot: bool,
    is_facilitator: bool,
    sealed: bool = False,
) -> bool:
    """Whether results may be shown to a person.

    :param visibility: the decision's results-visibility rule.
    :param secrecy: a secret decision shows results to nobody, facilitators
        included, until its ballots are sealed: cut from their organisations
        by the write that closes it. A decision past its deadline that no
        write has closed yet is shown as closed, its results still hidden.
    :param status: the *effective* status.
    :param has_own_ballot: whether the person's organisation has a cast ballot.
    :param is_facilitator: facilitators see the results of an open-ballot
        decision at any time.
    :param sealed: whether a secret decision's ballots are sealed.
    """
    status = Status(status)
    if Secrecy(secrecy) is Secrecy.SECRET:
        if not sealed:
            return False
        if status is Status.WITHDRAWN:
            return is_facilitator
        return status in (Status.CLOSED, Status.PUBLISHED)
    if status is Status.WITHDRAWN or status is Status.DRAFT:
        return is_facilitator
    if is_facilitator or status in (Status.CLOSED, Status.PUBLISHED):
        return True
    visibility = Visibility(visibility)
    if visibility is Visibility.LIVE:
        return True
    if visibility is Visibility.AFTER_OWN_BALLOT:
        return has_own_ballot
    return False
