"""OpenAPI schemas of trust: the ballot record, objections and the audit
trail; apart from :mod:`cop_vote.api.schemas`, whose conventions hold here too."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length

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
