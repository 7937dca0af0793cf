"""Marshmallow schemas of the JSON API, used to generate the OpenAPI document.

The document must be true: every limit below is the one the services
enforce, named beside it. Texts are taken as :func:`cop_vote.services.text.clean`
takes them: trimmed of white space and invisible characters, then at most
``maxLength`` characters; ``minLength: 1`` marks a text the service refuses
when blank (white space alone is blank). Keywords marshmallow cannot spell
(``oneOf``, ``propertyNames`` ...) are added by :mod:`.openapi` from
``metadata["json_schema"]`` and ``Meta.json_schema``.

Request bodies are declared with ``@bp.input(..., validation=False)``: the
services validate them, in the order of refusal that API.md sets (401, 403,
404, 413, 400, 409), and name every bad field. Responses are built by
:mod:`cop_vote.api.serialize`; their schemas here list every field with
``required`` for those always present, and refuse any other
(``additionalProperties: false``), so a client can rely on them.

This module holds what every part shares (the field helpers and limits, the
error and paging shapes, a ballot and its bodies) and the schemas of
organisations and people; each other part has a module of its own:
:mod:`.schemas_decisions`, :mod:`.schemas_results`, :mod:`.schemas_comments`,
:mod:`.schemas_record`, :mod:`.schemas_meetings`, :mod:`.schemas_orgs` and
:mod:`.schemas_search`.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Equal, Length, OneOf, Range, Regexp
from marshmallow import INCLUDE

from ..domain.ballots import AVAILABILITY, CONSENT_POSITIONS
from ..domain.lifecycle import Secrecy, Status, Visibility
from ..models import ORG_KINDS, ROLES
from ..services.proposals import MAX_OPTIONS

#: Largest identifier (the databases' ``integer``); also in :mod:`.common`.
MAX_ID = 2**31 - 1
#: ``COMMENT_MAX_LENGTH`` in :mod:`cop_vote.config` (a comment's body).
COMMENT_MAX = 5000
#: Highest ``max_score``, ``dots`` and ``dots_per_option`` of a decision
#: (``services.decision_fields.apply_data``); so also the highest score or dots per option.
MAX_PER_OPTION = 100
#: ``BallotRules.reason_max``: a consent reason.
CONSENT_REASON_MAX = 2000

STATUSES = [s.value for s in Status]
VISIBILITIES = [v.value for v in Visibility]
SECRECIES = [s.value for s in Secrecy]
COUNTING = ["irv", "schulze"]
COMMENT_RULES = ["open", "premoderated", "closed"]
LANGUAGES = ["nl", "en"]
NOTIFICATIONS = ["immediate", "none"]
ALERTS = ["immediate", "digest", "none"]
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: Option ids as object keys: ASCII digits (``domain.ballots._NUMERIC_ID``).
OPTION_KEY = {"pattern": "^[0-9]{1,18}$"}


def text(max_length: int, *, blank: bool = True, **kwargs: Any) -> String:
    """A text field: at most ``max_length`` characters after trimming;
    ``blank=False`` when the service refuses a blank one."""
    return String(validate=Length(min=None if blank else 1, max=max_length), **kwargs)


def ident(**kwargs: Any) -> Integer:
    """An identifier: a whole number from 1 to 2**31 - 1."""
    return Integer(validate=Range(min=1, max=MAX_ID), **kwargs)


def count(**kwargs: Any) -> Integer:
    """A number of organisations or ballots (0 or more)."""
    return Integer(validate=Range(min=0), **kwargs)


def choice(values: Any, **kwargs: Any) -> String:
    """One of ``values`` (with ``allow_none=True``, also ``null``)."""
    return String(validate=OneOf(list(values)), **kwargs)


# --- errors ---------------------------------------------------------------------


class PersonRefSchema(Schema):
    """A person as named on a ballot or comment."""

    id = ident(required=True)
    name = String(required=True)


def _id_list(description: str) -> List:
    return List(
        ident(),
        required=True,
        validate=Length(min=1, max=MAX_OPTIONS),
        metadata={"description": description, "json_schema": {"uniqueItems": True}},
    )


def _per_option(values: Any, description: str) -> Dict:
    return Dict(
        keys=String(),
        values=values,
        required=True,
        metadata={
            "description": description,
            "json_schema": {
                "propertyNames": OPTION_KEY,
                "minProperties": 1,
                "maxProperties": MAX_OPTIONS,
            },
        },
    )


#: The fields of each ballot body (API.md, "Ballot bodies by method"); option
#: ids are integers in lists and strings of digits as object keys.
BALLOT_BODIES: dict[str, Any] = {
    "SingleChoice": lambda: {
        "option": ident(required=True, metadata={"description": "the option"})
    },
    "Approval": lambda: {"options": _id_list("the options approved, no repeats")},
    "Ranked": lambda: {"ranking": _id_list("most preferred first; may be partial; no repeats")},
    "Score": lambda: {
        "scores": _per_option(
            Integer(validate=Range(min=0, max=MAX_PER_OPTION)),
            "option id → score from 0 to the decision's max_score",
        )
    },
    "Consent": lambda: {
        "position": choice(CONSENT_POSITIONS, required=True),
        "reason": text(
            CONSENT_REASON_MAX, metadata={"description": "required (not blank) to block"}
        ),
    },
    "DotVote": lambda: {
        "dots": _per_option(
            Integer(validate=Range(min=0, max=MAX_PER_OPTION)),
            "option id → dots: together at most the decision's `dots`, each at most its "
            "`dots_per_option`, at least one placed",
        )
    },
    "MeetingTime": lambda: {
        "availability": _per_option(
            choice(AVAILABILITY), "time slot (option id) → yes | if_need_be | no"
        )
    },
    "Abstain": lambda: {
        "abstain": Boolean(
            required=True, validate=Equal(True), metadata={"description": "any method"}
        )
    },
}


def _ballot_bodies(kind: str, extra: Any = dict) -> list[type[Schema]]:
    """One schema per ballot body, each with the fields ``extra()`` adds."""
    return [
        Schema.from_dict({**fields(), **extra()}, name=f"{name}{kind}Schema")
        for name, fields in BALLOT_BODIES.items()
    ]


class BallotContentSchema(Schema):
    """A ballot as stored: one of the method's bodies, normalised (approval
    ids ascending, zero dots dropped, keys in the decision's option order)."""

    class Meta:
        unknown = INCLUDE
        json_schema = {"oneOf": _ballot_bodies("Ballot")}


