"""Ballot shapes: valid bodies normalise as API.md says; bad ones name their field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cop_vote.domain.ballots import (
    AVAILABILITY,
    CONSENT_POSITIONS,
    METHODS,
    BallotRules,
    is_abstention,
    strip_text,
    validate_ballot,
)
from cop_vote.domain.errors import InvalidInput

IDS = (12, 13, 14)


def rules(method: str, **kwargs: Any) -> BallotRules:
    return BallotRules(method=method, option_ids=IDS, **kwargs)


# --- valid bodies --------------------------------------------------------------------

VALID = [
    ("single_choice", {"option": 12}, {"option": 12}),
    ("single_choice", {"option": "13"}, {"option": 13}),
    ("approval", {"options": [14, 12]}, {"options": [12, 14]}),
    ("approval", {"options": ["13"]}, {"options": [13]}),
    ("ranked", {"ranking": [14, 12, 13]}, {"ranking": [14, 12, 13]}),
    ("ranked", {"ranking": [13]}, {"ranking": [13]}),
    ("score", {"scores": {"13": 0, "12": 4}}, {"scores": {"12": 4, "13": 0}}),
    ("score", {"scores": {"14": 5}}, {"scores": {"14": 5}}),
    ("consent", {"position": "agree"}, {"position": "agree"}),
    ("consent", {"position": "agree", "reason": "  "}, {"position": "agree"}),
    ("consent", {"position": "disagree", "reason": None}, {"position": "disagree"}),
    (
        "consent",
        {"position": "block", "reason": "\u200b Too costly.\n"},
        {"position": "block", "reason": "Too costly."},
    ),
    ("consent", {"position": "abstain"}, {"position": "abstain"}),
    ("consent", {"abstain": True}, {"position": "abstain"}),
    ("dot_vote", {"dots": {"14": 1, "12": 2}}, {"dots": {"12": 2, "14": 1}}),
    ("dot_vote", {"dots": {"12": 1, "13": 0}}, {"dots": {"12": 1}}),
    (
        "meeting_time",
        {"availability": {"13": "if_need_be", "12": "yes"}},
        {"availability": {"12": "yes", "13": "if_need_be"}},
    ),
    ("meeting_time", {"availability": {"14": "no"}}, {"availability": {"14": "no"}}),
]


@pytest.mark.parametrize(("method", "body", "expected"), VALID)
def test_valid_bodies_normalise(method: str, body: object, expected: dict[str, object]) -> None:
    assert validate_ballot(body, rules(method)) == expected


@pytest.mark.parametrize(("method", "body", "expected"), VALID)
def test_normalised_bodies_are_a_fixed_point(
    method: str, body: object, expected: dict[str, object]
) -> None:
    assert validate_ballot(expected, rules(method)) == expected


@pytest.mark.parametrize("method", [m for m in METHODS if m not in ("consent", "discussion")])
def test_abstain_is_possible_for_every_method(method: str) -> None:
    assert validate_ballot({"abstain": True}, rules(method)) == {"abstain": True}
    assert is_abstention({"abstain": True})


def test_is_abstention() -> None:
    assert is_abstention({"position": "abstain"})
    assert not is_abstention({"position": "agree"})
    assert not is_abstention({"option": 12})
    assert not is_abstention({"abstain": False})


def test_score_and_dot_limits_follow_the_rules() -> None:
    assert validate_ballot({"scores": {"12": 10}}, rules("score", max_score=10)) == {
        "scores": {"12": 10}
    }
    assert validate_ballot({"dots": {"12": 5}}, rules("dot_vote", dots=5)) == {"dots": {"12": 5}}
    assert validate_ballot({"dots": {"12": 2}}, rules("dot_vote")) == {"dots": {"12": 2}}


def test_result_shares_nothing_mutable_with_the_body() -> None:
    body = {"ranking": [14, 12]}
    normalised = validate_ballot(body, rules("ranked"))
    body["ranking"].append(13)
    assert normalised == {"ranking": [14, 12]}


def test_long_reason_up_to_the_limit_is_kept() -> None:
    reason = "x" * 20
    got = validate_ballot({"position": "block", "reason": reason}, rules("consent", reason_max=20))
    assert got == {"position": "block", "reason": reason}


# --- invalid bodies -------------------------------------------------------------------

INVALID = [
    # (method, body, field expected in .fields, extra rule kwargs)
    ("single_choice", {"option": 99}, "option", {}),
    ("single_choice", {"option": True}, "option", {}),
    ("single_choice", {"option": 12.0}, "option", {}),
    ("single_choice", {"option": "twelve"}, "option", {}),
    ("single_choice", {"option": "1e1"}, "option", {}),
    ("single_choice", {"option": "\u0661\u0662"}, "option", {}),
    ("single_choice", {"option": None}, "option", {}),
    ("single_choice", {}, "option", {}),
    ("single_choice", {"option": 12, "colour": "red"}, "colour", {}),
    ("approval", {"options": []}, "options", {}),
    ("approval", {"options": [12, 12]}, "options.1", {}),
    ("approval", {"options": [12, 99]}, "options.1", {}),
    ("approval", {"options": 12}, "options", {}),
    ("approval", {"options": [False]}, "options.0", {}),
    ("ranked", {"ranking": [14, 12, 14]}, "ranking.2", {}),
    ("ranked", {"ranking": [12] * 100_000}, "ranking", {}),
    ("score", {"scores": {str(i): 1 for i in range(1000)}}, "scores", {}),
    ("ranked", {"ranking": []}, "ranking", {}),
    ("ranked", {"ranking": [12, 99]}, "ranking.1", {}),
    ("ranked", {"ranking": [True]}, "ranking.0", {}),
    ("ranked", {"ranking": [12.5]}, "ranking.0", {}),
    ("ranked", {"ranking": "12,13"}, "ranking", {}),
    ("ranked", {"option": 12}, "option", {}),
    ("score", {"scores": {"12": 6}}, "scores.12", {}),
    ("score", {"scores": {"12": -1}}, "scores.12", {}),
    ("score", {"scores": {"12": 2.5}}, "scores.12", {}),
    ("score", {"scores": {"12": True}}, "scores.12", {}),
    ("score", {"scores": {"12": "4"}}, "scores.12", {}),
    ("score", {"scores": {"99": 1}}, "scores.99", {}),
    ("score", {"scores": {"12": 1, "012": 2}}, "scores.012", {}),
    ("score", {"scores": {}}, "scores", {}),
    ("score", {"scores": [12, 4]}, "scores", {}),
    ("score", {"scores": {"12": 4}}, "scores.12", {"max_score": 3}),
    ("consent", {"position": "block"}, "reason", {}),
    ("consent", {"position": "block", "reason": ""}, "reason", {}),
    ("consent", {"position": "block", "reason": " \t\n\u00a0\u3000"}, "reason", {}),
    ("consent", {"position": "block", "reason": "\u200b\u200c\u200d\u2060\ufeff"}, "reason", {}),
    ("consent", {"position": "block", "reason": 42}, "reason", {}),
    ("consent", {"position": "agree", "reason": "x" * 21}, "reason", {"reason_max": 20}),
    ("consent", {"position": "agree", "reason": "a\x00b"}, "reason", {}),
    ("consent", {"position": "agree", "reason": "a\ud800b"}, "reason", {}),
    ("consent", {"position": "maybe"}, "position", {}),
    ("consent", {"position": None}, "position", {}),
    ("consent", {"reason": "why"}, "position", {}),
    ("consent", {"position": "agree", "option": 12}, "option", {}),
    ("dot_vote", {"dots": {"12": 3, "13": 1}}, "dots", {}),
    ("dot_vote", {"dots": {"12": 4}}, "dots.12", {}),
    ("dot_vote", {"dots": {"12": 2}}, "dots.12", {"dots_per_option": 1}),
    ("dot_vote", {"dots": {"12": -1}}, "dots.12", {}),
    ("dot_vote", {"dots": {"12": 0}}, "dots", {}),
    ("dot_vote", {"dots": {"12": 1.0}}, "dots.12", {}),
    ("dot_vote", {"dots": {"x": 1}}, "dots.x", {}),
    ("meeting_time", {"availability": {"12": "maybe"}}, "availability.12", {}),
    ("meeting_time", {"availability": {"12": True}}, "availability.12", {}),
    ("meeting_time", {"availability": {"99": "yes"}}, "availability.99", {}),
    ("meeting_time", {"availability": {}}, "availability", {}),
    ("meeting_time", {"availability": ["12"]}, "availability", {}),
    ("single_choice", {"abstain": False}, "abstain", {}),
    ("single_choice", {"abstain": "true"}, "abstain", {}),
    ("single_choice", {"abstain": 1}, "abstain", {}),
    ("ranked", {"abstain": True, "ranking": [12]}, "ranking", {}),
    ("consent", {"abstain": True, "position": "agree"}, "position", {}),
    ("single_choice", [12], "ballot", {}),
    ("single_choice", "12", "ballot", {}),
    ("single_choice", None, "ballot", {}),
    ("single_choice", 12, "ballot", {}),
    ("discussion", {"comment": "hi"}, "ballot", {}),
    ("discussion", {"abstain": True}, "ballot", {}),
]


@pytest.mark.parametrize(("method", "body", "field", "extra"), INVALID)
def test_invalid_bodies_name_their_field(
    method: str, body: object, field: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot(body, rules(method, **extra))
    assert field in caught.value.fields, caught.value.fields
    assert caught.value.message
    assert all(isinstance(v, str) and v for v in caught.value.fields.values())


def test_unknown_option_message_names_the_id() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot({"ranking": [12, 99]}, rules("ranked"))
    assert "99" in caught.value.fields["ranking.1"]
    assert "99" in caught.value.message


def test_discussion_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot({}, rules("discussion"))
    assert caught.value.message == "This decision takes comments only, no ballot."


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot({"scores": {"12": 9, "99": 1}, "colour": 1}, rules("score"))
    assert set(caught.value.fields) == {"scores.12", "scores.99", "colour"}


def test_empty_approval_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_ballot({"options": []}, rules("approval"))
    assert caught.value.fields["options"] == "Choose at least one option or abstain."


# --- rules themselves ------------------------------------------------------------------


def test_rules_refuse_programming_errors() -> None:
    with pytest.raises(ValueError):
        BallotRules(method="lottery", option_ids=IDS)
    with pytest.raises(ValueError):
        BallotRules(method="ranked", option_ids=(1, 1))
    with pytest.raises(ValueError):
        BallotRules(method="score", option_ids=IDS, max_score=0)


def test_rules_keep_a_tuple() -> None:
    assert BallotRules("ranked", [1, 2]).option_ids == (1, 2)  # type: ignore[arg-type]


def test_strip_text() -> None:
    assert strip_text("\ufeff\u2060 a b \u200b\u00a0") == "a b"
    assert strip_text("\u200b") == ""
    assert strip_text("a\u200bb") == "a\u200bb"


def test_constants() -> None:
    assert CONSENT_POSITIONS == ("agree", "abstain", "disagree", "block")
    assert AVAILABILITY == ("yes", "if_need_be", "no")
    assert len(METHODS) == 8


# --- fuzz: anything a client sends gives a ballot or InvalidInput, nothing else ---------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True)
    | st.sampled_from(["12", "13", "99", "", "yes", "block", "abstain", "-1", "1" * 5000])
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["option", "options", "ranking", "scores", "position", "reason", "dots"]
                + ["availability", "abstain", "12", "13", "14", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None)
@given(method=st.sampled_from(METHODS), body=json_values)
def test_any_body_gives_a_ballot_or_invalid_input(method: str, body: object) -> None:
    rule = rules(method, dots_per_option=2)
    try:
        normalised = validate_ballot(body, rule)
    except InvalidInput as error:
        assert error.fields
        return
    assert validate_ballot(normalised, rule) == normalised
