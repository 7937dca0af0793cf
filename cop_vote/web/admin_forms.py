"""Forms of the facilitator's pages (Flask-WTF, CSRF on every POST).

The forms check the shape of what a browser sends (a number is a number, a
choice is one of the choices); the services check the rules and name the bad
field in :class:`~cop_vote.domain.errors.InvalidInput`, which the views show
next to the field. Every POST-only button has a form here so that it carries
a CSRF token and works without JavaScript.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.ballots import METHODS
from ..models import ORG_KINDS, ROLES
from .forms import WholeNumberField

#: Empty option rows offered on a new decision, so options can be added without JS.
OPTION_ROWS = 6
#: Rows added by the "add more rows" button.
MORE_ROWS = 3
#: The most options a decision may have (the service's limit).
MAX_OPTIONS = 100

METHOD_LABELS: dict[str, Any] = {
    "single_choice": _l("Single choice (plurality)"),
    "approval": _l("Approval (any set of options)"),
    "ranked": _l("Ranked (order the options)"),
    "score": _l("Score (0 to a maximum per option)"),
    "consent": _l("Consent (agree / abstain / disagree / block)"),
    "dot_vote": _l("Dot vote (spread dots over options)"),
    "meeting_time": _l("Meeting time (yes / if need be / no per slot)"),
    "discussion": _l("Discussion (comments only, no ballot)"),
}
#: What each method asks of the members (the hints of the method step).
METHOD_HINTS: dict[str, Any] = {
    "single_choice": _l("Each organisation picks one option; the option with most votes wins."),
    "approval": _l(
        "Each organisation ticks every option it can accept; the option with most ticks wins."
    ),
    "ranked": _l(
        "Each organisation puts the options in its order of preference; "
        "counted by instant-runoff or by Schulze."
    ),
    "score": _l(
        "Each organisation gives every option a score from 0 to a maximum you set; "
        "the highest total wins."
    ),
    "consent": _l(
        "One proposal: each organisation agrees, abstains, disagrees or blocks; "
        "a block stops the proposal."
    ),
    "dot_vote": _l("Each organisation spreads the dots you give it over the options."),
    "meeting_time": _l(
        "You offer time slots; each organisation answers yes, if need be or no for each slot."
    ),
    "discussion": _l("Members comment; no ballot is cast."),
}
KIND_LABELS: dict[str, Any] = {
    "diaspora": _l("Diaspora organisation"),
    "ngo": _l("NGO"),
    "knowledge": _l("Knowledge institution"),
    "facilitator": _l("Facilitating organisation"),
    "government": _l("Government"),
    "other": _l("Other"),
}
MAJORITY_LABELS: dict[str, Any] = {
    "relative": _l("Most votes (relative majority)"),
    "absolute": _l("More than half (absolute majority)"),
    "two_thirds": _l("At least two thirds"),
    "fraction": _l("At least another share"),
}
BASE_LABELS: dict[str, Any] = {
    "option_ballots": _l("Of the ballots for an option (abstentions left out)"),
    "cast": _l("Of the ballots cast (abstentions included)"),
    "electorate": _l("Of all organisations in the electorate"),
}
ROLE_LABELS: dict[str, Any] = {
    "facilitator": _l("Facilitator"),
    "representative": _l("Representative"),
    "observer": _l("Observer"),
}
VISIBILITY_LABELS: dict[str, Any] = {
    "live": _l("Live, while voting"),
    "after_own_ballot": _l("After the organisation has cast its ballot"),
    "after_close": _l("After the decision closes"),
}
SECRECY_LABELS: dict[str, Any] = {
    "open": _l("Open: each organisation's ballot is kept in the record"),
    "secret": _l(
        "Secret: no one sees counts or another organisation's choice before close; "
        "at close each ballot is separated from its organisation"
    ),
}
COMMENTS_LABELS: dict[str, Any] = {
    "open": _l("Open"),
    "premoderated": _l("Pre-moderated (shown after review)"),
    "closed": _l("Closed (no comments)"),
}
COUNTING_LABELS: dict[str, Any] = {
    "irv": _l("Instant-runoff (IRV), rounds shown"),
    "schulze": _l("Schulze (Condorcet), pairwise table shown"),
}
LANGUAGE_LABELS: dict[str, Any] = {
    "": _l("Network default / browser"),
    "nl": _l("Nederlands"),
    "en": _l("English"),
}

REQUIRED = _l("This field is required.")


def choices(labels: dict[str, Any], keys: Any = None) -> list[SelectChoice]:
    """Select choices from ``{value: label}``, in ``keys`` order when given."""
    return [SelectChoice(k, labels[k]) for k in (keys if keys is not None else labels)]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def wall_clock(_form: Any, field: Any) -> None:
    """A ``datetime-local`` value: a date and time without offset, years 1900–9998.

    Browsers send ``2030-10-27T17:00``; one without ``datetime-local`` shows a
    text field, so ``2030-10-27 17:00`` is accepted too. A date alone
    (``2030-10-27``) is refused, not taken as midnight. The zone is the
    network's; the service refuses a time that does not exist there.
    """
    text = (field.data or "").strip()
    if not text:
        return
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is not None and "T" not in text.upper() and " " not in text:
        # A date alone would be midnight, the start of that day: ask for the time.
        raise ValidationError(
            _l("Give a time as well as the date, e.g. %(example)s.", example=text + "T17:00")
        )
    if value is None or value.tzinfo is not None or not 1900 <= value.year <= 9998:
        raise ValidationError(_l("Give a date and time such as 2030-10-27T17:00."))


class ConfirmForm(FlaskForm):
    """An empty form behind a POST-only button (open, close, (de)activate)."""

    submit = SubmitField(_l("Confirm"))


class OrganisationForm(FlaskForm):
    """Add or edit an organisation."""

    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED)], filters=[_strip])
    short_name = StringField(_l("Short name"), filters=[_strip])
    slug = StringField(_l("Slug (used in addresses)"), filters=[_strip])
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS, ORG_KINDS), default="other")
    voting = BooleanField(_l("Casts a ballot (voting member)"), default=True)
    submit = SubmitField(_l("Save"))


class PersonForm(FlaskForm):
    """Add or edit a person; the organisation choices are set by the view."""

    name = StringField(_l("Name"), validators=[InputRequired(REQUIRED)], filters=[_strip])
    email = StringField(
        _l("E-mail address"), validators=[InputRequired(REQUIRED)], filters=[_strip]
    )
    organisation = SelectField(_l("Organisation"), choices=[])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS, ROLES), default="representative")
    function = StringField(_l("Function"), filters=[_strip])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS), default="")
    submit = SubmitField(_l("Save"))


class PeopleImportForm(FlaskForm):
    """Add people from a CSV file (checked as a whole by the service)."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    submit = SubmitField(_l("Add and invite these people"))


