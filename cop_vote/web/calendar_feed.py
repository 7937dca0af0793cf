"""Your private calendar feed: the feed itself (``/calendar/<secret>.ics``, no
session needed: calendar apps cannot sign in) and, on the profile page, its
address with a button for a new one (the old one stops working).

The API offers the same: ``GET`` and ``POST /api/v1/me/calendar``.
"""

from __future__ import annotations

from flask import Response, current_app, flash, g, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from ..clock import now
from ..conditional import conditional
from ..content import shown
from ..extensions import db
from ..i18n import LANGUAGES
from ..models import Person
from ..services import calendar, calendar_feed
from ..services import network as network_service
from . import bp
from .views import _me


def feed_url(secret: str) -> str:
    """The absolute address of the feed with ``secret``."""
    return url_for("web.calendar_feed_file", secret=secret, _external=True)


def current_feed(viewer: Person) -> tuple[str, object] | None:
    """``(address, made at)`` of ``viewer``'s live feed, or ``None``."""
    found = calendar_feed.feed_secret(viewer, str(current_app.config["SECRET_KEY"]))
    return None if found is None else (feed_url(found[0]), found[1])


def _language(person: Person) -> str:
    if person.language in LANGUAGES:
        return str(person.language)
    network = network_service.get_network()
    return network.default_language if network is not None else "nl"


@bp.get("/calendar/<secret>.ics")
def calendar_feed_file(secret: str) -> ResponseReturnValue:
    """The feed: deadlines, meeting dates and chosen meeting slots (404 once revoked)."""
    person = calendar_feed.person_for_feed(secret)
    decisions, meetings = calendar_feed.feed_items(person)
    g.cop_feed = True  # flask_babel.force_locale does nothing while g is empty
    with force_locale(_language(person)):
        body = calendar.feed_calendar(
            decisions,
            meetings,
            zone=str(current_app.config["NETWORK_TIME_ZONE"]),
            name=_("cop-vote: %(name)s", name=person.name),
            url=lambda d: url_for("web.decision", decision_id=d.id, _external=True),
            title=lambda obj: str(shown(obj, "title")),
            deadline_title=lambda title: _("Voting closes: %(title)s", title=title),
        )
    db.session.rollback()
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="cop-vote.ics"'
    # The address is the key: it must not end up in a shared cache or a log of referrers.
    response.headers["Referrer-Policy"] = "no-referrer"
    return conditional(response)


@bp.post("/profile/calendar")
def profile_calendar() -> ResponseReturnValue:
    """Make a new feed address; the one before stops working at once.

    The form's CSRF token is checked before the view, like every POST.
    """
    calendar_feed.issue_feed(_me(), str(current_app.config["SECRET_KEY"]), now())
    db.session.commit()
    flash(_("Your calendar has a new address. The old one no longer works."), "success")
    return redirect(url_for("web.profile", _anchor="calendar-heading"), 303)
