"""Organisations and people of the network (facilitators write, members read)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..domain.errors import Conflict, InvalidInput, Message, NotAllowed, NotFound
from ..extensions import db
from ..models import ALERT_CHOICES, ORG_KINDS, ROLES, Organisation, Person, utcnow
from . import audit, auth
from .access import has_access, require_facilitator
from .text import clean

ORG_FIELDS = ("name", "short_name", "slug", "kind", "voting", "active")
PERSON_FIELDS = (
    "name",
    "email",
    "organisation",
    "role",
    "function",
    "language",
    "notifications",
    "active",
)
#: What a person may change about themself (:func:`update_own_settings`).
OWN_SETTINGS = ("notifications", "language", "alerts")
NOTIFICATION_CHOICES = ("immediate", "none")


def slugify(text: str) -> str:
    """A URL slug: ASCII lower case letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower())[:64].strip("-") or "organisation"


def _unknown(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in data if k not in allowed]
    if unknown:
        raise InvalidInput(
            "Unknown field: " + ", ".join(unknown) + ".",
            {k: "Unknown field." for k in unknown},
        )


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data[key]
    if not isinstance(value, bool):
        raise InvalidInput(
            f"{key} must be true or false.", {key: Message("Must be true or false.")}
        )
    return value


def list_organisations(
    *, include_inactive: bool = False, offset: int = 0, limit: int | None = None
) -> list[Organisation]:
    """All organisations by name; inactive ones only when asked.

    :param offset: how many to skip; :param limit: at most this many (``None``: all).
    """
    query = select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)
    if not include_inactive:
        query = query.where(Organisation.active.is_(True))
    return list(db.session.execute(query.offset(offset).limit(limit)).scalars())


def count_organisations(*, include_inactive: bool = False) -> int:
    """How many organisations :func:`list_organisations` lists, counted in SQL."""
    query = select(func.count()).select_from(Organisation)
    if not include_inactive:
        query = query.where(Organisation.active.is_(True))
    return db.session.execute(query).scalar_one()


#: What any slug looks like; another string names no organisation and is not
#: sent to the database (PostgreSQL refuses a NUL in a query parameter).
_ANY_SLUG = re.compile(r"[a-z0-9-]{1,64}")


def get_organisation(slug: object) -> Organisation:
    """The organisation with ``slug``.

    :raises NotFound: when there is none (also for a string no slug can be).
    """
    if not isinstance(slug, str) or not _ANY_SLUG.fullmatch(slug):
        raise NotFound(f"No organisation {str(slug)[:64]!r}.")
    org = db.session.execute(select(Organisation).where(Organisation.slug == slug)).scalar()
    if org is None:
        raise NotFound(f"No organisation {slug!r}.")
    return org


def _taken(condition: Any, org: Organisation) -> bool:
    """Whether another organisation than ``org`` matches ``condition``."""
    query = select(Organisation.id).where(condition)
    if org.id is not None:
        query = query.where(Organisation.id != org.id)
    with db.session.no_autoflush:  # org itself must not be written before the check
        return db.session.execute(query).first() is not None


def _name_taken(org: Organisation) -> bool:
    """Whether another organisation has ``org``'s name, compared case-insensitively
    in Python (SQLite's ``lower()`` folds only ASCII letters)."""
    wanted = org.name.casefold()
    query = select(Organisation.id, Organisation.name)
    with db.session.no_autoflush:
        rows = db.session.execute(query).all()
    return any(name.casefold() == wanted and oid != org.id for oid, name in rows)


