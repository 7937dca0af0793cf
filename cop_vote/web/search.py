"""The search form of the decisions page (issue 11, part 2): its GET query
(``q``, ``status``, ``method``) read for :mod:`cop_vote.services.decision_search`.

A parameter that is not understood is left out with a message in the page's
error summary (linked to its field); the others still apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request

from ..domain.errors import InvalidInput
from ..i18n import translate
from ..services import decision_search

#: The query parameters of the form, and the id of the field of each.
PARAMS = {"q": "search-q", "status": "search-status", "method": "search-method"}


@dataclass
class Search:
    """What the decisions page searches for.

    :param found: the filter applied. :param errors: ``(field id, message)``
        for the error summary. :param query: the understood parameters, to keep.
    """

    found: decision_search.DecisionFilter
    errors: list[tuple[str, str]] = field(default_factory=list)
    query: dict[str, str] = field(default_factory=dict)


def from_request() -> Search:
    """The search of the current request's query string."""
    raw = {name: request.args.get(name, "") for name in PARAMS}
    try:
        found = decision_search.parse(**raw)
        return Search(found, [], {k: v for k, v in raw.items() if v})
    except InvalidInput as refused:
        errors = [
            (PARAMS[name], translate(message))
            for name, message in refused.fields.items()
            if name in PARAMS
        ]
        kept = {k: v for k, v in raw.items() if k not in refused.fields}
        return Search(decision_search.parse(**kept), errors, {k: v for k, v in kept.items() if v})
