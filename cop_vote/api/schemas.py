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
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, Raw, String
from apiflask.validators import Equal, Length, OneOf, Range, Regexp
from marshmallow import INCLUDE

from ..domain.ballots import AVAILABILITY, CONSENT_POSITIONS, METHODS
from ..domain.lifecycle import Secrecy, Status, Visibility
from ..models import ORG_KINDS, ROLES
from ..services.comments import REVIEW_STATES
from ..services.moderation import REASON_MAX, STATUS_FILTERS
from ..services.proposals import MAX_OPTIONS
from .change_schemas import ChangeSchema
from .rule_schemas import MajorityFields, MajorityInFields, results_fields

#: Largest identifier (the databases' ``integer``); also in :mod:`.common`.
MAX_ID = 2**31 - 1
#: ``COMMENT_MAX_LENGTH`` in :mod:`cop_vote.config` (a comment's body).
COMMENT_MAX = 5000
#: Highest ``max_score``, ``dots`` and ``dots_per_option`` of a decision
#: (``services.decisions._apply``); so also the highest score or dots per option.
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


# --- decisions ------------------------------------------------------------------

_TRANSLATIONS = (
    "translations into the interface languages other than original_language; a reader "
    "reads a field in their language when its translation has it, else the original"
)
_TRANSLATIONS_IN = (
    "per language: the translation, or null to remove it; languages left out keep "
    "theirs. Never in original_language"
)


class DecisionTextSchema(Schema):
    title = String(required=True)
    description = String(required=True)


class DecisionTranslationsSchema(Schema):
    nl = Nested(DecisionTextSchema)
    en = Nested(DecisionTextSchema)


class OptionTextSchema(Schema):
    label = String(required=True)
    description = String(required=True)


class OptionTranslationsSchema(Schema):
    nl = Nested(OptionTextSchema)
    en = Nested(OptionTextSchema)


class DecisionTextInSchema(Schema):
    title = text(300, blank=False, required=True)
    description = text(20000, allow_none=True)


class DecisionTranslationsInSchema(Schema):
    nl = Nested(DecisionTextInSchema, allow_none=True)
    en = Nested(DecisionTextInSchema, allow_none=True)


class OptionTextInSchema(Schema):
    label = text(500, blank=False, required=True)
    description = text(5000, allow_none=True)


class OptionTranslationsInSchema(Schema):
    nl = Nested(OptionTextInSchema, allow_none=True)
    en = Nested(OptionTextInSchema, allow_none=True)


class OptionSchema(Schema):
    id = ident(required=True)
    label = String(required=True)
    description = String(required=True)
    starts_at = DateTime(allow_none=True, metadata={"description": "meeting_time only (UTC)"})
    ends_at = DateTime(allow_none=True, metadata={"description": "meeting_time only (UTC)"})
    edited = Boolean(required=True, metadata={"description": "reworded while open"})
    proposed_by = String(
        required=True,
        allow_none=True,
        metadata={"description": "slug of the proposing organisation"},
    )
    translations = Nested(
        OptionTranslationsSchema,
        required=True,
        metadata={"description": "label and description in other languages (the decision's)"},
    )


class OutcomeSchema(Schema):
    option = ident(
        required=True, allow_none=True, metadata={"description": "the first of options, or null"}
    )
    options = List(
        ident(),
        required=True,
        metadata={"description": "the published options in their order ([] when none)"},
    )
    statement = String(required=True)


class OutcomeHistorySchema(Schema):
    """One dated entry of how the outcome came about; entries are never changed."""

    kind = choice(["published", "amended", "reopened"], required=True)
    at = DateTime(required=True)
    options = List(
        ident(),
        required=True,
        allow_none=True,
        metadata={"description": "published, amended: the options in their order; else null"},
    )
    statement = String(
        required=True, allow_none=True, metadata={"description": "published, amended"}
    )
    reason = String(
        required=True,
        allow_none=True,
        metadata={"description": "amended, reopened: the reason the facilitator stated"},
    )
    closed_at = DateTime(
        required=True, allow_none=True, metadata={"description": "reopened: when it had closed"}
    )
    closes_at = DateTime(
        required=True, allow_none=True, metadata={"description": "reopened: the new deadline"}
    )