class BallotSchema(Schema):
    """An organisation's ballot (API.md, "Ballots")."""

    decision = ident(required=True)
    organisation = String(required=True, metadata={"description": "the organisation's slug"})
    ballot = Nested(
        BallotContentSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the normalised body; null once withdrawn"},
    )
    version = Integer(
        required=True,
        validate=Range(min=1),
        metadata={"description": "rises with every change, also across a withdrawal"},
    )
    receipt = String(
        required=True,
        allow_none=True,
        metadata={
            "description": "a new code for every cast; null for a withdrawn ballot, and in a "
            "secret decision unless it gives secret receipts"
        },
    )
    cast_at = DateTime(required=True)
    cast_by = Nested(PersonRefSchema, required=True, allow_none=True)
    recorded_by = Nested(
        PersonRefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the facilitator who recorded a ballot given in a meeting"},
    )
    given_by = String(
        required=True,
        allow_none=True,
        metadata={"description": "who gave a recorded ballot in the meeting"},
    )
    content_hidden = Boolean(
        required=True,
        metadata={
            "description": "a cast ballot whose content you may not see: a secret ballot "
            "seen from outside its organisation (the facilitator included), or one sealed "
            "when its secret decision closed; `ballot` and `receipt` are then null"
        },
    )


class CurrentBallotSchema(BallotSchema):
    """The current ballot, in a stale-ballot refusal."""


