"""Who may do what: role checks shared by every service.

Order of refusal follows the API contract: a role that may never do a thing is
refused (403) before the object is looked up (404).
"""

from __future__ import annotations

from ..domain.errors import NotAllowed
from ..models import Person

#: The roles that take part: comment, propose, cast their organisation's ballot.
MEMBER_ROLES = ("facilitator", "representative")


def has_access(person: Person | None) -> bool:
    """Whether ``person`` may sign in and act at all.

    An inactive person never; nor, while their organisation is inactive,
    anyone of it but a facilitator (a facilitator's organisation going
    inactive must not lock the network out). Deactivating a person also
    revokes their sessions, tokens and links for good
    (:func:`cop_vote.services.auth.end_all_access`); an organisation's
    people get their access back when it is reactivated.
    """
    if person is None or not person.active:
        return False
    if person.role == "facilitator" or person.organisation is None:
        return True
    return bool(person.organisation.active)


def require_facilitator(actor: Person | None) -> Person:
    """Return ``actor`` if it is an active facilitator.

    :raises NotAllowed: for anyone else.
    """
    if actor is None or not actor.active or actor.role != "facilitator":
        raise NotAllowed("Only a facilitator may do this.")
    return actor


def sees_own_ballot(person: Person) -> bool:
    """Whether ``person`` may see their organisation's ballot (its choice and
    receipt): its representatives and facilitators, never an observer, as the
    API's ``GET /decisions/{id}/ballot`` (:func:`require_member`)."""
    return person.role in ("facilitator", "representative")


def require_member(actor: Person | None) -> Person:
    """Return ``actor`` if it may take part (facilitator or representative).

    :raises NotAllowed: for observers, inactive people and people of an
        inactive organisation.
    """
    if (
        actor is None
        or not has_access(actor)
        or actor.role not in ("facilitator", "representative")
    ):
        raise NotAllowed("Only representatives of member organisations may do this.")
    return actor
