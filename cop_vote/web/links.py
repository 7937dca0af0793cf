"""``url_for`` in templates, remembered: a page builds the same links for every reader.

Building a URL walks Werkzeug's rules (about a hundred Python calls); a
decision page builds some sixty. Within a request, a link depends only on
the endpoint, its values and the script root the app is mounted at (the
URL map and the static hashes are fixed when the app starts), so the
template global keeps the last few thousand answers keyed by exactly
those. Anything else goes to Flask's ``url_for`` as it is: relative
(``.name``) endpoints, ``_external``/``_scheme`` links, values that are
not plain strings or integers (``True`` and ``1`` would share a key), and
any link built outside a request (mail).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import Flask, url_for
from flask.globals import _cv_request

#: Links kept per app.
CACHE_SIZE = 4096
#: Types of URL values that are keyed as they are (bool is not int here).
_PLAIN = frozenset({str, int, type(None)})


class CachedUrlFor:
    """The ``url_for`` template global of ``app`` (see the module)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._build = lru_cache(maxsize=CACHE_SIZE)(self._uncached)

    def _uncached(self, root: str, endpoint: str, items: tuple[tuple[str, Any], ...]) -> str:
        return self.app.url_for(endpoint, **dict(items))

    def __call__(self, endpoint: str, /, **values: Any) -> str:
        """The URL of ``endpoint`` with ``values``, as ``flask.url_for``."""
        ctx = _cv_request.get(None)
        if ctx is None or endpoint[:1] == "." or "_external" in values or "_scheme" in values:
            return self.app.url_for(endpoint, **values)
        for value in values.values():
            if type(value) not in _PLAIN:
                return self.app.url_for(endpoint, **values)
        return self._build(ctx.request.root_path, endpoint, tuple(values.items()))


#: An id no page links to, standing in for the per-row value in :func:`url_pattern`.
_STAND_IN = 987654321987


def url_pattern(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """A function giving ``url_for(endpoint, **values, **{key: n})`` for any
    integer ``n``, from one ``url_for``: per-row links of a long list.

    The URL is built once with a stand-in number and split around it (an
    integer is written as its digits, in a path or a query). When the
    stand-in does not appear exactly once, every link is built in full.
    ``key`` comes last among the query arguments, as when passed last.
    """
    url = url_for(endpoint, **values, **{key: _STAND_IN})
    if url.count(str(_STAND_IN)) != 1:
        return lambda n: url_for(endpoint, **values, **{key: n})
    head, _, tail = url.partition(str(_STAND_IN))
    return lambda n: f"{head}{n:d}{tail}"


#: The pages of one decision, in the order of its sub-navigation (macros/ui.html).
DECISION_PAGES = (
    "web.decision",
    "web.participation",
    "web.results",
    "web.outcome",
    "web.ballot_record",
    "web.decision_trail",
)


def init_app(app: Flask) -> None:
    """Replace the ``url_for`` of templates by the remembering one."""
    build = CachedUrlFor(app)
    app.jinja_env.globals["url_for"] = build

    @app.template_global("decision_links")
    def decision_links(decision_id: int) -> list[tuple[str, str]]:
        """``(endpoint, URL)`` of each page of a decision, for its sub-navigation."""
        return [(endpoint, build(endpoint, decision_id=decision_id)) for endpoint in DECISION_PAGES]
