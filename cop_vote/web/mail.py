"""The sign-in mail: plain text and HTML, in the person's language.

With ``MAIL_BACKEND = "console"`` (the default without an SMTP server) the
message is printed on standard output by Flask-Mailman, and the link is also
written to the application log, so that someone running the app locally can
sign in by copying it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from ..i18n import LANGUAGES
from ..models import Person
from ..services.text import one_line


def login_url(secret: str) -> str:
    """The absolute sign-in link for ``secret`` (``BASE_URL`` + ``/auth/link/...``)."""
    return f"{current_app.config['BASE_URL']}/auth/link/{secret}"


def build_login_mail(person: Person, secret: str) -> EmailMultiAlternatives:
    """The sign-in mail for ``person`` (who has an address), in their language."""
    url = login_url(secret)
    minutes = int(current_app.config.get("LOGIN_LINK_MINUTES", 30))
    language = person.language if person.language in LANGUAGES else str(get_locale())
    with force_locale(language):
        context = {
            "person": person,
            "url": url,
            "minutes": minutes,
            "base_url": current_app.config["BASE_URL"],
        }
        subject = one_line(_("Your sign-in link for cop-vote"))
        text = render_template("auth/mail_login.txt", **context)
        html = render_template("auth/mail_login.html", **context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[person.email or ""])
    message.attach_alternative(html, "text/html")
    if current_app.config.get("MAIL_BACKEND") == "console":
        # Local use without a mail server: the link must be findable.
        current_app.logger.warning("Sign-in link for person %s (console mail): %s", person.id, url)
    return message


def send_after_response(message: EmailMultiAlternatives) -> Callable[[], None]:
    """A callback that sends ``message`` in its own application context.

    For :meth:`werkzeug.wrappers.Response.call_on_close`: the mail leaves after
    the answer, and a mail server that is down is logged, never shown.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                message.send()
            except Exception:  # noqa: BLE001 - the visitor already has their answer
                app.logger.exception("Could not send the sign-in mail")

    return send
