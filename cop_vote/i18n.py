"""Language and time zone: Dutch and English; times shown in the network's zone.

The language is, in order: ``?lang=`` (remembered in a cookie), the signed-in
person's choice, the browser's ``Accept-Language``, the network's default.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.support import NullTranslations
from flask import Flask, current_app, g, request
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from .domain.errors import Message, Plural
from .domain.lifecycle import Status

LANGUAGES = ("nl", "en")


def translate(text: str, decision: Any = None) -> str:
    """A rule's message in the reader's language; any other text as it is.

    :param text: a :class:`~cop_vote.domain.errors.Message` (looked up in the
        catalog by its template, then filled with its values; a
        :class:`~cop_vote.domain.errors.Plural` by ``ngettext``) or plain text.
    :param decision: the decision whose option labels the message may name
        (a verdict's "Tie between A and B"): they are named as the reader reads
        them (:func:`option_label`).
    """
    if isinstance(text, Message) and decision is not None:
        shown = {o.label: str(option_label(o)) for o in decision.options if o.label}
        text = _relabelled(text, shown)
    if isinstance(text, Plural):
        values = _local_values(text.values)
        values.pop("num", None)
        return str(ngettext(text.template, text.plural, text.num, **values))
    if isinstance(text, Message):
        return str(gettext(text.template, **_local_values(text.values)))
    return str(text)


def _relabelled(message: Message, shown: dict[str, str]) -> Message:
    """``message`` with option labels among its values replaced by ``shown``'s."""

    def swap(value: object) -> object:
        if isinstance(value, str) and value in shown:
            return shown[value]
        if isinstance(value, list | tuple):
            return [swap(v) for v in value]
        return value

    values = {key: swap(value) for key, value in message.values.items()}
    if isinstance(message, Plural):
        values.pop("num", None)
        return Plural(message.template, message.plural, num=message.num, **values)
    return Message(message.template, **values)


#: A decision's state as a word in a sentence ("Dit besluit is gesloten").
STATUS_WORDS = {
    Status.DRAFT: _l("draft"),
    Status.OPEN: _l("open"),
    Status.CLOSED: _l("closed"),
    Status.PUBLISHED: _l("published"),
    Status.WITHDRAWN: _l("withdrawn"),
}


def _local_values(values: dict[str, object]) -> dict[str, object]:
    """A Message's values for the reader: lists of names joined in their
    language, a time in the network's zone (:func:`local_time`), a decision's
    state named in it, a phrase that is itself a Message (a majority rule, a kind
    of organisation) translated."""
    locale = str(get_locale())
    out: dict[str, object] = {}
    for key, value in values.items():
        if isinstance(value, Status):
            out[key] = str(STATUS_WORDS[value])
        elif isinstance(value, Message):  # a phrase of the sentence ("a two-thirds majority")
            out[key] = translate(value)
        elif isinstance(value, list | tuple):
            out[key] = format_list([translate(v) for v in value], locale=locale)
        elif isinstance(value, datetime):  # in the network's zone, named (the API: ISO UTC)
            out[key] = local_time(value)
        else:
            out[key] = value
    return out


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in LANGUAGES:
        return lang
    user = current_user
    if getattr(user, "is_authenticated", False) and getattr(user, "language", None) in LANGUAGES:
        return str(user.language)
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")


def select_timezone() -> str:
    """The network's time zone (IANA name)."""
    return str(current_app.config["NETWORK_TIME_ZONE"])


def local_time(value: datetime | None, fmt: str = "medium", *, named: bool = True) -> str:
    """An aware datetime in the network's zone with the zone named.

    E.g. ``18 dec 2009 17:00 CET (Europe/Amsterdam)``; ``""`` for ``None``.

    :param named: ``False`` leaves the zone out (``18 dec 2009 17:00``), for
        lists of times (comments, the audit trail) whose page names the zone
        once (:func:`zone_note`).
    """
    if value is None:
        return ""
    return _local_time(value, select_timezone(), get_locale(), named)


def time_formatter(*, named: bool = True) -> Callable[[datetime], str]:
    """:func:`local_time` for many times (a page of comments): the zone and
    the language are looked up once, here."""
    zone, locale = select_timezone(), get_locale()
    return lambda value: _local_time(value, zone, locale, named)


@lru_cache(maxsize=4096)
def _local_time(value: datetime, zone_name: str, locale: Locale, named: bool) -> str:
    """:func:`local_time`'s text, kept: a page shows the same times (comments,
    ballots) to every reader, and Babel takes about 20 µs to format one."""
    local = value.astimezone(ZoneInfo(zone_name))
    text = format_datetime(local, "d MMM y HH:mm", locale=locale)
    if not named:
        return text
    return f"{text} {local.tzname()} ({zone_name})"


def local_date(value: datetime | None) -> str:
    """The day of an aware datetime in the network's zone, e.g. ``1 december 2026``."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(select_timezone()))
    return format_date(local.date(), "d MMMM y", locale=get_locale())


def names(items: Any) -> str:
    """Names joined in the reader's language: ``A, B en C``, ``A, B and C``."""
    return format_list([str(item) for item in items], locale=str(get_locale()))


def local_slot(starts: datetime, ends: datetime) -> str:
    """A time slot in the network's zone, day and month in the reader's language.

    E.g. ``di 12 jan 2010 14:00–17:00 CET`` (Dutch), ``Tue 12 Jan 2010
    14:00–17:00 CET`` (English); an end on another day shows its date.
    """
    zone = ZoneInfo(select_timezone())
    locale = str(get_locale())
    start, end = starts.astimezone(zone), ends.astimezone(zone)
    pattern = "EEE d MMM y HH:mm"
    end_text = format_datetime(
        end, "HH:mm" if end.date() == start.date() else pattern, locale=locale
    )
    return f"{format_datetime(start, pattern, locale=locale)}–{end_text} {start.tzname()}"


def prefetch_network_zone() -> str:
    """The network's zone, read once a request (before a page renders, so that
    no template sends a query; see :func:`cop_vote.web.render.page`)."""
    from .services.decision_options import network_zone

    if "cop_network_zone" not in g:
        g.cop_network_zone = network_zone()
    return str(g.cop_network_zone)


def option_label(option: Any, *, decision_language: str | None = None) -> str:
    """An option as the reader reads it: its label, translated when it has a
    translation into the reader's language (cop_vote/content.py); a meeting
    slot whose label was made from its times (``services.decision_options.slot_label``)
    in the reader's language; a slot without a label by its times.

    :param decision_language: the original language of the option's decision,
        when the caller has the decision at hand (else looked up).
    """
    from .content import shown
    from .services.decision_options import slot_label

    label = str(option.label or "")
    starts, ends = getattr(option, "starts_at", None), getattr(option, "ends_at", None)
    if starts is None:
        return shown(option, "label", original_language=decision_language)
    if ends is not None:
        # Made in the zone of the form (the configured one) or of the network's row.
        zones = (select_timezone(), prefetch_network_zone())
        made = {slot_label(starts, ends, zone) for zone in zones}
        if not label or label in made:
            return local_slot(starts, ends)
    return (
        shown(option, "label", original_language=decision_language) if label else local_time(starts)
    )


def local_input(value: datetime | None) -> str:
    """An aware datetime as a ``datetime-local`` input value in the network's zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(select_timezone())).strftime("%Y-%m-%dT%H:%M")


def _babel_state() -> Any:
    """Flask-Babel's state of this app context (``None`` outside one)."""
    app_ctx = _cv_app.get(None)
    return None if app_ctx is None else app_ctx.g.__dict__.get("_flask_babel")


def current_language() -> str:
    """``str(get_locale())``, cheap from the second call of a request on.

    Kept beside the locale object Flask-Babel chose, as :func:`translations`
    keeps the catalogue: ``force_locale`` and ``refresh`` replace that
    object, so they are obeyed at once.
    """
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return str(get_locale() or "nl")  # chooses the locale
    kept = getattr(state, "cop_language", None)
    if kept is not None and kept[0] is locale:
        return kept[1]  # type: ignore[no-any-return]
    language = str(locale)
    state.cop_language = (locale, language)
    return language


def translations() -> NullTranslations:
    """The catalog of the current locale, as ``flask_babel.get_translations``,
    but cheap from the second call of a request on.

    Flask-Babel keeps one catalog per locale already, but finds it anew for
    every string (several context look-ups and ``str(locale)``: about 20 µs,
    a fifth of a decision page with its 130 strings). This remembers the
    catalog beside the locale Flask-Babel chose for the request (``g``), keyed
    by that locale object and the domain: ``force_locale`` (mail in the
    recipient's language) and ``refresh`` replace the object, so they are
    obeyed at once.
    """
    state = _babel_state()
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()  # type: ignore[no-any-return]  # chooses the locale
    domain = getattr(state, "babel_domain", None)
    kept = getattr(state, "cop_translations", None)
    if kept is not None and kept[0] is locale and kept[1] is domain:
        return kept[2]  # type: ignore[no-any-return]
    found = get_translations()
    state.cop_translations = (locale, domain, found)
    return found  # type: ignore[no-any-return]


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates: as Jinja's "newstyle" gettext
    (the text is always a %-format, escaped where the template autoescapes)."""
    text = translations().ugettext(string)
    if not variables and "%" not in text:
        return Markup(text) if eval_ctx.autoescape else text  # what % {} would give
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """``ngettext()`` in templates, as Jinja's newstyle one (``num`` is a variable too)."""
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def init_app(app: Flask) -> None:
    """Register the template filters and remember an explicit ``?lang=``."""
    # Templates look strings up through translations() (see there), with the
    # newstyle semantics Flask-Babel installs, but called directly: Jinja's
    # own wrappers pass each string through three context calls (about 7 µs).
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(local_input, "local_input")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(translate, "translate")
    app.add_template_filter(option_label, "option_label")
    app.add_template_filter(names, "names")

    @app.after_request
    def remember_language(response):  # type: ignore[no-untyped-def]
        lang = request.args.get("lang")
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def language() -> dict[str, object]:
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "network_time_zone": select_timezone(),
        }
