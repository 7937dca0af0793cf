"""The draft form asks for the method first, then shows only that method's fields.

All of it works without JavaScript: the method step is a GET form, and the
method stays changeable on the form through a button that shows the form
again for the chosen method, saving nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.domain.ballots import METHODS
from cop_vote.extensions import db
from cop_vote.models import Decision
from tests.web.admin_helpers import csrf_token, post_form, sign_in

from .test_admin_decisions import form_data
from .test_dutch_everywhere import _dutch_client, content_values, english_in, page_text

NEW = "/admin/decisions/new"

#: The fields only some methods use, by the method that uses them.
OWN_FIELDS = {
    "counting": "ranked",
    "max_score": "score",
    "dots": "dot_vote",
    "dots_per_option": "dot_vote",
    "options-0-starts_at": "meeting_time",
    "options-0-ends_at": "meeting_time",
}


def field_ids(html: str) -> set[str]:
    form = html.split('<form class="sections" method="post"', 1)[1].split("</form>", 1)[0]
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', form))


def decisions() -> list[Decision]:
    db.session.expire_all()
    return list(db.session.execute(select(Decision)).scalars())


def test_the_first_step_asks_only_for_the_method(client: FlaskClient, fac: Any) -> None:
    response = client.get(NEW)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    radios = re.findall(r'<input type="radio" id="method-([a-z_]+)" name="method"', html)
    assert radios == list(METHODS)
    for method in METHODS:  # each choice labelled, with what it asks of the members
        assert f'<label for="method-{method}">' in html
        assert f'id="method-{method}-hint"' in html
    assert 'id="title"' not in html and 'id="options-0-label"' not in html
    assert re.search(r'<form method="get" action="/admin/decisions/new#error-summary"', html)


@pytest.mark.parametrize("query", ["?step=method", "?method=lottery", "?step=method&method="])
def test_no_method_chosen_is_an_error_on_the_step(
    client: FlaskClient, fac: Any, query: str
) -> None:
    response = client.get(NEW + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#method-single_choice"' in html
    assert "<title>Error: " in html
    assert 'id="title"' not in html
    assert decisions() == []


@pytest.mark.parametrize("method", METHODS)
def test_the_form_shows_only_the_chosen_methods_fields(
    client: FlaskClient, fac: Any, method: str
) -> None:
    response = client.get(f"{NEW}?method={method}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    ids = field_ids(html)
    assert {"title", "description", "method", "closes_at", "quorum"} <= ids
    for field, owner in OWN_FIELDS.items():
        assert (field in ids) == (method == owner), (method, field)
    # The method stays changeable: the chosen one is selected in the form.
    assert f'<option selected value="{method}">' in html
    assert 'name="change_method"' in html
    if method == "consent":  # one proposal
        assert "options-0-label" in ids and "options-1-label" not in ids
        assert 'name="add_rows"' not in html
    else:
        assert "options-5-label" in ids and 'name="add_rows"' in html


def test_changing_the_method_keeps_what_was_typed_and_saves_nothing(
    client: FlaskClient, fac: Any
) -> None:
    data = form_data(method="meeting_time", title="Follow-up meeting", change_method="Show")
    response = post_form(client, f"{NEW}?method=single_choice", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' not in html
    ids = field_ids(html)
    assert "options-0-starts_at" in ids and "counting" not in ids
    assert re.search(r'id="title"[^>]*value="Follow-up meeting"', html)
    assert re.search(r'id="options-1-label"[^>]*value="Return migration"', html)
    assert decisions() == []

    # Then "Save draft" saves it with the new method.
    data = form_data(method="ranked", counting="schulze")
    token = csrf_token(response)
    page = client.post(NEW, data={**data, "change_method": "Show", "csrf_token": token})
    assert "counting" in field_ids(page.get_data(as_text=True))
    saved = client.post(NEW, data={**data, "csrf_token": csrf_token(page)})
    assert saved.status_code == 303
    [decision] = decisions()
    assert (decision.method, decision.counting) == ("ranked", "schulze")


def test_enter_in_a_field_saves_the_draft(client: FlaskClient, fac: Any) -> None:
    """A browser sends a form on Enter with its first submit button: "Save draft"."""
    html = client.get(f"{NEW}?method=score").get_data(as_text=True)
    form = html.split('<form class="sections" method="post"', 1)[1]
    first = re.search(r'<input[^>]*type="submit"[^>]*>', form)
    assert first is not None and 'name="submit"' in first.group(0)


def test_editing_a_draft_shows_its_methods_fields(client: FlaskClient, fac: Any) -> None:
    created = post_form(client, NEW, form_data(method="dot_vote", dots="4"))
    assert created.status_code == 303
    [decision] = decisions()
    html = client.get(f"/admin/decisions/{decision.id}/edit").get_data(as_text=True)
    ids = field_ids(html)
    assert {"dots", "dots_per_option"} <= ids and "counting" not in ids
    assert "options-0-starts_at" not in ids
    assert re.search(r'id="dots"[^>]*value="4"', html)


@pytest.mark.parametrize("method", METHODS)
def test_the_steps_read_in_dutch(app: Flask, network: dict[str, Any], method: str) -> None:
    client = _dutch_client(app)
    sign_in(app, client, network["people"]["facilitator"])
    content = content_values()
    for url in (NEW, f"{NEW}?method={method}", f"{NEW}?step=method"):
        html = client.get(url).get_data(as_text=True)
        assert english_in(page_text(html), content) == [], url
    assert "Hoe besluiten de organisaties?" in client.get(NEW).get_data(as_text=True)
