"""Marshmallow schemas of the JSON API, used to generate the OpenAPI document.

Request bodies are declared with ``@bp.input(..., validation=False)``: the
services validate them, in the order of refusal that API.md sets (401, 403,
404, 413, 400, 409), and name every bad field. Responses are built by
:mod:`cop_vote.api.serialize` and declared here with the same fields.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, Raw, String
from apiflask.validators import Length

# --- errors ---------------------------------------------------------------------


class ErrorDetailSchema(Schema):
    """The inside of every error answer."""

    code = String(required=True, metadata={"description": "snake_case error code"})
    message = String(required=True, metadata={"description": "one human sentence"})
    fields = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "each bad field (dotted path) and what is wrong"},
    )
    current = Raw(
        allow_none=True, metadata={"description": "stale ballot (409): the current ballot object"}
    )


class ErrorSchema(Schema):
    """``{"error": {"code", "message", "fields"}}`` for every 4xx answer."""

    error = Nested(ErrorDetailSchema, required=True)


# --- paging ---------------------------------------------------------------------


class PageQuerySchema(Schema):
    """``?cursor=`` and ``?limit=`` of every list."""

    cursor = String(metadata={"description": "the `next` of the previous page"})
    limit = Integer(metadata={"description": "page size, 1 to 200 (default 50)"})


# --- organisations and people ---------------------------------------------------


class OrganisationSchema(Schema):
    id = Integer()
    slug = String()
    name = String()
    short_name = String()
    kind = String()
    voting = Boolean()
    active = Boolean()


# apispec registers nested schemas itself and APIFlask registers response
# schemas again: a schema that is both nested and a response is added twice.
# Lists therefore nest an "item" subclass of the response schema.


class OrganisationItemSchema(OrganisationSchema):
    """An organisation in a list."""


class OrganisationListSchema(Schema):
    items = List(Nested(OrganisationItemSchema))
    next = String(allow_none=True)


class OrganisationInSchema(Schema):
    name = String(required=True)
    short_name = String()
    slug = String()
    kind = String(
        metadata={"enum": ["diaspora", "ngo", "knowledge", "facilitator", "government", "other"]}
    )
    voting = Boolean()
    active = Boolean()


class OrganisationPatchSchema(OrganisationInSchema):
    name = String()


class PersonSchema(Schema):
    id = Integer()
    name = String()
    email = String(metadata={"description": "shown to facilitators (and on /me) only"})
    organisation = String(allow_none=True, metadata={"description": "organisation slug"})
    role = String(metadata={"enum": ["representative", "facilitator", "observer"]})
    function = String()
    active = Boolean()


class PersonItemSchema(PersonSchema):
    """A person in a list."""


class PersonListSchema(Schema):
    items = List(Nested(PersonItemSchema))
    next = String(allow_none=True)


class PersonInSchema(Schema):
    name = String(required=True)
    email = String(required=True)
    organisation = String(allow_none=True, metadata={"description": "organisation slug"})
    role = String(metadata={"enum": ["representative", "facilitator", "observer"]})
    function = String()
    language = String(allow_none=True, metadata={"enum": ["nl", "en"]})
    notifications = String(metadata={"enum": ["immediate", "none"]})
    active = Boolean()


class PersonPatchSchema(PersonInSchema):
    name = String()
    email = String()


class MeSchema(PersonSchema):
    organisation = Nested(OrganisationItemSchema, allow_none=True)
    language = String(allow_none=True)


# --- decisions ------------------------------------------------------------------


class OptionSchema(Schema):
    id = Integer()
    label = String()
    description = String()
    starts_at = DateTime(metadata={"description": "meeting_time only (UTC)"})
    ends_at = DateTime(metadata={"description": "meeting_time only (UTC)"})
    edited = Boolean()
    proposed_by = String(
        allow_none=True, metadata={"description": "slug of the proposing organisation"}
    )


class OutcomeSchema(Schema):
    option = Integer(allow_none=True)
    statement = String()


class DecisionSchema(Schema):
    id = Integer()
    title = String()
    description = String()
    method = String()
    status = String(metadata={"enum": ["draft", "open", "closed", "published", "withdrawn"]})
    options = List(Nested(OptionSchema))
    closes_at = DateTime(allow_none=True)
    quorum = Float()
    results_visibility = String()
    ballot_secrecy = String()
    counting = String(allow_none=True)
    max_score = Integer(allow_none=True)
    dots = Integer(allow_none=True)
    facilitator_votes = Boolean()
    comments = String()
    proposals_open = Boolean(metadata={"description": "a draft taking members' proposals"})
    document_url = String(allow_none=True, metadata={"description": "a document to read"})
    reminder_hours = Integer(
        allow_none=True,
        metadata={"description": "hours before closes_at for the reminder; null: the default"},
    )
    secret_receipts = Boolean(
        metadata={
            "description": "a secret decision gives receipts (they let an organisation "
            "prove its choice); always true in effect for open ballots"
        }
    )
    ballots_sealed = Boolean(
        metadata={"description": "a secret decision whose ballots were cut from organisations"}
    )
    log_anchor = String(
        allow_none=True,
        metadata={"description": "the event log's head hash at publication (verify-log --anchor)"},
    )
    eligible = Integer()
    ballots_cast = Integer()
    outcome = Nested(OutcomeSchema, allow_none=True)
    created_at = DateTime()
    opened_at = DateTime(allow_none=True)
    closed_at = DateTime(allow_none=True)
    published_at = DateTime(allow_none=True)
    withdrawn_at = DateTime(allow_none=True)
    url = String(metadata={"description": "the decision's web page"})
    links = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "downloads that exist: results, meeting_pack, ..."},
    )


class DecisionItemSchema(DecisionSchema):
    """A decision in a list."""


class DecisionListSchema(Schema):
    items = List(Nested(DecisionItemSchema))
    next = String(allow_none=True)


class OptionInSchema(Schema):
    id = Integer(metadata={"description": "open decisions: the option to reword"})
    label = String()
    description = String()
    starts_at = String(metadata={"description": "meeting_time: ISO 8601 with offset"})
    ends_at = String(metadata={"description": "meeting_time: ISO 8601 with offset"})


class DecisionInSchema(Schema):
    title = String(required=True)
    description = String()
    method = String(
        required=True,
        metadata={
            "enum": [
                "single_choice",
                "approval",
                "ranked",
                "score",
                "consent",
                "dot_vote",
                "meeting_time",
                "discussion",
            ]
        },
    )
    options = List(Nested(OptionInSchema))
    closes_at = String(allow_none=True, metadata={"description": "ISO 8601 with an offset"})
    quorum = Float(metadata={"description": "0..1"})
    results_visibility = String(metadata={"enum": ["live", "after_own_ballot", "after_close"]})
    ballot_secrecy = String(metadata={"enum": ["open", "secret"]})
    counting = String(allow_none=True, metadata={"enum": ["irv", "schulze"]})
    max_score = Integer(allow_none=True)
    dots = Integer(allow_none=True)
    dots_per_option = Integer(allow_none=True)
    facilitator_votes = Boolean()
    comments = String(metadata={"enum": ["open", "premoderated", "closed"]})
    proposals_open = Boolean()
    document_url = String(allow_none=True, metadata={"description": "http(s) address"})
    reminder_hours = Integer(allow_none=True, metadata={"description": "1..720"})
    secret_receipts = Boolean(
        metadata={
            "description": "secret decisions: give receipts anyway. A receipt of a plaintext "
            "secret choice lets an organisation prove how it voted. Default false."
        }
    )


class DecisionPatchSchema(DecisionInSchema):
    title = String()
    method = String()


class ProposedOptionSchema(OptionSchema):
    """An option proposed by an organisation (the answer to a proposal)."""


class ProposalInSchema(Schema):
    label = String(required=True)
    description = String()


class MergeInSchema(Schema):
    into = Integer(required=True, metadata={"description": "the option to keep"})


class PublishInSchema(Schema):
    option = Integer(allow_none=True, required=True)
    statement = String(required=True)


class WithdrawInSchema(Schema):
    statement = String(required=True)


# --- ballots --------------------------------------------------------------------


class BallotBodySchema(Schema):
    """One of the method's ballot bodies (API.md, "Ballot bodies by method")."""

    option = Integer(metadata={"description": "single_choice"})
    options = List(Integer(), metadata={"description": "approval"})
    ranking = List(Integer(), metadata={"description": "ranked, most preferred first"})
    scores = Dict(keys=String(), values=Integer(), metadata={"description": "score"})
    position = String(
        metadata={"enum": ["agree", "abstain", "disagree", "block"], "description": "consent"}
    )
    reason = String(metadata={"description": "consent (required for block)"})
    dots = Dict(keys=String(), values=Integer(), metadata={"description": "dot_vote"})
    availability = Dict(
        keys=String(),
        values=String(),
        metadata={"description": "meeting_time: yes | if_need_be | no"},
    )
    abstain = Boolean(metadata={"description": "any method: true to abstain"})


