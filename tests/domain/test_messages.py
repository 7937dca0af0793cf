"""Messages of the rules are English text that keeps its template for translation."""

from __future__ import annotations

import pytest

from cop_vote.domain.ballots import BallotRules, validate_ballot
from cop_vote.domain.errors import InvalidInput, Message


def test_a_message_is_its_english_text_and_keeps_template_and_values() -> None:
    message = Message("There is no option %(id)s in this decision.", id=12)
    assert message == "There is no option 12 in this decision."
    assert message.template == "There is no option %(id)s in this decision."
    assert message.values == {"id": 12}
    assert Message("100% sure") == "100% sure"  # no values: not formatted


def test_ballot_problems_carry_their_templates() -> None:
    rules = BallotRules(method="dot_vote", option_ids=(1, 2), dots=3)
    with pytest.raises(InvalidInput) as info:
        validate_ballot({"dots": {"1": 2, "2": 2}}, rules)
    problem = info.value.fields["dots"]
    assert isinstance(problem, Message)
    assert problem == "4 dots placed; each organisation has 3."
    assert problem.template == "%(placed)s dots placed; each organisation has %(dots)s."
    assert problem.values == {"placed": 4, "dots": 3}
