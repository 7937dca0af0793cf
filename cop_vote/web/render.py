"""Rendering helpers: whole pages, htmx fragments of the same template, the person.

One template serves a page and its fragments (jinja2-fragments): an htmx
request whose ``HX-Target`` names a region of the page gets that region's
block only, whose root element carries the same ``id``. Every page answer
varies on ``HX-Request`` so that caches keep the two apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask import Response, current_app, g, make_response, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from ..domain.errors import Message
from ..extensions import htmx
from ..i18n import local_time, prefetch_network_zone, translations
from ..models import Person
from ..services.ballots import NOT_AN_ELECTOR
from . import bp
from .bearer import BAD_TOKEN
from .localised import render_block, render_template


def person() -> Person | None:
    """The signed-in person, or ``None``."""
    if getattr(current_user, "is_authenticated", False):
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return None


def is_htmx() -> bool:
    """Whether the request comes from htmx (``HX-Request``), not a history restore."""
    return bool(htmx) and not htmx.history_restore_request


def fragment_for(fragments: Mapping[str, str] | None) -> str | None:
    """The block to render for this request: the one named by ``HX-Target``, if any."""
    if not fragments or not is_htmx():
        return None
    return fragments.get(htmx.target or "")


def page(
    template: str,
    *,
    http_status: int = 200,
    fragments: Mapping[str, str] | None = None,
    block: str | None = None,
    **context: Any,
) -> Response:
    """Render ``template`` as a page, or one of its blocks for htmx.

    :param fragments: ``{element id: block name}``: the regions htmx may ask for.
    :param block: force this block for an htmx request (after a POST).
    :param http_status: the HTTP status of a whole page. A fragment is always sent
        with 200 so that htmx swaps it (its error messages are inside it).
    """
    name = (block if is_htmx() else None) or fragment_for(fragments)
    if getattr(context.get("decision"), "method", None) == "meeting_time":
        prefetch_network_zone()  # slot labels need it; templates send no query
    if name:
        response = make_response(render_block(template, name, **context), 200)
    else:
        response = make_response(render_template(template, **context), http_status)
    response.vary.add("HX-Request")
    return response


#: Messages of the domain and of the error handlers (English), for the error page.
KNOWN_MESSAGES = {
    "Only a facilitator may do this.": _l("Only a facilitator may do this."),
    "Only representatives of member organisations may do this.": _l(
        "Only representatives of member organisations may do this."
    ),
    "Your organisation has no ballot in this decision.": _l(
        "Your organisation has no ballot in this decision."
    ),
    NOT_AN_ELECTOR: _l(
        "Your organisation was not in this decision's electorate when it opened, so it "
        "has no ballot in it. A facilitator can add it while the decision is open."
    ),
    "Results are not visible yet for this decision.": _l(
        "Results are not visible yet for this decision."
    ),
    "Comments are closed for this decision.": _l("Comments are closed for this decision."),
    "The form had expired or came from elsewhere. Go back, reload and try again.": _l(
        "The form had expired or came from elsewhere. Go back, reload and try again."
    ),
    BAD_TOKEN: _l(
        "This token gives no access: it is unknown or revoked, or its person no longer has access."
    ),
}
_NO_DECISION = re.compile(r"No (decision|comment) \d+\.")


def domain_message(message: object) -> str | None:
    """An error page's message in the reader's language, or ``None`` to leave it out.

    Known messages are translated; "No decision 7." and HTTP descriptions
    (English sentences from Werkzeug) are left out for readers of other
    languages: the page's translated title and hint say enough.
    """
    text = str(message or "")
    if text in KNOWN_MESSAGES:
        return str(KNOWN_MESSAGES[text])
    if _NO_DECISION.fullmatch(text) or str(get_locale()) != "en":
        return None
    return text or None


def nl2br(value: object) -> Markup:
    """Escape text and turn its line breaks into ``<br>``: safe for any input."""
    text = str(value if value is not None else "").replace("\r\n", "\n")
    # Escaping leaves line breaks alone; str.replace, not Markup's (which escapes "<br>").
    return Markup(str.replace(escape(text), "\n", "<br>\n"))


def bar_step(percent: object) -> int:
    """A bar's width as a step of 5 from 0 to 100 (the ``w-N`` classes of site.css).

    A share above zero never rounds down to an empty bar.
    """
    try:
        value = float(percent)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    if not value > 0:
        return 0
    return max(5, min(100, int(round(value / 5)) * 5))


@bp.app_template_global("mark_form_error")
def mark_form_error() -> str:
    """Called by the error summary: this page shows a form error (its title says so)."""
    g.form_error = True
    return ""


@bp.app_template_global("form_error_marked")
def form_error_marked() -> bool:
    """Whether the page rendered so far shows a form error (base.html's title)."""
    return bool(g.get("form_error"))


@bp.app_template_global("is_htmx")
def _is_htmx_global() -> bool:
    return is_htmx()


@bp.app_template_global("signature")
def signature(author: Any, organisation: Any) -> Markup:
    """A person's name as it signs a comment or ballot, with the organisation's
    short name when given: ``<bdi>Lotte</bdi> (<bdi>Oxfam</bdi>)``.

    :param author: a person, anything with a ``name`` or a ``{"name": ...}``
        dict; without a name (erased): "(name removed)".
    """
    name = author.get("name") if isinstance(author, Mapping) else getattr(author, "name", None)
    return signed_name(name, organisation.short_name if organisation else None)


@bp.app_template_global("signed_name")
def signed_name(name: str | None, organisation: str | None = None) -> Markup:
    """:func:`signature` from the names themselves (a comment read as a row, or
    the names of the time an act's row keeps: domain/names.py)."""
    if not name and organisation:
        # An erased person: "former representative of <bdi>ADPC</bdi>".
        former = translations().ugettext(_FORMER)
        return escape(former) % {"organisation": Markup(f"<bdi>{escape(organisation)}</bdi>")}
    # escape() and f-strings: Markup.format takes ten times as long.
    text = f"<bdi>{escape(name if name else translations().ugettext(_NAME_REMOVED))}</bdi>"
    return Markup(text if organisation is None else with_organisation(text, organisation))


def with_organisation(signed: str, organisation: str) -> str:
    """A signed name (mark-up) followed by its organisation's short name."""
    return f"{signed} (<bdi>{escape(organisation)}</bdi>)"


# Looked up in the request's catalogue (i18n.translations: a page may sign
# every comment so); extracted for it by the keyword Message.
#: What signature() shows for an erased person.
_NAME_REMOVED = Message("(name removed)")
#: ... and with their organisation.
_FORMER = Message("former representative of %(organisation)s")


@bp.app_template_global("when")
def when(value: datetime | None, named: bool = True) -> Markup:
    """A time in a ``<time>`` element, in the network's zone (:func:`local_time`);
    ``named=False`` leaves the zone out where the page names it once (zone_note)."""
    if not value:
        return Markup("")
    return time_element(value, local_time(value, named=named))


def time_element(value: datetime, text: str) -> Markup:
    """``value`` as a ``<time>`` element showing ``text``."""
    # An ISO 8601 time is digits, "-", ":", "+", "." and "T": nothing to escape.
    return Markup(f'<time datetime="{value.isoformat()}">{escape(text)}</time>')


@bp.app_template_global("scroll_box")
def scroll_box(label: object = None, labelledby: str | None = None) -> Markup:
    """The attributes of a box that scrolls a wide table sideways: focusable, so a
    keyboard can scroll it, and a named region (its table's caption or heading).
    Every ``.table-wrap`` takes them from here: ``<div {{ scroll_box(caption) }}>``."""
    name = (
        f'aria-labelledby="{escape(labelledby)}"' if labelledby else f'aria-label="{escape(label)}"'
    )
    return Markup(f'class="table-wrap" tabindex="0" role="region" {name}')


@bp.app_template_filter("bar_step")
def _bar_step_filter(value: object) -> int:
    return bar_step(value)


@bp.app_template_filter("domain_message")
def _domain_message_filter(value: object) -> str | None:
    return domain_message(value)


@bp.app_template_filter("nl2br")
def _nl2br_filter(value: object) -> Markup:
    return nl2br(value)


def _lang_url(code: str) -> str:
    """This page in another language (a plain link: works without JavaScript)."""
    build = current_app.jinja_env.globals["url_for"]  # remembers links (links.py)
    if request.method == "GET" and request.endpoint and request.url_rule is not None:
        args = {k: v for k, v in request.args.items() if k != "lang"}
        try:
            return str(build(request.endpoint, **(request.view_args or {}), **args, lang=code))
        except Exception:  # noqa: BLE001 - fall back to the home page
            pass
    return str(build("web.index", lang=code))


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    """What base.html needs: the person, the facilitator link, this page in each language."""
    viewer = person()
    admin_url = None
    if (
        viewer is not None
        and viewer.role == "facilitator"
        and "web.admin_index" in current_app.view_functions
    ):
        admin_url = url_for("web.admin_index")
    return {
        "lang_url": _lang_url,
        "viewer": viewer,
        "admin_url": admin_url,
    }


def percent_text(share: Any, *, exact: bool = False) -> str:
    """A share (``0.505``, a number, a fraction or its text) as a percentage for people,
    in the page's language, without the sign: ``50``, ``66.7``, ``50,5``.

    :param exact: every digit (a form's value, saved again as it is), not
        one decimal.
    """
    if isinstance(share, Fraction):
        value = Decimal(share.numerator) / Decimal(share.denominator) * 100
    else:
        value = Decimal(str(share)) * 100
    if exact:
        return str(format_decimal(value, format="0.##########"))
    return str(format_decimal(round(value, 1), format="0.#"))