class OptionRowForm(Form):
    """One option row of a draft: label, description, and a slot for meeting_time."""

    label = StringField(_l("Label"))
    description = TextAreaField(_l("Description"))
    starts_at = StringField(_l("Slot starts"), validators=[wall_clock])
    ends_at = StringField(_l("Slot ends"), validators=[wall_clock])

    def is_blank(self) -> bool:
        """Whether nothing was typed in this row (blank rows are left out)."""
        return not any(
            (f.data or "").strip()
            for f in (self.label, self.description, self.starts_at, self.ends_at)
        )


class OptionWordingForm(Form):
    """One option of an open decision: only its wording may change."""

    id = HiddenField()
    label = StringField(_l("Label"))
    description = TextAreaField(_l("Description"))


def _percentage(_form: Any, field: Any) -> None:
    text = (field.data or "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        field.fraction = Decimal(0)
        return
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError(_l("A percentage from 0 to 100."))
    field.fraction = value / 100


class DecisionForm(FlaskForm):
    """Draft a decision or edit a draft: every field."""

    title = StringField(_l("Title"), validators=[InputRequired(REQUIRED)], filters=[_strip])
    description = TextAreaField(_l("Description"))
    method = SelectField(
        _l("Method"), choices=choices(METHOD_LABELS, METHODS), default="single_choice"
    )
    counting = SelectField(
        _l("Counting (ranked only)"), choices=choices(COUNTING_LABELS), default="irv"
    )
    max_score = WholeNumberField(
        _l("Highest score (score only)"), validators=[Optional(), NumberRange(1, 100)], default=5
    )
    dots = WholeNumberField(
        _l("Dots per organisation (dot vote only)"),
        validators=[Optional(), NumberRange(1, 100)],
        default=3,
    )
    dots_per_option = WholeNumberField(
        _l("Most dots on one option (dot vote only, optional)"),
        validators=[Optional(), NumberRange(1, 100)],
    )
    selects = WholeNumberField(
        _l("How many options the decision selects"),
        validators=[Optional(), NumberRange(1, 100)],
        default=1,
    )
    options = FieldList(FormField(OptionRowForm), min_entries=OPTION_ROWS, max_entries=MAX_OPTIONS)
    add_rows = SubmitField(_l("Add more option rows"))
    change_method = SubmitField(_l("Show the fields of this method"))
    closes_at = StringField(_l("Closes at"), filters=[_strip], validators=[wall_clock])
    quorum = StringField(
        _l("Quorum (% of eligible organisations that must cast a ballot)"),
        default="0",
        validators=[_percentage],
    )
    results_visibility = SelectField(
        _l("Results visible"), choices=choices(VISIBILITY_LABELS), default="after_close"
    )
    ballot_secrecy = SelectField(
        _l("Ballot secrecy"), choices=choices(SECRECY_LABELS), default="open"
    )
    comments = SelectField(_l("Comments"), choices=choices(COMMENTS_LABELS), default="open")
    facilitator_votes = BooleanField(_l("The facilitating organisation votes too"))
    proposals_open = BooleanField(_l("Members may propose options before voting opens"))
    secret_receipts = BooleanField(_l("Give receipt codes in this secret ballot"))
    document_url = StringField(_l("Link to a document (optional)"), filters=[_strip])
    reminder_hours = WholeNumberField(
        _l("Reminder: hours before the deadline (empty: the default)"),
        validators=[Optional(), NumberRange(1, 720)],
    )
    majority_rule = SelectField(
        _l("Majority needed"), choices=choices(MAJORITY_LABELS), default="relative"
    )
    majority_base = SelectField(
        _l("Counted as a share"), choices=choices(BASE_LABELS), default="option_ballots"
    )
    majority_share = StringField(_l("Share (another share only)"), filters=[_strip])
    double_majority = SelectMultipleField(
        _l("Double majority: the chosen option must also lead among"),
        choices=choices(KIND_LABELS, [k for k in ORG_KINDS if k != "facilitator"]),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Save draft"))


class OpenDecisionForm(FlaskForm):
    """Edit an open decision: a later deadline, the description, option wording."""

    description = TextAreaField(_l("Description"))
    closes_at = StringField(_l("Closes at"), filters=[_strip], validators=[wall_clock])
    options = FieldList(FormField(OptionWordingForm), max_entries=MAX_OPTIONS)
    document_url = StringField(_l("Link to a document (optional)"), filters=[_strip])
    reminder_hours = WholeNumberField(
        _l("Reminder: hours before the deadline (empty: the default)"),
        validators=[Optional(), NumberRange(1, 720)],
    )
    submit = SubmitField(_l("Save changes"))


class PublishForm(FlaskForm):
    """Publish a closed decision: the chosen option(s) (or none) and a statement.

    ``option`` is the first (or only) place; a decision that selects several
    options has one more select per further place (``places``), so the order
    is given without JavaScript.
    """

    option = SelectField(_l("Chosen option"), choices=[])
    places = FieldList(SelectField(choices=[]), max_entries=MAX_OPTIONS)
    statement = TextAreaField(_l("Statement"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Publish"))


class AmendForm(PublishForm):
    """Amend a published outcome: the option(s), the statement, and why."""

    reason = TextAreaField(_l("Why is it amended?"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Amend the outcome"))


class ReopenForm(FlaskForm):
    """Reopen a closed decision: a new deadline and why."""

    closes_at = StringField(
        _l("New deadline"), filters=[_strip], validators=[InputRequired(REQUIRED), wall_clock]
    )
    reason = TextAreaField(_l("Why is it reopened?"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Reopen for ballots"))


class WithdrawForm(FlaskForm):
    """Withdraw a draft or open decision, saying why."""

    statement = TextAreaField(_l("Why is it withdrawn?"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Withdraw"))