class LinksSchema(Schema):
    """The downloads of a decision that exist for you now."""

    results = String(metadata={"format": "uri"})
    meeting_pack = String(metadata={"format": "uri"})
    meeting_pack_csv = String(metadata={"format": "uri"})
    meeting_pack_docx = String(metadata={"format": "uri"})
    meeting_pack_xlsx = String(
        metadata={"format": "uri", "description": "The meeting pack as an Excel workbook."}
    )
    meeting_pack_csv_semicolon = String(
        metadata={
            "format": "uri",
            "description": "The meeting pack as CSV separated by `;` (Excel in a Dutch locale).",
        }
    )
    ballots_csv = String(metadata={"format": "uri"})
    calendar = String(metadata={"format": "uri"})
    ballot_record = String(metadata={"format": "uri"})


class DecisionSchema(MajorityFields):
    id = ident(required=True)
    title = String(required=True)
    description = String(required=True)
    original_language = choice(
        LANGUAGES,
        required=True,
        metadata={"description": "the language title, description and option labels are in"},
    )
    translations = Nested(
        DecisionTranslationsSchema, required=True, metadata={"description": _TRANSLATIONS}
    )
    method = choice(METHODS, required=True)
    status = choice(STATUSES, required=True, metadata={"description": "effective status"})
    options = List(Nested(OptionSchema), required=True)
    closes_at = DateTime(required=True, allow_none=True)
    quorum = Float(required=True, validate=Range(min=0, max=1))
    results_visibility = choice(VISIBILITIES, required=True)
    ballot_secrecy = choice(SECRECIES, required=True)
    counting = choice(COUNTING, required=True, allow_none=True)
    max_score = Integer(required=True, allow_none=True, validate=Range(min=1, max=MAX_PER_OPTION))
    dots = Integer(required=True, allow_none=True, validate=Range(min=1, max=MAX_PER_OPTION))
    dots_per_option = Integer(
        required=True,
        allow_none=True,
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={"description": "dot_vote: the most dots one option may get; null: no cap"},
    )
    facilitator_votes = Boolean(required=True)
    comments = choice(COMMENT_RULES, required=True)
    proposals_open = Boolean(
        required=True, metadata={"description": "a draft taking members' proposals"}
    )
    document_url = String(
        required=True,
        allow_none=True,
        metadata={"format": "uri", "description": "a document to read"},
    )
    reminder_hours = Integer(
        required=True,
        allow_none=True,
        validate=Range(min=1, max=720),
        metadata={"description": "hours before closes_at for the reminder; null: the default"},
    )
    secret_receipts = Boolean(
        required=True,
        metadata={
            "description": "a secret decision gives receipts (they let an organisation "
            "prove its choice); open ballots always do"
        },
    )
    ballots_sealed = Boolean(
        required=True,
        metadata={"description": "a secret decision whose ballots were cut from organisations"},
    )
    log_anchor = String(
        required=True,
        allow_none=True,
        metadata={"description": "the event log's head hash at publication (verify-log --anchor)"},
    )
    eligible = count(required=True)
    ballots_cast = count(required=True)
    outcome = Nested(OutcomeSchema, required=True, allow_none=True)
    selects = Integer(
        required=True,
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={"description": "how many options the decision selects"},
    )
    outcome_history = List(
        Nested(OutcomeHistorySchema),
        required=True,
        metadata={"description": "publication, amendments and reopenings, oldest first"},
    )
    changes = List(
        Nested(ChangeSchema),
        required=True,
        metadata={"description": "changes made after opening, oldest first"},
    )
    created_at = DateTime(required=True)
    opened_at = DateTime(required=True, allow_none=True)
    closed_at = DateTime(required=True, allow_none=True)
    published_at = DateTime(required=True, allow_none=True)
    withdrawn_at = DateTime(required=True, allow_none=True)
    url = String(required=True, metadata={"format": "uri", "description": "its web page"})
    links = Nested(LinksSchema, required=True)


class DecisionItemSchema(DecisionSchema):
    """A decision in a list."""


class DecisionListSchema(Schema):
    items = List(Nested(DecisionItemSchema), required=True)
    next = String(required=True, allow_none=True)


