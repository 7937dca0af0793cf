"""The outcome page says when the published option departs from the decision rule."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from cop_vote.extensions import db
from cop_vote.services import ballots, transitions

from .helpers import make_decision, option_ids, sign_in

NOTICE = "not what the decision rule gives"


def _publish(network: dict[str, Any], clock: Any, chosen_index: int) -> int:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first, second, _third = option_ids(decision_id)
    ballots.cast_ballot(people["adpc"], decision_id, {"option": first}, clock.now)
    ballots.cast_ballot(people["stro"], decision_id, {"option": first}, clock.now)
    transitions.close_decision(people["facilitator"], decision_id, clock.now)
    chosen = (first, second)[chosen_index]
    transitions.publish_decision(people["facilitator"], decision_id, chosen, "Why.", clock.now)
    db.session.commit()
    return decision_id


def test_outcome_following_the_rule_has_no_notice(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _publish(network, clock, 0)
    sign_in(client, app, network["people"]["oxfam1"])
    html = client.get(f"/decisions/{decision_id}/outcome").get_data(as_text=True)
    assert "Memphis" in html and NOTICE not in html


def test_outcome_departing_from_the_rule_says_so(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _publish(network, clock, 1)
    sign_in(client, app, network["people"]["oxfam1"])
    html = client.get(f"/decisions/{decision_id}/outcome").get_data(as_text=True)
    assert "Nashville" in html and NOTICE in html


def _publish_short_of_quorum(network: dict[str, Any], clock: Any, publish_first: bool) -> int:
    """One organisation of four votes where half must: the rule is not met."""
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, quorum=0.5)
    first, _second, _third = option_ids(decision_id)
    ballots.cast_ballot(people["adpc"], decision_id, {"option": first}, clock.now)
    transitions.close_decision(people["facilitator"], decision_id, clock.now)
    chosen = first if publish_first else None
    transitions.publish_decision(people["facilitator"], decision_id, chosen, "Why.", clock.now)
    db.session.commit()
    return decision_id


def test_no_option_published_when_the_rule_is_not_met_has_no_notice(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _publish_short_of_quorum(network, clock, publish_first=False)
    sign_in(client, app, network["people"]["oxfam1"])
    html = client.get(f"/decisions/{decision_id}/outcome").get_data(as_text=True)
    assert NOTICE not in html


def test_an_option_published_when_the_rule_is_not_met_says_so(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    decision_id = _publish_short_of_quorum(network, clock, publish_first=True)
    sign_in(client, app, network["people"]["oxfam1"])
    html = client.get(f"/decisions/{decision_id}/outcome").get_data(as_text=True)
    assert "Memphis" in html and NOTICE in html


def test_the_publish_page_selects_nothing_when_the_rule_is_not_met(
    app: Flask, client: FlaskClient, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, quorum=0.5)
    first, _second, _third = option_ids(decision_id)
    ballots.cast_ballot(people["adpc"], decision_id, {"option": first}, clock.now)
    transitions.close_decision(people["facilitator"], decision_id, clock.now)
    db.session.commit()
    sign_in(client, app, people["facilitator"])
    html = client.get(f"/admin/decisions/{decision_id}/publish").get_data(as_text=True)
    assert "The decision rule is not met" in html
    assert "(selected)" not in html and 'class="winner"' not in html
