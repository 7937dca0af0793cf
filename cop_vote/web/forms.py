"""Forms of the members' pages and of signing in (Flask-WTF: CSRF on every POST).

Ballot fields depend on the decision's method and are read in
:mod:`cop_vote.web.views`; :class:`BallotForm` carries the CSRF token and the
ballot version the page was rendered with.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class WholeNumberField(IntegerField):
    """An integer field that refuses more digits than any count here can have.

    WTForms' ``NumberRange`` compares through ``float``, which overflows on a
    number of some 310 digits: such input is a form error, never a 500.
    """

    MAX_DIGITS = 12

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and len(valuelist[0].strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class ConfirmForm(FlaskForm):
    """An empty form behind a POST-only button: it carries the CSRF token."""


class LoginForm(FlaskForm):
    """Ask for a sign-in link by e-mail address."""

    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(message=_l("Enter your e-mail address.")),
            Length(max=254, message=_l("An e-mail address has at most 254 characters.")),
            Email(
                message=_l("Enter an e-mail address like name@example.org."),
                check_deliverability=False,
            ),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )
    next = HiddenField()


class BallotForm(FlaskForm):
    """CSRF and the version of the ballot the form was rendered with (0: none yet)."""

    version = WholeNumberField(validators=[Optional(), NumberRange(min=0)])


class CommentForm(FlaskForm):
    """A comment on the decision, optionally on one option, or a reply."""

    body = TextAreaField(_l("Your comment"), render_kw={"rows": 5})
    option = StringField(_l("About"))
    parent = HiddenField()


class TokenForm(FlaskForm):
    """Create a personal API token."""

    label = StringField(
        _l("What is the token for? (optional)"),
        validators=[Optional(), Length(max=100, message=_l("At most 100 characters."))],
    )


class LanguageForm(FlaskForm):
    """Choose the language of the pages."""

    language = StringField(
        _l("Language"), validators=[DataRequired(message=_l("Choose a language."))]
    )


class ObjectionForm(FlaskForm):
    """An organisation's objection to a count, between close and publication."""

    text = TextAreaField(_l("What does your organisation dispute?"), render_kw={"rows": 5})
