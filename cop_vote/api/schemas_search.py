"""OpenAPI schemas of the decisions list's search and filters (issue 11, part 2);
apart from :mod:`cop_vote.api.schemas`, which is long enough."""

from __future__ import annotations

from apiflask.fields import String
from apiflask.validators import Length

from ..domain.ballots import METHODS
from ..services.decision_search import MAX_QUERY, STATUSES
from .schemas import PageQuerySchema, choice


class DecisionQuerySchema(PageQuerySchema):
    """``?q=``, ``?status=`` and ``?method=`` of the decisions list, with its paging."""

    q = String(
        validate=Length(max=MAX_QUERY),
        metadata={
            "description": (
                "words to find in titles, descriptions and option labels, in both"
                " languages (every word must occur); empty: no search"
            )
        },
    )
    status = choice(
        STATUSES,
        metadata={"description": "the status now (an open decision past its deadline is closed)"},
    )
    method = choice(METHODS, metadata={"description": "the voting method"})