class BallotInSchema(BallotBodySchema):
    version = Integer(metadata={"description": "the version this change is based on"})


class RecordInSchema(BallotInSchema):
    given_by = String(required=True, metadata={"description": "who gave it in the meeting"})


class IfMatchSchema(Schema):
    if_match = String(
        data_key="If-Match", metadata={"description": "the ballot version the change is based on"}
    )


class PersonRefSchema(Schema):
    id = Integer()
    name = String()


class BallotSchema(Schema):
    decision = Integer()
    organisation = String()
    ballot = Raw(allow_none=True)
    version = Integer()
    receipt = String(allow_none=True)
    cast_at = DateTime()
    cast_by = Nested(PersonRefSchema, allow_none=True)
    recorded_by = Nested(PersonRefSchema, allow_none=True)
    given_by = String(allow_none=True)
    content_hidden = Boolean(
        metadata={
            "description": "a cast ballot whose content you may not see: a secret ballot "
            "seen from outside its organisation, or sealed when the decision closed "
            "(`ballot` and `receipt` are then null)"
        }
    )


class EmptySchema(Schema):
    """No body."""


# --- results --------------------------------------------------------------------


class ResultsSchema(Schema):
    decision = Integer()
    method = String()
    status = String()
    eligible = Integer()
    ballots_cast = Integer()
    abstentions = Integer()
    quorum = Float()
    quorum_met = Boolean()
    options = List(Dict(), metadata={"description": "{id, label, ...method's figures}"})
    winners = List(Integer())
    tie = Boolean()
    explanation = List(Dict(), metadata={"description": "IRV rounds or Schulze tables"})