def _apply_org(org: Organisation, data: Mapping[str, Any]) -> None:
    if "name" in data:
        org.name = clean(data["name"], "name", max_length=200, single_line=True)
        if _name_taken(org):
            raise InvalidInput(
                Message("An organisation with this name exists."),
                {"name": Message("'%(name)s' is already in the network.", name=org.name)},
            )
    if "short_name" in data:
        org.short_name = clean(data["short_name"], "short_name", max_length=64, single_line=True)
    if "kind" in data:
        if data["kind"] not in ORG_KINDS:
            raise InvalidInput(
                Message("Unknown kind."), {"kind": "One of " + ", ".join(ORG_KINDS) + "."}
            )
        org.kind = data["kind"]
    if "voting" in data:
        org.voting = _bool(data, "voting")
    if "active" in data:
        org.active = _bool(data, "active")
    if "slug" in data:
        slug = clean(data["slug"], "slug", max_length=64, single_line=True)
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            raise InvalidInput(
                Message("Invalid slug."),
                {"slug": Message("Lower-case letters, digits and single hyphens only.")},
            )
        if _taken(Organisation.slug == slug, org):
            raise InvalidInput(
                Message("Slug taken."),
                {"slug": Message("'%(slug)s' is already in use.", slug=slug)},
            )
        org.slug = slug


def create_organisation(actor: Person | None, data: Mapping[str, Any]) -> Organisation:
    """Add an organisation (facilitator only).

    :param data: ``{name, short_name?, slug?, kind?, voting?}``.
    :raises NotAllowed: for non-facilitators.
    :raises InvalidInput: for missing, malformed or clashing fields.
    """
    require_facilitator(actor)
    _unknown(data, ORG_FIELDS)
    data = dict(data)
    name = clean(data.get("name"), "name", max_length=200, single_line=True)
    data.setdefault("short_name", name[:64])
    if "slug" not in data:
        short_name = clean(
            data.get("short_name"), "short_name", max_length=64, required=False, single_line=True
        )
        base = slugify(short_name or name)
        slug, n = base, 1
        while db.session.execute(select(Organisation.id).where(Organisation.slug == slug)).scalar():
            n += 1
            suffix = f"-{n}"  # the slug stays within its 64 characters
            slug = base[: 64 - len(suffix)].rstrip("-") + suffix
        data["slug"] = slug
    org = Organisation(name=name, short_name="", slug="", kind="other", voting=True, active=True)
    db.session.add(org)
    _apply_org(org, data)
    db.session.flush()
    audit.record(
        "organisation.created",
        f"organisation:{org.id}",
        actor,
        {"slug": org.slug, "voting": org.voting},
    )
    return org


def update_organisation(actor: Person | None, slug: str, data: Mapping[str, Any]) -> Organisation:
    """Change an organisation's fields, or deactivate it with ``{active: false}``.

    Deactivation changes no ballot and no published count: electorates are fixed
    when decisions open.
    """
    require_facilitator(actor)
    org = get_organisation(slug)
    _unknown(data, ORG_FIELDS)
    _apply_org(org, data)
    db.session.flush()
    audit.record("organisation.updated", f"organisation:{org.id}", actor, {"fields": sorted(data)})
    return org