class OptionInSchema(Schema):
    id = ident(metadata={"description": "open decisions: the option to reword"})
    label = text(
        500,
        metadata={
            "description": (
                "required and not blank, except for a meeting_time slot (default: the slot "
                "in words); labels differ (ignoring case)"
            )
        },
    )
    description = text(5000, allow_none=True)
    starts_at = String(
        metadata={"format": "date-time", "description": "meeting_time: ISO 8601 with offset"}
    )
    ends_at = String(
        metadata={"format": "date-time", "description": "meeting_time: after starts_at"}
    )
    translations = Nested(
        OptionTranslationsInSchema,
        metadata={"description": _TRANSLATIONS_IN + "; left out: an option kept keeps its own"},
    )


class DecisionInSchema(MajorityInFields):
    title = text(300, blank=False, required=True)
    description = text(20000, allow_none=True)
    original_language = choice(
        LANGUAGES,
        metadata={
            "description": "the language title, description and option labels are written "
            "in; default: the network's language. Draft only"
        },
    )
    translations = Nested(DecisionTranslationsInSchema, metadata={"description": _TRANSLATIONS_IN})
    method = choice(METHODS, required=True)
    options = List(
        Nested(OptionInSchema),
        validate=Length(max=MAX_OPTIONS),
        metadata={"description": "consent: at most one option, the proposal"},
    )
    closes_at = String(
        allow_none=True,
        metadata={
            "description": "ISO 8601 with an offset, in the future; null or empty: no deadline",
            "json_schema": {"anyOf": [{"format": "date-time"}, {"maxLength": 0}]},
        },
    )
    quorum = Float(
        validate=Range(min=0, max=1),
        metadata={"description": "share of eligible organisations, at most 12 decimals"},
    )
    results_visibility = choice(
        VISIBILITIES, metadata={"description": "a secret decision is always after_close"}
    )
    ballot_secrecy = choice(SECRECIES)
    counting = choice(COUNTING, allow_none=True, metadata={"description": "ranked; default irv"})
    max_score = Integer(
        allow_none=True,
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={"description": "score; default 5"},
    )
    dots = Integer(
        allow_none=True,
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={"description": "dot_vote: dots per organisation; default 3"},
    )
    dots_per_option = Integer(
        allow_none=True,
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={"description": "dot_vote: cap per option, at most dots"},
    )
    facilitator_votes = Boolean()
    comments = choice(COMMENT_RULES)
    proposals_open = Boolean()
    document_url = String(
        allow_none=True,
        validate=Length(max=500),
        metadata={
            "description": "an absolute http:// or https:// address; null or empty: none",
            "json_schema": {
                "anyOf": [
                    {"format": "uri", "pattern": "^[hH][tT][tT][pP][sS]?://[^\\s]+$"},
                    {"maxLength": 0},
                ]
            },
        },
    )
    reminder_hours = Integer(allow_none=True, validate=Range(min=1, max=720))
    selects = Integer(
        validate=Range(min=1, max=MAX_PER_OPTION),
        metadata={
            "description": "how many options the decision selects (default 1); above 1 only "
            "for single_choice, approval, score and dot_vote, and at most its options "
            "when it opens. Draft only"
        },
    )
    secret_receipts = Boolean(
        metadata={
            "description": "secret decisions: give receipts anyway. A receipt of a plaintext "
            "secret choice lets an organisation prove how it voted. Default false."
        }
    )


class DecisionPatchSchema(DecisionInSchema):
    """Draft: any field. Open: only a later ``closes_at``, ``description``,
    ``document_url``, ``reminder_hours``, ``translations`` (not the title's)
    and options' ``label``/``description``/``translations`` by ``id`` (409 for
    any other field)."""

    title = text(300, blank=False)
    method = choice(METHODS)


class ProposedOptionSchema(OptionSchema):
    """An option proposed by an organisation (the answer to a proposal)."""


class ProposalInSchema(Schema):
    label = text(500, blank=False, required=True)
    description = text(5000, allow_none=True)


class MergeInSchema(Schema):
    into = ident(required=True, metadata={"description": "the option to keep"})


