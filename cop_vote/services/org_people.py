"""Organisation self-service (issue 10, part 12): an organisation's lead
representative invites and removes its own representatives and observers.

A facilitator names (or changes, or clears) an organisation's lead
(:func:`name_lead`, event ``organisation.lead_named``). The lead, and any
facilitator, may then for that organisation only:

* list its people (:func:`list_people`);
* invite a representative or an observer (:func:`invite_person`): the one
  way of adding a person (:func:`cop_vote.services.organisations.create_person`
  checks), logged ``person.created`` with ``by_lead``, which writes the
  invitation to the outbox (:mod:`cop_vote.services.invitations`);
* send an invitation again (:func:`resend_invitation`, ``person.invited``);
* remove someone (:func:`remove_person`): they are deactivated and their
  access ends for good (``person.updated`` and ``person.access_ended``, as
  when a facilitator deactivates them). The organisation's ballots stay: a
  ballot belongs to the organisation, never to a person.

A lead never acts on another organisation, on themself, or on a facilitator,
and never makes a facilitator. Every act is in the audit log with the lead as
actor; :func:`recent_acts` gives facilitators an organisation's latest ones.

Functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..database import is_id
from ..domain.errors import Conflict, InvalidInput, Message, NotAllowed, NotFound
from ..extensions import db
from ..models import Event, Organisation, Person
from . import audit, auth, invitations, organisations
from .access import has_access, require_facilitator

#: The roles a lead may give.
LEAD_ROLES = ("representative", "observer")
#: What a lead may send for a new person.
INVITE_FIELDS = ("name", "email", "role", "function", "language")
#: The events shown to facilitators as an organisation's self-service.
ACT_KINDS = ("person.created", "person.invited", "person.access_ended", "organisation.lead_named")


def is_lead(person: Person | None) -> bool:
    """Whether ``person`` is an organisation's lead and may act for it now."""
    return (
        person is not None
        and person.is_lead
        and person.role == "representative"
        and person.organisation is not None
        and has_access(person)
    )


def require_lead(actor: Person | None) -> Person:
    """``actor`` if it is a facilitator or an organisation's lead (403 before 404).

    :raises NotAllowed: for anyone else.
    """
    if actor is not None and actor.active and actor.role == "facilitator":
        return actor
    if not is_lead(actor):
        raise NotAllowed(Message("Only your organisation's lead representative may do this."))
    assert actor is not None
    return actor


def organisation_for(actor: Person | None, slug: object) -> Organisation:
    """The organisation ``slug`` if ``actor`` may manage its people.

    :raises NotAllowed: not a facilitator nor a lead; a lead of another organisation.
    :raises NotFound: no such organisation (facilitators; a lead learns nothing
        of other organisations here).
    """
    actor = require_lead(actor)
    if actor.role != "facilitator":
        assert actor.organisation is not None
        if slug != actor.organisation.slug:
            raise NotAllowed(Message("You may only manage your own organisation's people."))
    return organisations.get_organisation(slug)


def list_people(actor: Person | None, slug: object) -> list[Person]:
    """The people of organisation ``slug`` by name, inactive ones included."""
    org = organisation_for(actor, slug)
    query = (
        select(Person)
        .where(Person.organisation_id == org.id)
        .order_by(Person.active.desc(), Person.name, Person.id)
    )
    return list(db.session.execute(query).scalars())


def _member(actor: Person, org: Organisation, person_id: object) -> Person:
    """Person ``person_id`` of ``org`` that ``actor`` may act on.

    :raises NotFound: no such person in ``org``.
    :raises NotAllowed: themself, or a facilitator (for a lead).
    """
    if not is_id(person_id):
        raise NotFound(f"No person {person_id!r}.")
    person = db.session.get(Person, person_id)
    if person is None or person.organisation_id != org.id:
        raise NotFound(f"No person {person_id} in {org.slug}.")
    if actor.role != "facilitator" and (person.id == actor.id or person.role == "facilitator"):
        raise NotAllowed(Message("A lead cannot change themself or a facilitator."))
    return person


def invite_person(
    actor: Person | None, slug: object, data: Mapping[str, Any], now: datetime
) -> Person:
    """Add a representative or observer to organisation ``slug`` and invite them.

    :param data: ``{name, email, role?: "representative" | "observer", function?, language?}``.
    :returns: the new person, flushed, with ``invited_at`` = ``now``.
    :raises NotAllowed: see :func:`organisation_for`.
    :raises InvalidInput: an unknown field or role (a facilitator too), a bad or
        used address, a missing name; ``fields`` names each.
    """
    org = organisation_for(actor, slug)
    assert actor is not None
    if not isinstance(data, Mapping):
        raise InvalidInput(
            Message("The body must be a JSON object."), {"body": Message("Must be an object.")}
        )
    unknown = [k for k in data if k not in INVITE_FIELDS]
    if unknown:
        raise InvalidInput(
            Message("Unknown field: %(fields)s.", fields=", ".join(unknown)),
            {k: Message("Unknown field.") for k in unknown},
        )
    role = data.get("role", "representative")
    if role not in LEAD_ROLES:
        raise InvalidInput(
            Message("Unknown role."),
            {"role": Message("representative or observer.")},
        )
    person = organisations.add_person(
        actor, {**data, "role": role, "organisation": org.slug}, now, by_lead=True
    )
    return person