def list_people(
    *,
    include_inactive: bool = False,
    never_signed_in: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> list[Person]:
    """Everyone by name; inactive people only when asked.

    :param never_signed_in: only people who never signed in with a link.
    :param offset: how many to skip; :param limit: at most this many (``None``: all).
    """
    query = select(Person).order_by(func.lower(Person.name), Person.id)
    if not include_inactive:
        query = query.where(Person.active.is_(True))
    if never_signed_in:
        query = query.where(Person.signed_in_at.is_(None))
    return list(db.session.execute(query.offset(offset).limit(limit)).scalars())


def count_people(*, include_inactive: bool = False) -> int:
    """How many people :func:`list_people` lists, counted in SQL."""
    query = select(func.count()).select_from(Person)
    if not include_inactive:
        query = query.where(Person.active.is_(True))
    return db.session.execute(query).scalar_one()


def get_person(person_id: int) -> Person:
    """The person with ``person_id``; :raises NotFound: when there is none."""
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    return person


def find_person_by_email(email: str) -> Person | None:
    """The active person with this address (case-insensitive), or ``None``."""
    return db.session.execute(
        select(Person).where(func.lower(Person.email) == email.strip().lower())
    ).scalar()


def _apply_person(person: Person, data: Mapping[str, Any]) -> None:
    if "name" in data:
        person.name = clean(data["name"], "name", max_length=200, single_line=True)
    if "email" in data:
        raw = clean(data["email"], "email", max_length=254, single_line=True)
        try:
            email = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            raise InvalidInput(
                Message("Invalid e-mail address."),
                {"email": Message("Give an e-mail address such as name@example.org.")},
            ) from exc
        clash = find_person_by_email(email)
        if clash is not None and clash.id != person.id:
            raise InvalidInput(
                Message("E-mail address in use."), {"email": Message("Already used by someone.")}
            )
        person.email = email
    if "organisation" in data:
        slug = data["organisation"]
        if slug is None:
            person.organisation = None
        else:
            if not isinstance(slug, str):
                raise InvalidInput(
                    Message("Organisation must be a slug."), {"organisation": Message("A slug.")}
                )
            try:
                person.organisation = get_organisation(slug)
            except NotFound as exc:
                raise InvalidInput(exc.message, {"organisation": exc.message}) from exc
    if "role" in data:
        if data["role"] not in ROLES:
            raise InvalidInput(
                Message("Unknown role."), {"role": "One of " + ", ".join(ROLES) + "."}
            )
        person.role = data["role"]
    if "function" in data:
        person.function = clean(
            data["function"], "function", max_length=200, required=False, single_line=True
        )
    if "language" in data:
        if data["language"] not in (None, "nl", "en"):
            raise InvalidInput(Message("Unknown language."), {"language": Message("nl or en.")})
        person.language = data["language"]
    if "notifications" in data:
        if data["notifications"] not in NOTIFICATION_CHOICES:
            raise InvalidInput(
                Message("Unknown notification setting."),
                {"notifications": Message("immediate or none.")},
            )
        person.notifications = data["notifications"]
    if "alerts" in data:
        if data["alerts"] not in ALERT_CHOICES:
            raise InvalidInput(
                Message("Unknown alert setting."),
                {"alerts": Message("immediate, digest or none.")},
            )
        person.alerts = data["alerts"]
    if "active" in data:
        person.active = _bool(data, "active")
    if person.role == "representative" and person.organisation is None:
        raise InvalidInput(
            Message("A representative belongs to an organisation."),
            {"organisation": Message("Required for a representative.")},
        )


def _new_person(data: Mapping[str, Any]) -> Person:
    """A new person with ``data`` applied, not yet in the session.

    :raises InvalidInput: as :func:`create_person`.
    """
    _unknown(data, PERSON_FIELDS)
    for key in ("name", "email"):
        if key not in data:
            raise InvalidInput(
                Message("%(field)s is required.", field=key),
                {key: Message("This field is required.")},
            )
    person = Person(name="", role=data.get("role", "representative"), active=True, function="")
    try:
        with db.session.no_autoflush:
            _apply_person(person, {"role": "representative", **data})
    except InvalidInput:
        person.organisation = None  # out of the organisation's list of people again
        raise
    return person


def new_person_problems(
    data: Mapping[str, Any], skip: Collection[str] = ()
) -> dict[str, Message | str]:
    """Every problem :func:`create_person` would find in ``data``, by field (where
    it stops at the first): each field checked alone, the
    organisation with the role (a representative belongs to one). Changes nothing.

    :param skip: fields already known to be wrong: not checked again.
    """
    problems: dict[str, Message | str] = {}

    def check(part: dict[str, Any], keep: set[str]) -> None:
        person = Person(name="", role="observer", active=True, function="")
        try:
            with db.session.no_autoflush:
                _apply_person(person, part)
        except InvalidInput as refused:
            for key, message in (refused.fields or {}).items():
                if key in keep:
                    problems.setdefault(key, message)
        finally:
            person.organisation = None
            if person in db.session:
                db.session.expunge(person)

    for key in ("name", "email", "function", "language"):
        if key in data and key not in skip:
            check({key: data[key]}, {key})
    together = {k: data[k] for k in ("organisation", "role") if k in data and k not in skip}
    check(together, {"organisation", "role"} - set(skip))
    return problems


def create_person(
    actor: Person | None, data: Mapping[str, Any], now: datetime | None = None
) -> Person:
    """Add a person (facilitator only). A person who can sign in is invited:
    the ``person.created`` event writes the invitation, with a sign-in link,
    to the outbox (:mod:`cop_vote.services.invitations`).

    :param data: ``{name, email, organisation: slug, role, function?, language?}``.
    :param now: when (aware UTC); the current time when not given.
    :raises InvalidInput: missing or bad fields, an e-mail address in use.
    """
    return add_person(require_facilitator(actor), data, now)


def add_person(
    actor: Person, data: Mapping[str, Any], now: datetime | None = None, *, by_lead: bool = False
) -> Person:
    """Add a person and invite them, as :func:`create_person` does, for an
    ``actor`` whose right to do so is already checked (a facilitator, or an
    organisation's lead: :mod:`cop_vote.services.org_people`).

    :param by_lead: marks the log entry as an organisation's self-service.
    :raises InvalidInput: as :func:`create_person`.
    """
    person = _new_person(data)
    at = now or utcnow()
    if has_access(person) and person.email:
        person.invited_at = at
    db.session.add(person)
    db.session.flush()
    logged: dict[str, Any] = {"role": person.role, "organisation_id": person.organisation_id}
    if by_lead:
        logged["by_lead"] = True
    audit.record("person.created", f"person:{person.id}", actor, logged, at=at)
    return person


def update_person(
    actor: Person | None, person_id: int, data: Mapping[str, Any], now: datetime | None = None
) -> Person:
    """Change a person's fields, or deactivate with ``{active: false}``.

    Deactivating someone keeps every ballot they cast: ballots belong to
    organisations. It ends their access for good: their sessions and API
    tokens are revoked and unused sign-in links voided, so reactivating them
    brings none back (:func:`cop_vote.services.auth.end_all_access`). A
    facilitator cannot deactivate or demote themself, so the network always
    keeps one.

    :param now: when (aware UTC); the current time when not given.
    """
    require_facilitator(actor)
    person = get_person(person_id)
    _unknown(data, PERSON_FIELDS)
    if person.id == actor.id and (  # type: ignore[union-attr]
        data.get("active") is False or data.get("role", "facilitator") != "facilitator"
    ):
        raise Conflict(Message("You cannot deactivate or demote yourself."))
    was_active, was_address, was_organisation = person.active, person.email, person.organisation
    _apply_person(person, data)
    if person.is_lead and (
        not person.active
        or person.role != "representative"
        or person.organisation is not was_organisation
    ):
        person.is_lead = False  # a lead leads their own organisation as a representative
    db.session.flush()
    audit.record("person.updated", f"person:{person.id}", actor, {"fields": sorted(data)})
    at = now or utcnow()
    if was_active and not person.active:
        ended = auth.end_all_access(person, at)
        audit.record("person.access_ended", f"person:{person.id}", actor, ended, at=at)
    elif person.email != was_address:
        # A link is bound to the address it was sent to: one mailed to the
        # old (perhaps mistyped) address must not sign anyone in.
        auth.void_login_links(person, at)
    return person


def update_own_settings(actor: Person | None, data: Mapping[str, Any], now: datetime) -> Person:
    """A person changes their own settings: ``{notifications?, language?, alerts?}``.

    :param data: ``notifications`` is ``"immediate"`` (the network's mail) or
        ``"none"``; ``language`` is ``"nl"``, ``"en"`` or ``None`` (the
        network's default), also the language of their mail; ``alerts`` (a
        facilitator only) is ``"immediate"``, ``"digest"`` or ``"none"``
        (:mod:`cop_vote.services.alerts`).
    :returns: the person, changed and flushed.
    :raises NotAllowed: nobody signed in, or an inactive person.
    :raises InvalidInput: another field, or a value outside those above.
    """
    if actor is None or not actor.active:
        raise NotAllowed(Message("Sign in to change your settings."))
    if not isinstance(data, Mapping):
        raise InvalidInput(
            Message("The body must be a JSON object."), {"body": Message("Must be an object.")}
        )
    _unknown(data, OWN_SETTINGS)
    if "alerts" in data and actor.role != "facilitator":
        raise InvalidInput(
            Message("Only facilitators get alerts."),
            {"alerts": Message("Only facilitators get alerts.")},
        )
    _apply_person(actor, data)
    db.session.flush()
    audit.record("person.settings", f"person:{actor.id}", actor, {"fields": sorted(data)}, at=now)
    return actor