# --- comments -------------------------------------------------------------------


class CommentSchema(Schema):
    id = Integer()
    body = String(allow_none=True, metadata={"description": "plain text; null when hidden"})
    hidden_reason = String(allow_none=True)
    author = Nested(PersonRefSchema)
    organisation = String(allow_none=True)
    signature = String(metadata={"description": "person (organisation)"})
    option = Integer(allow_none=True)
    parent = Integer(allow_none=True)
    created_at = DateTime()
    edited_at = DateTime(allow_none=True)
    review = String(metadata={"description": "facilitators only"})
    note = String(allow_none=True, metadata={"description": "facilitators only"})
    replies = List(Dict(), metadata={"description": "replies, each a comment"})


class CommentItemSchema(CommentSchema):
    """A comment in a list."""


class CommentListSchema(Schema):
    items = List(Nested(CommentItemSchema))
    next = String(allow_none=True)


class CommentInSchema(Schema):
    body = String(required=True)
    option = Integer(allow_none=True)
    parent = Integer(allow_none=True)


class CommentPatchSchema(Schema):
    body = String(metadata={"description": "author: the new text"})
    review = String(
        metadata={"enum": ["new", "reviewed", "flagged", "hidden"], "description": "facilitator"}
    )
    reason = String(metadata={"description": "facilitator: required to hide"})
    note = String(metadata={"description": "facilitator: a note for the meeting"})


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
            "description": "open: {organisation, name, ballot, version, receipt, recorded}; "
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
    published = Dict(
        allow_none=True,
        metadata={"description": "{option, log_anchor, totals_digest} once published"},
    )
    note = String()


class ObjectionSchema(Schema):
    id = Integer()
    decision = Integer()
    organisation = String(metadata={"description": "slug"})
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