def resend_invitation(
    actor: Person | None, slug: object, person_id: object, now: datetime
) -> Person:
    """Send a person of organisation ``slug`` their invitation again.

    :raises Conflict: they cannot sign in (inactive, or no address).
    """
    org = organisation_for(actor, slug)
    assert actor is not None
    person = _member(actor, org, person_id)
    return invitations.send_again(actor, person, now)


def remove_person(actor: Person | None, slug: object, person_id: object, now: datetime) -> Person:
    """Remove (deactivate) a person of organisation ``slug``; their access ends for good.

    The organisation's ballots, and whatever the person cast for it, stay.

    :raises Conflict: already removed.
    """
    org = organisation_for(actor, slug)
    assert actor is not None
    person = _member(actor, org, person_id)
    if not person.active:
        raise Conflict(
            Message("%(name)s was already removed.", name=person.name), code="already_removed"
        )
    person.active = False
    person.is_lead = False
    db.session.flush()
    audit.record(
        "person.updated", f"person:{person.id}", actor, {"fields": ["active"], "by_lead": True}
    )
    ended = auth.end_all_access(person, now)
    audit.record(
        "person.access_ended", f"person:{person.id}", actor, {**ended, "by_lead": True}, at=now
    )
    return person


def name_lead(
    actor: Person | None, slug: object, person_id: object, now: datetime
) -> Person | None:
    """A facilitator names organisation ``slug``'s lead (``person_id``), or
    clears it (``None``); the previous lead, if any, is lead no more.

    :returns: the new lead, or ``None``.
    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such organisation.
    :raises InvalidInput: ``lead`` is not an active representative of it.
    """
    actor = require_facilitator(actor)
    org = organisations.get_organisation(slug)
    # Lock the organisation's row: two facilitators naming at once are serialised.
    db.session.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
    lead: Person | None = None
    if person_id is not None:
        found = db.session.get(Person, person_id) if is_id(person_id) else None
        if (
            found is None
            or found.organisation_id != org.id
            or found.role != "representative"
            or not found.active
        ):
            raise InvalidInput(
                Message("The lead must be an active representative of the organisation."),
                {"lead": Message("Choose an active representative of %(name)s.", name=org.name)},
            )
        lead = found
    previous = db.session.execute(
        select(Person).where(Person.organisation_id == org.id, Person.is_lead.is_(True))
    ).scalar()
    if previous is not None and previous is not lead:
        previous.is_lead = False
        db.session.flush()  # the index allows one lead: the old one goes first
    if lead is not None:
        lead.is_lead = True
    db.session.flush()
    audit.record(
        "organisation.lead_named",
        f"organisation:{org.id}",
        actor,
        {"lead": lead.id if lead else None, "previous": previous.id if previous else None},
        at=now,
    )
    return lead


def lead_of(org: Organisation) -> Person | None:
    """The organisation's lead representative, or ``None``."""
    return db.session.execute(
        select(Person).where(Person.organisation_id == org.id, Person.is_lead.is_(True))
    ).scalar()


def recent_acts(org: Organisation, limit: int = 20) -> list[Event]:
    """The latest logged acts on the organisation's people and lead, newest first
    (who invited, sent again or removed whom; who named the lead)."""
    ids = db.session.execute(select(Person.id).where(Person.organisation_id == org.id)).scalars()
    subjects = [f"person:{i}" for i in ids] + [f"organisation:{org.id}"]
    query = (
        select(Event)
        .where(Event.kind.in_(ACT_KINDS), Event.subject.in_(subjects))
        .order_by(Event.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def update_organisation(
    actor: Person | None, slug: str, data: Mapping[str, Any], now: datetime
) -> Organisation:
    """Change an organisation (:func:`cop_vote.services.organisations.update_organisation`)
    and, with ``lead`` (a person id or ``None``) in ``data``, name its lead
    (:func:`name_lead`), in one transaction: all or nothing.
    """
    rest = {k: v for k, v in data.items() if k != "lead"}
    org = organisations.get_organisation(slug)
    if rest or "lead" not in data:
        org = organisations.update_organisation(actor, slug, rest)
    if "lead" in data:
        name_lead(actor, org.slug, data["lead"], now)
    return org


def named_in(acts: list[Event]) -> dict[int, Person]:
    """The people ``acts`` name (their actors, the people they were done to,
    the leads named), by id, read in one query."""
    ids: set[int] = set()
    for act in acts:
        if act.actor_id is not None:
            ids.add(act.actor_id)
        prefix, _, raw = act.subject.partition(":")
        if prefix == "person" and raw.isdigit():
            ids.add(int(raw))
        lead = (act.data or {}).get("lead")
        if isinstance(lead, int):
            ids.add(lead)
    if not ids:
        return {}
    found = db.session.execute(select(Person).where(Person.id.in_(ids))).scalars()
    return {p.id: p for p in found}
