"""An acknowledgement describes the write it answers, even when a colleague's
write commits in the instant after it (before the answer is sent).

The colleague's write is made deterministic: a listener on the request's
commit writes through another connection right after that commit, which is
the moment an answer read back from the database would pick it up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, update

from cop_vote.extensions import db
from cop_vote.models import Ballot
from tests.web.helpers import csrf_token, make_decision, option_ids, sign_in

#: Its outcome depends on the database: it runs in the PostgreSQL pass too.
pytestmark = pytest.mark.database_semantics


@pytest.fixture
def colleague_after_commit(app: Any, database_url: str) -> Iterator[dict[str, Any]]:
    """Arm with ``plan.update(values=..., organisation_id=...)``; fires once, after
    the first commit of a request's session."""
    engine = create_engine(database_url)
    plan: dict[str, Any] = {}

    test_session = db.session()

    def write(session: Any) -> None:
        # Only a request's own session: not the test's, which commits before each request.
        if session is test_session or not plan.get("values") or plan.get("fired"):
            return
        if session.in_nested_transaction():  # a SAVEPOINT released, not the commit
            return
        plan["fired"] = True
        with engine.begin() as conn:
            conn.execute(
                update(Ballot)
                .where(Ballot.organisation_id == plan["organisation_id"])
                .values(version=Ballot.version + 1, **plan["values"])
            )

    event.listen(db.session, "after_commit", write)
    yield plan
    event.remove(db.session, "after_commit", write)
    engine.dispose()


def test_api_answer_is_the_own_write(
    client: Any, network: dict[str, Any], clock: Any, colleague_after_commit: dict[str, Any]
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first, second = option_ids(decision_id)[:2]
    colleague_after_commit.update(
        organisation_id=network["orgs"]["oxfam"].id,
        values={"content": {"option": second}, "receipt": "COLL-EAGU-E000"},
    )
    db.session.commit()
    answer = client.put(
        f"/api/v1/decisions/{decision_id}/ballot",
        json={"option": first},
        headers=network["headers"]["oxfam1"],
    )
    assert colleague_after_commit.get("fired")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ballot"] == {"option": first}
    assert body["version"] == 1 and answer.headers["ETag"] == '"1"'
    assert body["receipt"] != "COLL-EAGU-E000"
    assert body["cast_by"]["id"] == people["oxfam1"].id


def test_form_answer_is_the_own_write(
    app: Any,
    client: Any,
    network: dict[str, Any],
    clock: Any,
    colleague_after_commit: dict[str, Any],
) -> None:
    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    first, second = option_ids(decision_id)[:2]
    sign_in(client, app, people["oxfam1"])
    token = csrf_token(client.get(f"/decisions/{decision_id}").get_data(as_text=True))
    colleague_after_commit.update(
        organisation_id=network["orgs"]["oxfam"].id,
        values={"content": {"option": second}, "receipt": "COLL-EAGU-E000"},
    )
    db.session.commit()
    answer = client.post(
        f"/decisions/{decision_id}/ballot?lang=en",
        data={"csrf_token": token, "version": "0", "option": str(first)},
        headers={"HX-Request": "true"},
    )
    assert colleague_after_commit.get("fired")
    html = answer.get_data(as_text=True)
    assert "COLL-EAGU-E000" not in html
    # The own choice, not the colleague's.
    assert "ballot: <strong><bdi>Memphis</bdi></strong>" in html, html
    assert 'name="version" value="1"' in html  # a next change is checked against this write