class ErrorDetailSchema(Schema):
    """The inside of every error answer."""

    code = String(
        required=True,
        validate=Regexp(r"^[a-z][a-z0-9_]*$"),
        metadata={
            "description": (
                "snake_case error code, e.g. invalid_input, malformed_json, unauthorized, "
                "forbidden, results_hidden, not_found, body_too_large, decision_closed, "
                "stale_ballot, transition_not_allowed, ballots_sealed, conflict"
            )
        },
    )
    message = String(required=True, metadata={"description": "one human sentence"})
    fields = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "400: each bad field (dotted path) and what is wrong"},
    )
    current = Nested(
        CurrentBallotSchema,
        allow_none=True,
        metadata={
            "description": (
                "409 stale_ballot: the current ballot object (null when the organisation "
                "has none); nothing was changed"
            )
        },
    )


class ErrorSchema(Schema):
    """``{"error": {"code", "message", "fields"?, "current"?}}`` for every 4xx answer."""

    error = Nested(ErrorDetailSchema, required=True)


# --- paging ---------------------------------------------------------------------


class PageQuerySchema(Schema):
    """``?cursor=`` and ``?limit=`` of every list."""

    cursor = String(
        validate=Length(max=100), metadata={"description": "the `next` of the previous page"}
    )
    limit = Integer(
        validate=Range(min=1, max=200),
        metadata={"description": "page size; left out or empty: 50"},
    )


# --- organisations and people ---------------------------------------------------


class OrganisationSchema(Schema):
    id = ident(required=True)
    slug = String(required=True, validate=Regexp(SLUG_PATTERN))
    name = String(required=True)
    short_name = String(required=True)
    kind = choice(ORG_KINDS, required=True)
    voting = Boolean(required=True)
    active = Boolean(required=True)


# apispec registers nested schemas itself and APIFlask registers response
# schemas again: a schema that is both nested and a response is added twice.
# Lists therefore nest an "item" subclass of the response schema.


class OrganisationItemSchema(OrganisationSchema):
    """An organisation in a list."""


class OrganisationListSchema(Schema):
    items = List(Nested(OrganisationItemSchema), required=True)
    next = String(required=True, allow_none=True)


class OrganisationInSchema(Schema):
    name = text(200, blank=False, required=True, metadata={"description": "unique in the network"})
    short_name = text(64, blank=False, metadata={"description": "default: the name"})
    slug = String(
        validate=[Length(min=1, max=64), Regexp(SLUG_PATTERN)],
        metadata={"description": "unique; default: made from the short name"},
    )
    kind = choice(ORG_KINDS)
    voting = Boolean()
    active = Boolean()


class OrganisationPatchSchema(OrganisationInSchema):
    name = text(200, blank=False, metadata={"description": "unique in the network"})
    lead = ident(
        allow_none=True,
        metadata={
            "description": "the person id of its lead representative (an active"
            " representative of it), who manages its people; null: none"
        },
    )


class PersonSchema(Schema):
    id = ident(required=True)
    name = String(required=True)
    email = String(
        allow_none=True,
        metadata={"description": "shown to facilitators and the person themself only"},
    )
    organisation = String(
        required=True, allow_none=True, metadata={"description": "organisation slug"}
    )
    role = choice(ROLES, required=True)
    function = String(required=True)
    active = Boolean(required=True)
    lead = Boolean(
        required=True,
        metadata={"description": "whether the person is their organisation's lead representative"},
    )
    invited_at = DateTime(
        allow_none=True,
        metadata={
            "description": "to facilitators and the person themself: when the last "
            "invitation was sent (null: never)"
        },
    )
    signed_in_at = DateTime(
        allow_none=True,
        metadata={
            "description": "to facilitators and the person themself: when the person "
            "last signed in with a link (null: never)"
        },
    )


class PersonItemSchema(PersonSchema):
    """A person in a list."""


class PersonListSchema(Schema):
    items = List(Nested(PersonItemSchema), required=True)
    next = String(required=True, allow_none=True)