class PublishInSchema(Schema):
    option = ident(
        allow_none=True, metadata={"description": "the option chosen; null or left out: none"}
    )
    options = List(
        ident(),
        metadata={
            "description": "the options chosen, in their order, each once, at most the "
            "decision's selects ([]: none); with option, option must be the first"
        },
    )
    statement = text(20000, blank=False, required=True)


class ReopenInSchema(Schema):
    closes_at = String(
        required=True,
        metadata={
            "format": "date-time",
            "description": "the new deadline: ISO 8601 with an offset, in the future",
        },
    )
    reason = text(5000, blank=False, required=True, metadata={"description": "why it reopens"})


class AmendInSchema(Schema):
    reason = text(5000, blank=False, required=True, metadata={"description": "why it is amended"})
    option = ident(
        allow_none=True, metadata={"description": "as for publishing; left out: unchanged"}
    )
    options = List(ident(), metadata={"description": "as for publishing; left out: unchanged"})
    statement = text(
        20000, blank=False, metadata={"description": "the new statement; left out: unchanged"}
    )


class WithdrawInSchema(Schema):
    statement = text(20000, blank=False, required=True)


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


# --- results --------------------------------------------------------------------


class FiguresSchema(Schema):
    """An option in the results: its id and label."""

    id = ident(required=True)
    label = String(required=True)


class VotesFiguresSchema(FiguresSchema):
    votes = count(required=True, metadata={"description": "organisations choosing/approving it"})


class RankedFiguresSchema(FiguresSchema):
    first_preferences = count(required=True)


class ScoreFiguresSchema(FiguresSchema):
    sum = count(required=True)
    mean = Float(
        required=True,
        allow_none=True,
        metadata={"description": "sum / scored_by, 2 decimals; null when nobody scored it"},
    )
    scored_by = count(required=True)


class DotsFiguresSchema(FiguresSchema):
    dots = count(required=True)


class AvailabilityFiguresSchema(FiguresSchema):
    yes = count(required=True)
    if_need_be = count(required=True)
    no = count(required=True)


class IrvRoundSchema(Schema):
    """One round of an instant-runoff count."""

    round = Integer(required=True, validate=Range(min=1))
    counts = Dict(
        keys=String(),
        values=count(),
        required=True,
        metadata={
            "description": "continuing option id → votes",
            "json_schema": {"propertyNames": OPTION_KEY},
        },
    )
    exhausted = count(required=True)
    eliminated = List(ident(), required=True)
    elected = ident(required=True, allow_none=True)


def _table(description: str) -> Dict:
    return Dict(
        keys=String(),
        values=Dict(keys=String(), values=count()),
        required=True,
        metadata={"description": description, "json_schema": {"propertyNames": OPTION_KEY}},
    )


class SchulzeTablesSchema(Schema):
    """The tables of a Schulze count: ``[a][b]`` for options a ≠ b."""

    pairwise = _table("ballots ranking a above b")
    strongest_paths = _table("strength of the strongest path from a to b")


class PlaceSchema(Schema):
    """An option's place in the ranking by totals (level options share a place)."""

    id = ident(required=True)
    place = Integer(required=True, validate=Range(min=1))


def _selection() -> dict[str, Any]:
    """The fields of a ranking by totals and what it selects (domain/selection.py)."""
    return {
        "selects": Integer(
            required=True,
            validate=Range(min=1, max=MAX_PER_OPTION),
            metadata={"description": "how many options the decision selects"},
        ),
        "ranking": List(
            Nested(PlaceSchema),
            required=True,
            metadata={"description": "every option by its total, best first; ties share a place"},
        ),
        "selected": List(
            ident(),
            required=True,
            metadata={
                "description": "the options the count selects, best first (never one "
                "without votes, nor one tied at the boundary)"
            },
        ),
        "boundary_tie": List(
            ident(),
            required=True,
            metadata={"description": "options level at the last places taken; [] for none"},
        ),
        "places_left": count(
            required=True, metadata={"description": "places the boundary_tie competes for"}
        ),
    }


