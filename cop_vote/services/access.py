"""Who may do what: role checks shared by every service.

Order of refusal follows the API contract: a role that may never do a thing is
refused (403) before the object is looked up (404).
"""

from __future__ import annotations

from ..domain.errors import NotAllowed
from ..models import Person


def require_facilitator(actor: Person | None) -> Person:
    """Return ``actor`` if it is an active facilitator.

    :raises NotAllowed: for anyone else.
    """
    if actor is None or not actor.active or actor.role != "facilitator":
        raise NotAllowed("Only a facilitator may do this.")
    return actor


def require_member(actor: Person | None) -> Person:
    """Return ``actor`` if it may take part (facilitator or representative).

    :raises NotAllowed: for observers and inactive people.
    """
    if actor is None or not actor.active or actor.role not in ("facilitator", "representative"):
        raise NotAllowed("Only representatives of member organisations may do this.")
    return actor