class PersonInSchema(Schema):
    name = text(200, blank=False, required=True)
    email = text(
        254,
        blank=False,
        required=True,
        metadata={"format": "email", "description": "unique (ignoring case)"},
    )
    organisation = String(
        allow_none=True,
        validate=Length(max=64),
        metadata={"description": "organisation slug; required for a representative"},
    )
    role = choice(ROLES, metadata={"description": "default: representative"})
    function = text(200)
    language = choice(LANGUAGES, allow_none=True, metadata={"description": "null: the default"})
    notifications = choice(NOTIFICATIONS)
    active = Boolean()


class PersonPatchSchema(PersonInSchema):
    name = text(200, blank=False)
    email = text(254, blank=False, metadata={"format": "email"})


class MeSchema(PersonSchema):
    email = String(required=True, allow_none=True)
    organisation = Nested(OrganisationItemSchema, required=True, allow_none=True)
    language = choice(LANGUAGES, required=True, allow_none=True)
    notifications = choice(
        NOTIFICATIONS,
        required=True,
        metadata={"description": "whether the network's mail comes to you"},
    )
    alerts = choice(
        ALERTS,
        required=True,
        metadata={
            "description": "a facilitator's alerts (reported and pre-moderated comments, "
            "closed decisions, mail given up) by mail as they happen, in a daily digest, "
            "or none; always none for others"
        },
    )


class MePatchSchema(Schema):
    """Your own settings; fields left out keep their value."""

    notifications = choice(NOTIFICATIONS)
    language = choice(LANGUAGES, allow_none=True, metadata={"description": "null: the default"})
    alerts = choice(ALERTS, metadata={"description": "facilitators only"})


# --- ballots --------------------------------------------------------------------


def _version() -> dict[str, Any]:
    return {
        "version": Integer(
            allow_none=True,
            validate=Range(min=0, max=MAX_ID),
            metadata={
                "description": (
                    "the version this change is based on (0: no ballot yet), like If-Match; "
                    "null or left out (and no If-Match): the ballot replaces whatever is "
                    "current, still recorded"
                )
            },
        )
    }


def _version_and_giver() -> dict[str, Any]:
    return {
        **_version(),
        "given_by": text(
            200, blank=False, required=True, metadata={"description": "who gave it in the meeting"}
        ),
    }


class BallotInSchema(Schema):
    """The ballot for the decision's method, and optionally the version it is based on."""

    class Meta:
        unknown = INCLUDE
        json_schema = {"oneOf": _ballot_bodies("BallotIn", _version)}


class RecordInSchema(Schema):
    """A ballot given in a meeting: the ballot, who gave it, optionally the version."""

    class Meta:
        unknown = INCLUDE
        json_schema = {"oneOf": _ballot_bodies("RecordIn", _version_and_giver)}


class IfMatchSchema(Schema):
    if_match = String(
        data_key="If-Match",
        validate=Regexp(r'^(\*|(W/)?"?[0-9]{1,10}"?)?$'),
        metadata={
            "description": (
                'the ballot version the change is based on: 3, "3" or W/"3" (the ETag of the '
                "ballot you saw). A different version answers 409 with the current ballot "
                "in error.current and changes nothing. Without If-Match (or with * or an empty "
                "one) and without `version`, the write replaces whatever is current; the change "
                "is still recorded"
            )
        },
    )


class ETagSchema(Schema):
    etag = String(
        data_key="ETag",
        required=True,
        validate=Regexp(r'^"[0-9]+"$'),
        metadata={"description": 'the ballot\'s version, e.g. "3": send it back as If-Match'},
    )


class ResultsHeadersSchema(Schema):
    etag = String(
        data_key="ETag",
        required=True,
        metadata={
            "description": "the answer's version: send it back as If-None-Match to get "
            "304 Not Modified while the results are unchanged"
        },
    )
    cache_control = String(
        data_key="Cache-Control",
        required=True,
        metadata={"description": "`private, no-cache`: keep it, but ask again each time"},
    )


class EmptySchema(Schema):
    """No body."""
