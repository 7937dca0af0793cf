"""Schemas of the declared majority rule, the results by kind and the
declarations of interest (domain/majority.py, domain/by_kind.py), kept apart
from :mod:`.schemas`, which builds on them."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

from ..domain.majority import BASES, RULES
from ..models import ORG_KINDS
from ..services.rule_fields import SHARE_PATTERN

_RULE = (
    "relative: most votes (each method's own rule, the default); absolute: more than "
    "half; two_thirds: at least two thirds; fraction: at least majority_share. Other "
    "than relative only for single_choice and approval. Draft only"
)
_BASE = (
    "what the share is of: option_ballots (ballots for an option, abstentions left "
    "out; the default), cast (ballots cast, abstentions included) or electorate"
)
_SHARE = "fraction only: the share, exact, such as 3/5 or 0.6 (above 0, below 1)"
_DOUBLE = (
    "organisation kinds among which the winner must lead too (the decision's method "
    "applied to their ballots alone); not for consent or discussion"
)


class MajorityInFields(Schema):
    """The rule's fields of a decision's body."""

    majority_rule = String(validate=OneOf(list(RULES)), metadata={"description": _RULE})
    majority_base = String(validate=OneOf(list(BASES)), metadata={"description": _BASE})
    majority_share = String(
        allow_none=True, validate=Regexp(SHARE_PATTERN), metadata={"description": _SHARE}
    )
    double_majority = List(
        String(validate=OneOf(list(ORG_KINDS))),
        allow_none=True,
        metadata={"description": _DOUBLE},
    )


class MajorityFields(Schema):
    """The rule's fields of a decision."""

    majority_rule = String(
        required=True, validate=OneOf(list(RULES)), metadata={"description": _RULE}
    )
    majority_base = String(
        required=True, validate=OneOf(list(BASES)), metadata={"description": _BASE}
    )
    majority_share = String(required=True, allow_none=True, metadata={"description": _SHARE})
    double_majority = List(
        String(validate=OneOf(list(ORG_KINDS))),
        required=True,
        metadata={"description": _DOUBLE + "; [] for none"},
    )


class KindResultSchema(Schema):
    """The decision's method applied to one kind's ballots."""

    kind = String(required=True, validate=OneOf(list(ORG_KINDS)))
    eligible = Integer(required=True, validate=Range(min=1))
    ballots = Integer(required=True, validate=Range(min=0))
    shown = Boolean(
        required=True,
        metadata={"description": "false: too few ballots to show in a secret decision"},
    )
    winners = List(Integer(), required=True, allow_none=True)
    tie = Boolean(required=True, allow_none=True)
    leads = Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "the overall winner is this kind's only winner"},
    )


class RuleSchema(Schema):
    """The verdict of the decision's rule: quorum, method, declared majority."""

    met = Boolean(required=True)
    option = Integer(required=True, allow_none=True)
    reasons = List(String(), required=True, metadata={"description": "why not met, in English"})


class InterestSchema(Schema):
    """An organisation's declared interest in an option."""

    id = Integer(required=True)
    option = Integer(required=True)
    organisation = String(required=True, metadata={"description": "organisation slug"})
    organisation_name = String(required=True)
    text = String(required=True)
    created_at = DateTime(required=True)


class DeclaredInterestSchema(InterestSchema):
    """The declaration as made (the answer to a declaration)."""


class InterestInSchema(Schema):
    option = Integer(required=True)
    text = String(required=True, validate=Length(max=300))


class InterestListSchema(Schema):
    items = List(Nested(InterestSchema), required=True)


def results_fields() -> dict[str, Any]:
    """The fields every results object has for the declared rule."""
    return {
        "rule": Nested(RuleSchema, required=True),
        "by_kind": List(
            Nested(KindResultSchema),
            required=True,
            allow_none=True,
            metadata={
                "description": "per organisation kind of the electorate (each organisation "
                "under its kind when it joined the electorate); null for consent, "
                "discussion, and secret ballots sealed before kinds were kept"
            },
        ),
        "interests": List(Nested(InterestSchema), required=True),
    }
