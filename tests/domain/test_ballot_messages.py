"""Every refused ballot body of ``test_ballots.INVALID`` says exactly what is wrong.

The messages are what a member reads beside the field on the ballot form and
what an API client gets in ``error.fields``; the field names are where the form
puts them. Checked one by one here, so that a changed message or a field put
under another name is seen (``test_ballots`` checks only which field is named).
"""

from __future__ import annotations

import pytest

from cop_vote.domain.ballots import validate_ballot
from cop_vote.domain.errors import InvalidInput

from .test_ballots import INVALID, rules

EXPECTED: list[tuple[str, dict[str, str]]] = [
    (
        "There is no option 99 in this decision.",
        {"option": "There is no option 99 in this decision."},
    ),
    (
        "True is not an option id; option ids are whole numbers.",
        {"option": "True is not an option id; option ids are whole numbers."},
    ),
    (
        "12.0 is not an option id; option ids are whole numbers.",
        {"option": "12.0 is not an option id; option ids are whole numbers."},
    ),
    (
        "'twelve' is not an option id; option ids are whole numbers.",
        {"option": "'twelve' is not an option id; option ids are whole numbers."},
    ),
    (
        "'1e1' is not an option id; option ids are whole numbers.",
        {"option": "'1e1' is not an option id; option ids are whole numbers."},
    ),
    (
        "'١٢' is not an option id; option ids are whole numbers.",
        {"option": "'١٢' is not an option id; option ids are whole numbers."},
    ),
    (
        "None is not an option id; option ids are whole numbers.",
        {"option": "None is not an option id; option ids are whole numbers."},
    ),
    ("Choose an option or abstain.", {"option": "Choose an option or abstain."}),
    (
        "Unknown field 'colour' for a single_choice ballot.",
        {"colour": "Unknown field 'colour' for a single_choice ballot."},
    ),
    (
        "Choose at least one option or abstain.",
        {"options": "Choose at least one option or abstain."},
    ),
    ("Option 12 appears more than once.", {"options.1": "Option 12 appears more than once."}),
    (
        "There is no option 99 in this decision.",
        {"options.1": "There is no option 99 in this decision."},
    ),
    ("options must be a list of option ids.", {"options": "options must be a list of option ids."}),
    (
        "False is not an option id; option ids are whole numbers.",
        {"options.0": "False is not an option id; option ids are whole numbers."},
    ),
    ("Option 14 appears more than once.", {"ranking.2": "Option 14 appears more than once."}),
    (
        "100000 options given; this decision has 3.",
        {"ranking": "100000 options given; this decision has 3."},
    ),
    (
        "1000 options given; this decision has 3.",
        {"scores": "1000 options given; this decision has 3."},
    ),
    ("Rank at least one option or abstain.", {"ranking": "Rank at least one option or abstain."}),
    (
        "There is no option 99 in this decision.",
        {"ranking.1": "There is no option 99 in this decision."},
    ),
    (
        "True is not an option id; option ids are whole numbers.",
        {"ranking.0": "True is not an option id; option ids are whole numbers."},
    ),
    (
        "12.5 is not an option id; option ids are whole numbers.",
        {"ranking.0": "12.5 is not an option id; option ids are whole numbers."},
    ),
    ("ranking must be a list of option ids.", {"ranking": "ranking must be a list of option ids."}),
    (
        "The ballot has 2 problems; see each field.",
        {
            "option": "Unknown field 'option' for a ranked ballot.",
            "ranking": "Rank at least one option or abstain.",
        },
    ),
    (
        "6 is outside the allowed range 0 to 5.",
        {"scores.12": "6 is outside the allowed range 0 to 5."},
    ),
    (
        "-1 is outside the allowed range 0 to 5.",
        {"scores.12": "-1 is outside the allowed range 0 to 5."},
    ),
    (
        "2.5 is not a whole number from 0 to 5.",
        {"scores.12": "2.5 is not a whole number from 0 to 5."},
    ),
    (
        "True is not a whole number from 0 to 5.",
        {"scores.12": "True is not a whole number from 0 to 5."},
    ),
    (
        "'4' is not a whole number from 0 to 5.",
        {"scores.12": "'4' is not a whole number from 0 to 5."},
    ),
    (
        "There is no option 99 in this decision.",
        {"scores.99": "There is no option 99 in this decision."},
    ),
    ("Option 12 is given twice.", {"scores.012": "Option 12 is given twice."}),
    ("Score at least one option or abstain.", {"scores": "Score at least one option or abstain."}),
    (
        "scores must be an object mapping option ids to values.",
        {"scores": "scores must be an object mapping option ids to values."},
    ),
    (
        "4 is outside the allowed range 0 to 3.",
        {"scores.12": "4 is outside the allowed range 0 to 3."},
    ),
    ("A block needs a reason.", {"reason": "A block needs a reason."}),
    ("A block needs a reason.", {"reason": "A block needs a reason."}),
    ("A block needs a reason.", {"reason": "A block needs a reason."}),
    ("A block needs a reason.", {"reason": "A block needs a reason."}),
    ("The reason must be text.", {"reason": "The reason must be text."}),
    (
        "The reason is 21 characters long; at most 20 fit.",
        {"reason": "The reason is 21 characters long; at most 20 fit."},
    ),
    (
        "The reason contains characters that are not text.",
        {"reason": "The reason contains characters that are not text."},
    ),
    (
        "The reason contains characters that are not text.",
        {"reason": "The reason contains characters that are not text."},
    ),
    (
        "'maybe' is not one of agree, abstain, disagree, block.",
        {"position": "'maybe' is not one of agree, abstain, disagree, block."},
    ),
    (
        "None is not one of agree, abstain, disagree, block.",
        {"position": "None is not one of agree, abstain, disagree, block."},
    ),
    (
        "Choose a position: agree, abstain, disagree, block.",
        {"position": "Choose a position: agree, abstain, disagree, block."},
    ),
    (
        "Unknown field 'option' for a consent ballot.",
        {"option": "Unknown field 'option' for a consent ballot."},
    ),
    (
        "4 dots placed; each organisation has 3.",
        {"dots": "4 dots placed; each organisation has 3."},
    ),
    (
        "4 is outside the allowed range 0 to 3.",
        {"dots.12": "4 is outside the allowed range 0 to 3."},
    ),
    (
        "2 is outside the allowed range 0 to 1.",
        {"dots.12": "2 is outside the allowed range 0 to 1."},
    ),
    (
        "-1 is outside the allowed range 0 to 3.",
        {"dots.12": "-1 is outside the allowed range 0 to 3."},
    ),
    ("Place at least one dot or abstain.", {"dots": "Place at least one dot or abstain."}),
    (
        "1.0 is not a whole number from 0 to 3.",
        {"dots.12": "1.0 is not a whole number from 0 to 3."},
    ),
    (
        "'x' is not an option id; option ids are whole numbers.",
        {"dots.x": "'x' is not an option id; option ids are whole numbers."},
    ),
    (
        "'maybe' is not one of yes, if_need_be, no.",
        {"availability.12": "'maybe' is not one of yes, if_need_be, no."},
    ),
    (
        "True is not one of yes, if_need_be, no.",
        {"availability.12": "True is not one of yes, if_need_be, no."},
    ),
    (
        "There is no option 99 in this decision.",
        {"availability.99": "There is no option 99 in this decision."},
    ),
    (
        "Answer for at least one time slot or abstain.",
        {"availability": "Answer for at least one time slot or abstain."},
    ),
    (
        "availability must be an object mapping option ids to values.",
        {"availability": "availability must be an object mapping option ids to values."},
    ),
    (
        'To abstain send "abstain": true; otherwise leave it out.',
        {"abstain": 'To abstain send "abstain": true; otherwise leave it out.'},
    ),
    (
        'To abstain send "abstain": true; otherwise leave it out.',
        {"abstain": 'To abstain send "abstain": true; otherwise leave it out.'},
    ),
    (
        'To abstain send "abstain": true; otherwise leave it out.',
        {"abstain": 'To abstain send "abstain": true; otherwise leave it out.'},
    ),
    (
        "Send either an abstention or a ballot, not both.",
        {"ranking": "Send either an abstention or a ballot, not both."},
    ),
    (
        "Send either an abstention or a ballot, not both.",
        {"position": "Send either an abstention or a ballot, not both."},
    ),
    ("A ballot must be a JSON object.", {"ballot": "A ballot must be a JSON object."}),
    ("A ballot must be a JSON object.", {"ballot": "A ballot must be a JSON object."}),
    ("A ballot must be a JSON object.", {"ballot": "A ballot must be a JSON object."}),
    ("A ballot must be a JSON object.", {"ballot": "A ballot must be a JSON object."}),
    (
        "This decision takes comments only, no ballot.",
        {"ballot": "This decision takes comments only, no ballot."},
    ),
    (
        "This decision takes comments only, no ballot.",
        {"ballot": "This decision takes comments only, no ballot."},
    ),
]


@pytest.mark.parametrize("index", range(len(INVALID)))
def test_each_refusal_names_its_message_and_fields(index: int) -> None:
    method, body, _field, extra = INVALID[index]
    with pytest.raises(InvalidInput) as caught:
        validate_ballot(body, rules(method, **extra))
    assert (caught.value.message, caught.value.fields) == EXPECTED[index]
    assert caught.value.code == "invalid_input"


def test_the_table_covers_every_invalid_body() -> None:
    assert len(EXPECTED) == len(INVALID)


@pytest.mark.parametrize(
    ("method", "field", "message"),
    [
        ("single_choice", "option", "Choose an option or abstain."),
        ("approval", "options", "Choose at least one option or abstain."),
        ("ranked", "ranking", "Rank at least one option or abstain."),
        ("score", "scores", "Score at least one option or abstain."),
        ("dot_vote", "dots", "Place at least one dot or abstain."),
        ("meeting_time", "availability", "Answer for at least one time slot or abstain."),
        ("consent", "position", "Choose a position: agree, abstain, disagree, block."),
    ],
)
def test_an_empty_body_asks_for_the_methods_field(method: str, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot({}, rules(method))
    assert (caught.value.message, caught.value.fields) == (message, {field: message})
