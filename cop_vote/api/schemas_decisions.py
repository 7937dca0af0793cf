"""OpenAPI schemas of decisions: their texts, options, outcome and the bodies
that create and change them; apart from :mod:`cop_vote.api.schemas`, whose
conventions (limits named beside the services', ``required`` and no other
field) hold here too."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range

from ..domain.ballots import METHODS
from ..services.proposals import MAX_OPTIONS
from .change_schemas import ChangeSchema
from .rule_schemas import MajorityFields, MajorityInFields
from .schemas import (
    COMMENT_RULES,
    COUNTING,
    LANGUAGES,
    MAX_PER_OPTION,
    SECRECIES,
    STATUSES,
    VISIBILITIES,
    choice,
    count,
    ident,
    text,
)

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
