"""OpenAPI schemas of results: the figures of every counting method, the
instant-runoff rounds, the Schulze tables and a consent decision's blocks;
apart from :mod:`cop_vote.api.schemas`, whose conventions hold here too."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, Integer, List, Nested, Raw, String
from apiflask.validators import Length, Range
from marshmallow import INCLUDE

from ..domain.ballots import METHODS
from .rule_schemas import results_fields
from .schemas import COUNTING, MAX_PER_OPTION, OPTION_KEY, STATUSES, choice, count, ident

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