def _results_of(
    methods: list[str], figures: type[Schema], explanation: Any = None
) -> dict[str, Any]:
    """The fields every results object has, for ``methods`` with ``figures`` per option."""
    return {
        "decision": ident(required=True),
        "method": choice(methods, required=True),
        "status": choice(STATUSES, required=True),
        "eligible": count(required=True),
        "ballots_cast": count(required=True, metadata={"description": "abstentions included"}),
        "abstentions": count(required=True),
        "quorum": Float(required=True, validate=Range(min=0, max=1)),
        "quorum_met": Boolean(required=True),
        "options": List(Nested(figures), required=True),
        "winners": List(ident(), required=True),
        "tie": Boolean(required=True),
        "explanation": explanation
        or List(Raw(), required=True, validate=Length(max=0), metadata={"description": "[]"}),
        **results_fields(),
    }


SingleChoiceResultsSchema = Schema.from_dict(
    {**_results_of(["single_choice"], VotesFiguresSchema), **_selection()},
    name="SingleChoiceResultsSchema",
)
ApprovalResultsSchema = Schema.from_dict(
    {**_results_of(["approval"], VotesFiguresSchema), **_selection()},
    name="ApprovalResultsSchema",
)
RankedResultsSchema = Schema.from_dict(
    {
        **_results_of(
            ["ranked"],
            RankedFiguresSchema,
            List(
                Raw(
                    metadata={"json_schema": {"oneOf": [IrvRoundSchema, SchulzeTablesSchema]}},
                ),
                required=True,
                metadata={
                    "description": "irv: the rounds; schulze: one item with the tables; [] "
                    "with no ranking cast"
                },
            ),
        ),
        "counting": choice(COUNTING, required=True),
        "exhausted": count(required=True, metadata={"description": "irv: after the last round"}),
        "condorcet_winner": ident(required=True, allow_none=True),
    },
    name="RankedResultsSchema",
)
ScoreResultsSchema = Schema.from_dict(
    {
        **_results_of(["score"], ScoreFiguresSchema),
        **_selection(),
        "max_score": Integer(required=True, validate=Range(min=1, max=MAX_PER_OPTION)),
    },
    name="ScoreResultsSchema",
)


class PositionsSchema(Schema):
    agree = count(required=True)
    abstain = count(required=True)
    disagree = count(required=True)
    block = count(required=True)


class BlockSchema(Schema):
    reason = String(required=True)


ConsentResultsSchema = Schema.from_dict(
    {
        **_results_of(["consent"], FiguresSchema),
        "positions": Nested(PositionsSchema, required=True),
        "blocks": List(
            Nested(BlockSchema),
            required=True,
            metadata={"description": "sorted by reason; without organisation"},
        ),
        "passed": Boolean(
            required=True, metadata={"description": "no block and agree outnumbers disagree"}
        ),
    },
    name="ConsentResultsSchema",
)
DotVoteResultsSchema = Schema.from_dict(
    {
        **_results_of(["dot_vote"], DotsFiguresSchema),
        **_selection(),
        "dots_per_organisation": Integer(required=True, validate=Range(min=1, max=MAX_PER_OPTION)),
    },
    name="DotVoteResultsSchema",
)
MeetingTimeResultsSchema = Schema.from_dict(
    _results_of(["meeting_time"], AvailabilityFiguresSchema), name="MeetingTimeResultsSchema"
)
DiscussionResultsSchema = Schema.from_dict(
    _results_of(["discussion"], FiguresSchema), name="DiscussionResultsSchema"
)

RESULTS_BY_METHOD: dict[str, type[Schema]] = {
    "single_choice": SingleChoiceResultsSchema,
    "approval": ApprovalResultsSchema,
    "ranked": RankedResultsSchema,
    "score": ScoreResultsSchema,
    "consent": ConsentResultsSchema,
    "dot_vote": DotVoteResultsSchema,
    "meeting_time": MeetingTimeResultsSchema,
    "discussion": DiscussionResultsSchema,
}


