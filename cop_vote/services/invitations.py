"""Inviting people to the network: the invitation mail and its sign-in link,
sending it again, and adding people from a CSV file.

Adding a person who can sign in (the facilitator's page, ``POST
/api/v1/people``, ``flask cop add-person``, a CSV import) logs
``person.created``; sending the invitation again logs ``person.invited``.
Either event writes one mail (kind ``person_invitation``) to the outbox in
the same transaction, so a mail server that is down delays it and loses
nothing. The link itself is made only when the worker sends the mail
(:func:`cop_vote.notifications.deliver_due`), with the one sign-in machinery
(:func:`cop_vote.services.auth.issue_login_link`): single use, bound to the
person and their address, valid for ``INVITATION_DAYS`` days, and voided by
any newer link (a second invitation, a link asked for on the sign-in page,
a changed address). Only its hash is stored, so a retried mail carries a new
link.

Functions flush, never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain import people_csv
from ..domain.errors import Conflict, InvalidInput, Message, Plural
from ..extensions import db
from ..models import Event, Organisation, Person
from . import audit, network, organisations
from .access import has_access, require_facilitator
from .notify import PERSON_INVITATION, Mail

#: The events after which a person is invited.
INVITING_EVENTS = ("person.created", "person.invited")


def can_be_invited(person: Person) -> bool:
    """Whether ``person`` can be sent an invitation: they can sign in and have an address."""
    return has_access(person) and bool(person.email) and person.erased_at is None


def mails_for_event(event: Event) -> list[Mail]:
    """The invitation a ``person.created`` or ``person.invited`` event writes; ``[]`` else.

    :returns: one mail to the person, keyed ``"person_invitation:<event id>:<person id>"``,
        with who invited them and the network's name.
    """
    if event.kind not in INVITING_EVENTS:
        return []
    prefix, _, raw = event.subject.partition(":")
    person = db.session.get(Person, int(raw)) if prefix == "person" and raw.isdigit() else None
    if person is None or not can_be_invited(person):
        return []
    inviter = db.session.get(Person, event.actor_id) if event.actor_id is not None else None
    found = network.get_network()
    context: dict[str, Any] = {
        "inviter": inviter.name if inviter is not None else "",
        "network": found.name if found is not None else "",
    }
    return [
        Mail(
            f"{PERSON_INVITATION}:{event.id}:{person.id}", PERSON_INVITATION, person, None, context
        )
    ]


def invite(actor: Person | None, person_id: int, now: datetime) -> Person:
    """A facilitator sends a person's invitation again; the new link voids the old one.

    :returns: the person, with ``invited_at`` set to ``now``.
    :raises NotAllowed: for non-facilitators.
    :raises NotFound: no such person.
    :raises Conflict: the person cannot sign in (inactive, of an inactive
        organisation, erased, or without an address).
    """
    actor = require_facilitator(actor)
    return send_again(actor, organisations.get_person(person_id), now)


def send_again(actor: Person, person: Person, now: datetime) -> Person:
    """Send ``person`` their invitation again, for an ``actor`` whose right to
    do so is already checked (a facilitator, or their organisation's lead).

    :raises Conflict: as :func:`invite`.
    """
    if not can_be_invited(person):
        raise Conflict(
            Message("%(name)s cannot sign in, so cannot be invited.", name=person.name),
            code="not_invitable",
        )
    person.invited_at = now
    db.session.flush()
    audit.record("person.invited", f"person:{person.id}", actor, {}, at=now)
    return person


def organisation_slug(value: str | None, organisations_: list[Organisation]) -> str | None:
    """The slug of the organisation named by ``value`` (its slug, or its name or
    short name ignoring case), or ``None`` when none matches."""
    if value is None:
        return None
    wanted = value.casefold()
    for org in organisations_:
        if org.slug == value:
            return org.slug
    for org in organisations_:
        if wanted in (org.name.casefold(), org.short_name.casefold()):
            return org.slug
    return None


def import_people(actor: Person | None, text: str, now: datetime) -> list[Person]:
    """Add the people of a CSV file (:mod:`cop_vote.domain.people_csv`), all or none.

    Every line is checked first (the file's form, then each person as
    :func:`~cop_vote.services.organisations.create_person` checks them:
    address free and valid, organisation known by slug or name, a
    representative with an organisation). With any problem nothing is added;
    else each person is added, and invited, as through the page.

    :param text: the file's text.
    :returns: the people added, in the file's order.
    :raises NotAllowed: for non-facilitators.
    :raises InvalidInput: with fields ``"lines.<line>.<column>"`` → message, one
        per problem found (line 1 is the heading).
    """
    actor = require_facilitator(actor)
    rows, errors = people_csv.read(text)
    known = organisations.list_organisations(include_inactive=True)
    checked: list[dict[str, Any]] = []
    for row in rows:
        # Every problem of the line: the file's (parse) and then the others a person
        # added through the page would meet (the columns already wrong left out).
        wrong = {e.column for e in errors if e.line == row.line}
        data: dict[str, Any] = {"name": row.name, "email": row.email, "role": row.role}
        data["language"] = row.language
        slug = organisation_slug(row.organisation, known)
        if row.organisation is not None and slug is None:
            wrong.add("organisation")
            errors.append(
                people_csv.LineError(
                    row.line,
                    "organisation",
                    Message("No organisation with slug or name %(name)s.", name=row.organisation),
                )
            )
        data["organisation"] = slug
        problems = organisations.new_person_problems(data, skip=wrong)
        for column, message in problems.items():
            errors.append(people_csv.LineError(row.line, column, _message(message)))
        if not wrong and not problems:
            checked.append(data)
    if errors:
        errors.sort(key=lambda e: e.line)
        raise InvalidInput(
            Plural(
                "Nothing was imported: %(num)s problem in the file.",
                "Nothing was imported: %(num)s problems in the file.",
                num=len(errors),
            ),
            {f"lines.{e.line}.{e.column}": e.message for e in errors},
            code="import_refused",
        )
    added = [organisations.create_person(actor, data, now) for data in checked]
    audit.record("people.imported", "network", actor, {"people": [p.id for p in added]}, at=now)
    return added


def import_people_rows(actor: Person | None, rows: Any, now: datetime) -> list[Person]:
    """Add people given as objects (``POST /api/v1/people/import`` with JSON), all or none.

    The rows become the text of a file (:func:`cop_vote.domain.people_csv.rows_text`)
    and go through :func:`import_people`, so they are checked, added, invited
    and logged exactly as a file is.

    :param rows: a list of objects with the file's columns as keys.
    :returns: the people added, in the rows' order.
    :raises NotAllowed: for non-facilitators.
    :raises InvalidInput: fields ``"people.<index>.<column>"`` (or
        ``"people.<index>"``, ``"people"``) → message, one per problem found.
    """
    actor = require_facilitator(actor)
    text, problems = people_csv.rows_text(rows)
    if problems:
        raise InvalidInput(
            Plural(
                "Nothing was imported: %(num)s problem in the file.",
                "Nothing was imported: %(num)s problems in the file.",
                num=len(problems),
            ),
            dict(problems),
            code="import_refused",
        )
    try:
        return import_people(actor, text, now)
    except InvalidInput as refused:
        fields = {
            people_csv.row_path(path): people_csv.row_message(message)
            for path, message in refused.fields.items()
        }
        raise InvalidInput(refused.message, fields, code=refused.code) from None


def _message(value: object) -> Message:
    return value if isinstance(value, Message) else Message(str(value))
