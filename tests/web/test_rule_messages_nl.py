"""A rule's refusal reaches a Dutch reader in Dutch (domain Message → catalog)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .helpers import make_decision, option_ids, post_form, sign_in


def test_too_many_dots_is_explained_in_dutch(
    app: Flask, client: Any, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    decision_id = make_decision(
        people["facilitator"], clock.now, method="dot_vote", dots=3, options=("A", "B")
    )
    first, second = option_ids(decision_id)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, app, people["adpc"])
    page = f"/decisions/{decision_id}"
    response = post_form(
        client, page, f"{page}/ballot", {f"dots-{first}": "2", f"dots-{second}": "2"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "4 stippen geplaatst; elke organisatie heeft er 3." in html
    assert "4 dots placed" not in html


def test_the_verdict_is_explained_in_dutch(
    app: Flask, client: Any, network: dict[str, Any], clock: Any
) -> None:
    from cop_vote.extensions import db
    from cop_vote.services import transitions

    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now, quorum=0.5)
    transitions.close_decision(people["facilitator"], decision_id, clock.now)
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    sign_in(client, app, people["adpc"])
    html = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
    assert "Quorum niet gehaald: 0 van de 3 organisaties hebben gestemd; 2 nodig (50%)." in html
    assert "Quorum not met" not in html