class ResultsSchema(Schema):
    """The results (API.md, "Results"): the fields below for every method, and
    exactly one method's object (``oneOf``, chosen by ``method``)."""

    class Meta:
        unknown = INCLUDE
        json_schema = {
            "oneOf": list(RESULTS_BY_METHOD.values()),
            "discriminator": {
                "propertyName": "method",
                "mapping": {
                    method: f"#/components/schemas/{schema.__name__}"
                    for method, schema in RESULTS_BY_METHOD.items()
                },
            },
        }

    decision = ident(required=True)
    method = choice(METHODS, required=True)
    status = choice(STATUSES, required=True)
    eligible = count(required=True)
    ballots_cast = count(required=True)
    abstentions = count(required=True)
    quorum = Float(required=True, validate=Range(min=0, max=1))
    quorum_met = Boolean(required=True)
    options = List(Raw(), required=True, metadata={"description": "{id, label, ...figures}"})
    winners = List(ident(), required=True)
    tie = Boolean(required=True)
    explanation = List(Raw(), required=True, metadata={"description": "IRV rounds or tables"})


# --- comments -------------------------------------------------------------------


class ReplySchema(Schema):
    """A reply: a comment one level deep, with no replies of its own."""

    id = ident(required=True)
    body = String(
        required=True, allow_none=True, metadata={"description": "plain text; null when hidden"}
    )
    hidden_reason = String(required=True, allow_none=True)
    author = Nested(PersonRefSchema, required=True)
    organisation = String(
        required=True, allow_none=True, metadata={"description": "organisation slug"}
    )
    signature = String(required=True, metadata={"description": "person (organisation)"})
    option = ident(required=True, allow_none=True)
    parent = ident(required=True, allow_none=True)
    created_at = DateTime(required=True)
    edited_at = DateTime(required=True, allow_none=True)
    review = choice(REVIEW_STATES, metadata={"description": "facilitators only"})
    note = String(allow_none=True, metadata={"description": "facilitators only"})
    replies = List(Raw(), required=True, validate=Length(max=0))


class CommentSchema(ReplySchema):
    """A top-level comment with its visible replies, oldest first."""

    replies = List(Nested(ReplySchema), required=True)


class CommentItemSchema(CommentSchema):
    """A comment in a list."""


class CommentListSchema(Schema):
    items = List(Nested(CommentItemSchema), required=True)
    next = String(required=True, allow_none=True)


class CommentInSchema(Schema):
    body = text(COMMENT_MAX, blank=False, required=True)
    option = ident(allow_none=True, metadata={"description": "an option of this decision"})
    parent = ident(
        allow_none=True,
        metadata={"description": "a comment of this decision; a reply to a reply joins its parent"},
    )


class CommentPatchSchema(Schema):
    """Author: ``body`` alone. Facilitator: ``review`` with ``reason``, ``note``, ``option``."""

    class Meta:
        json_schema = {
            "oneOf": [{"required": ["body"]}, {"required": ["review"]}],
            "dependentRequired": {key: ["review"] for key in ("reason", "note", "option")},
        }

    body = text(COMMENT_MAX, blank=False, metadata={"description": "author: the new text"})
    review = choice(REVIEW_STATES, metadata={"description": "facilitator"})
    reason = text(
        REASON_MAX,
        allow_none=True,
        metadata={"description": "facilitator: required (not blank) to hide"},
    )
    note = text(
        2000,
        allow_none=True,
        metadata={"description": "facilitator: a note for the meeting; empty clears it"},
    )
    option = ident(
        allow_none=True,
        metadata={"description": "facilitator: the option the comment is filed under (or null)"},
    )


class ReportRefSchema(Schema):
    """An unresolved report of a comment."""

    id = ident(required=True)
    reason = String(required=True)
    created_at = DateTime(required=True)


class ReviewItemSchema(ReplySchema):
    """A comment in the review queue (facilitators): replies are items of their own."""

    review = choice(REVIEW_STATES, required=True)
    note = String(required=True, allow_none=True)
    decision = ident(required=True)
    tag_option = ident(
        required=True, allow_none=True, metadata={"description": "filed under this option"}
    )
    reports = List(
        Nested(ReportRefSchema), required=True, metadata={"description": "unresolved reports"}
    )


class CommentAnswerSchema(Schema):
    """The changed comment: a review item for facilitators, a comment for its author."""

    class Meta:
        unknown = INCLUDE
        json_schema = {"oneOf": [ReviewItemSchema, CommentItemSchema]}


class ReviewListSchema(Schema):
    """A page of the review queue."""

    items = List(Nested(ReviewItemSchema), required=True)
    next = String(required=True, allow_none=True)


