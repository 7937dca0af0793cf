"""The decision page's comments as the page shows them, prepared once in Python.

A page of fifty comments with their replies is most of a decision page's
work. The service reads them as plain rows (``services.comments.list_threads``,
no ORM objects); here each becomes a :class:`ShownComment` whose pieces
(signature, time, text with line breaks, option label) are already
escaped mark-up, so the template only places them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

from ..i18n import time_formatter
from ..models import Person
from ..services.comments import CommentRow, Thread
from .links import url_pattern
from .render import nl2br, signed_name, time_element, with_organisation


@dataclass(slots=True)
class ShownComment:
    """A comment ready for the comment list of ``decisions/decision.html``.

    (Not frozen: a frozen dataclass sets each field through ``object.__setattr__``.)
    """

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
    #: The report form's URL when the viewer may report it (someone else's
    #: comment, a member), else ``None``.
    report_url: str | None
    #: The reply link (top-level comments).
    reply_url: str | None
    replies: list[ShownComment]


class CommentPresenter:
    """Makes :class:`ShownComment` objects for one viewer and one decision's options."""

    def __init__(
        self, viewer: Person, decision_id: int, after: int | None, labels: Mapping[int, str]
    ) -> None:
        """:param after: the page's cursor, kept by reply links.
        :param labels: the decision's option labels as the reader reads them, by id."""
        self.viewer_id = viewer.id
        self.reporter = viewer.role in ("representative", "facilitator")
        self.labels = labels
        self.marked: dict[int, Markup] = {}
        self.format_time = time_formatter(named=False)
        self.report_url = url_pattern("web.comment_report", "comment_id")
        self.reply_url = url_pattern(
            "web.decision", "reply_to", decision_id=decision_id, after=after, _anchor="comment-form"
        )

    def _option(self, option_id: int | None) -> Markup | None:
        if option_id is None or option_id not in self.labels:
            return None
        label = self.marked.get(option_id)
        if label is None:
            label = Markup(f"<bdi>{escape(self.labels[option_id])}</bdi>")
            self.marked[option_id] = label
        return label

    def shown(self, row: CommentRow, replies: list[ShownComment] | None = None) -> ShownComment:
        """One comment (and, for a top-level one, its replies, already shown)."""
        top = row.parent_id is None
        author = signed_name(row.author_name)
        if row.organisation is None:
            signed = author
        elif not row.author_name:
            # Erased: "former representative of ADPC".
            signed = signed_name(None, row.organisation)
        else:
            signed = Markup(with_organisation(author, row.organisation))
        return ShownComment(
            row.id,
            row.author_id,
            signed,
            author,
            time_element(row.created_at, self.format_time(row.created_at)),
            self._option(row.option_id),
            row.edited_at,
            row.review,
            row.hidden_reason,
            nl2br(row.body),
            self.report_url(row.id) if self.reporter and row.author_id != self.viewer_id else None,
            self.reply_url(row.id) if top else None,
            replies or [],
        )

    def threads(self, threads: Iterable[Thread]) -> list[ShownComment]:
        """Top-level comments, each with its replies."""
        return [self.shown(t.comment, [self.shown(r) for r in t.replies]) for t in threads]
