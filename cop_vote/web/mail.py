"""The sign-in mail: plain text and HTML, in the person's language.

The worker builds and sends it (``send_login_link`` in :mod:`cop_vote.queue`).
With ``MAIL_BACKEND = "console"`` (the default without an SMTP server) the
message is printed by Flask-Mailman, and the link is also written to the
application log, so that someone running the app locally can sign in by
copying it.
"""

from __future__ import annotations

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from ..i18n import LANGUAGES
from ..models import Person
from ..services.text import one_line


def login_url(secret: str) -> str:
    """The absolute sign-in link for ``secret`` (``BASE_URL`` + ``/auth/link/...``)."""
    return f"{current_app.config['BASE_URL']}/auth/link/{secret}"


def build_login_mail(person: Person, secret: str, language: str) -> EmailMultiAlternatives:
    """The sign-in mail for ``person`` (who has an address), in their language.

    :param language: for a person without one: the language of the page that
        asked for the link.
    """
    url = login_url(secret)
    minutes = int(current_app.config.get("LOGIN_LINK_MINUTES", 30))
    if person.language in LANGUAGES:
        language = str(person.language)
    elif language not in LANGUAGES:
        language = str(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl"))
    if not g:
        g.cop_mail = True  # flask_babel.force_locale does nothing while g is empty
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