class ReviewQuerySchema(PageQuerySchema):
    """The queue's filters and paging."""

    status = choice(STATUS_FILTERS, metadata={"description": "a review state, or reported"})
    option = ident(metadata={"description": "on or filed under this option of the decision"})
    organisation = String(
        validate=Length(max=64), metadata={"description": "an organisation's slug"}
    )


class ReportInSchema(Schema):
    """A member's report: the reason."""

    reason = text(
        REASON_MAX,
        blank=False,
        required=True,
        metadata={"description": "why the facilitators should look"},
    )


class ReportSchema(Schema):
    """A report as stored."""

    id = ident(required=True)
    comment = ident(required=True)
    reason = String(required=True)
    created_at = DateTime(required=True)
    resolved_at = DateTime(required=True, allow_none=True)


# --- trust: the ballot record, objections, the audit trail ------------------------


class RecordOrganisationSchema(Schema):
    organisation = String(metadata={"description": "slug"})
    name = String()


class BallotRecordSchema(Schema):
    decision = Integer()
    title = String()
    method = String()
    counting = String(allow_none=True)
    ballot_secrecy = String(metadata={"enum": ["open", "secret"]})
    status = String(metadata={"enum": ["closed", "published"]})
    closed_at = DateTime(allow_none=True)
    eligible = Integer()
    quorum = Float()
    electorate = List(Nested(RecordOrganisationSchema))
    participants = List(
        Nested(RecordOrganisationSchema),
        metadata={"description": "the organisations that cast a ballot (abstentions included)"},
    )
    form = String(
        metadata={
            "enum": ["open", "ballots", "tables", "none"],
            "description": "open: each organisation's ballot with its receipt; ballots: a "
            "secret ballot's contents, unlinked, in a random order; tables: a secret ballot's "
            "aggregate tables only; none: a discussion",
        }
    )
    ballots = List(
        Dict(),
        allow_none=True,
        metadata={
            "description": "open: {organisation, name, kind, ballot, version, receipt, "
            "recorded}; "
            "secret: {ballot} (and receipt when the decision gives secret receipts)"
        },
    )
    tables = Dict(
        allow_none=True,
        metadata={
            "description": "{ballots, abstentions} and: ranked IRV rounds (counts, exhausted, "
            "transfers, eliminated, elected); Schulze pairwise; score sums and scored_by; "
            "dot_vote dots; meeting_time answers"
        },
    )
    receipts = Boolean()
    options = List(Dict(), metadata={"description": "{id, label}"})
    totals = Dict(metadata={"description": "the results object counted from the ballots"})
    rule = Dict(
        metadata={
            "description": "the declared rule: {majority_rule, majority_base, majority_share, "
            "double_majority}"
        }
    )
    verdict = Dict(
        metadata={"description": "the rule applied to the totals: {met, option, reasons}"}
    )
    published = Dict(
        allow_none=True,
        metadata={
            "description": "{option, options, log_anchor, totals_digest} once published "
            "(options: the published options in their order)"
        },
    )
    note = String()


class ObjectionSchema(Schema):
    id = Integer()
    decision = Integer()
    organisation = String(metadata={"description": "slug"})
    organisation_name = String(
        metadata={"description": "the organisation's name when it lodged the objection"}
    )
    text = String()
    created_at = DateTime()


class ObjectionItemSchema(ObjectionSchema):
    """An objection in a list."""


class ObjectionListSchema(Schema):
    items = List(Nested(ObjectionItemSchema))
    next = String(allow_none=True)


class ObjectionInSchema(Schema):
    text = String(
        required=True,
        validate=Length(min=1, max=5000),
        metadata={"description": "what the organisation disputes"},
    )


class EventSchema(Schema):
    id = Integer()
    at = DateTime()
    kind = String()
    organisation = String(
        allow_none=True, metadata={"description": "open ballots only: the organisation's name"}
    )
    details = Dict()
    hash = String()


class EventItemSchema(EventSchema):
    """An entry of the trail."""


class EventListSchema(Schema):
    items = List(Nested(EventItemSchema))
    reviews = Dict(
        keys=String(), values=Integer(), metadata={"description": "comment reviews by state"}
    )
    next = String(allow_none=True)
