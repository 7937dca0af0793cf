"""The decision page's comments as the page shows them, prepared once in Python.

A page of fifty comments with their replies is most of a decision page's
work. The service reads them as plain rows (``services.comments.list_threads``,
no ORM objects); here each becomes a :class:`ShownComment` whose pieces
(signature, time, text with line breaks, option label) are already
escaped mark-up, so the template only places them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from ..i18n import option_label, time_formatter
from ..models import Person
from ..services.comments import CommentRow, Thread
from .render import nl2br, signed_name, time_element


@dataclass(frozen=True, slots=True)
class ShownComment:
    """A comment ready for ``macros/ui.html``'s ``comment_item``."""

    id: int
    author_id: int
    #: ``<bdi>name</bdi> (<bdi>organisation</bdi>)``.
    signed: Markup
    #: ``<bdi>name</bdi>``.
    author: Markup
    #: A ``<time>`` element, without the zone (the page names it once).
    time: Markup
    #: ``<bdi>option</bdi>`` when the comment is about one option.
    option: Markup | None
    edited_at: datetime | None
    review: str
    hidden_reason: str | None
    #: The text, escaped, line breaks as ``<br>``.
    body: Markup
    #: Whether the viewer may report it (someone else's comment, a member).
    may_report: bool
    replies: list[ShownComment]


class CommentPresenter:
    """Makes :class:`ShownComment` objects for one viewer and one decision's options."""

    def __init__(self, viewer: Person, options: Iterable[Any]) -> None:
        self.viewer_id = viewer.id
        self.reporter = viewer.role in ("representative", "facilitator")
        self.options = {o.id: o for o in options}
        self.labels: dict[int, Markup] = {}
        self.format_time = time_formatter(named=False)

    def _option(self, option_id: int | None) -> Markup | None:
        if option_id is None or option_id not in self.options:
            return None
        label = self.labels.get(option_id)
        if label is None:
            label = Markup(f"<bdi>{escape(option_label(self.options[option_id]))}</bdi>")
            self.labels[option_id] = label
        return label

    def shown(self, row: CommentRow, replies: list[ShownComment] | None = None) -> ShownComment:
        """One comment (and its replies, already shown)."""
        return ShownComment(
            row.id,
            row.author_id,
            signed_name(row.author_name, row.organisation),
            signed_name(row.author_name),
            time_element(row.created_at, self.format_time(row.created_at)),
            self._option(row.option_id),
            row.edited_at,
            row.review,
            row.hidden_reason,
            nl2br(row.body),
            self.reporter and row.author_id != self.viewer_id,
            replies or [],
        )

    def threads(self, threads: Iterable[Thread]) -> list[ShownComment]:
        """Top-level comments, each with its replies."""
        return [self.shown(t.comment, [self.shown(r) for r in t.replies]) for t in threads]
