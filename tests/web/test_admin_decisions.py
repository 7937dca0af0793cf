"""Facilitator pages for decisions: drafting, the lifecycle, deadlines across DST."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from cop_vote.extensions import db
from cop_vote.models import Decision, Event
from cop_vote.services import decisions as decision_service
from cop_vote.services.ballots import cast_ballot
from tests.web.admin_helpers import csrf_token, post_form

NEW = "/admin/decisions/new"


@pytest.fixture(autouse=True)
def _unlink_outcomes(app: Flask) -> Any:
    """Break the decision → outcome option cycle after each test.

    conftest's truncation deletes ``option`` before ``decision``; a published
    decision's ``outcome_option_id`` would then fail the foreign key on SQLite.
    """
    yield
    db.session.rollback()
    db.session.execute(update(Decision).values(outcome_option_id=None))
    db.session.commit()


def form_data(options: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    """A complete draft form as a browser sends it (unchecked boxes left out)."""
    data: dict[str, Any] = {
        "title": "Thema's voor de leeragenda 2010",
        "description": "Which theme comes first?",
        "method": "single_choice",
        "counting": "irv",
        "max_score": "5",
        "dots": "3",
        "dots_per_option": "",
        "closes_at": "",
        "quorum": "50",
        "results_visibility": "after_close",
        "ballot_secrecy": "open",
        "comments": "open",
    }
    labels = (
        options
        if options is not None
        else ["Remittances", "Return migration", "Diaspora entrepreneurship", "Brain gain"]
    )
    rows = max(6, len(labels))
    for i in range(rows):
        data[f"options-{i}-label"] = labels[i] if i < len(labels) else ""
        data[f"options-{i}-description"] = ""
        data[f"options-{i}-starts_at"] = ""
        data[f"options-{i}-ends_at"] = ""
    data.update(fields)
    return data


def created_id(response: Any) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.search(r"/admin/decisions/(\d+)#main$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def get(decision_id: int) -> Decision:
    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    assert decision is not None
    return decision


def decision_count() -> int:
    return len(db.session.execute(select(Decision.id)).all())


def input_value(body: str, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', body)
    assert match, field_id
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# --- the whole lifecycle ------------------------------------------------------------------


def test_draft_open_close_publish(
    app: Flask, client: FlaskClient, network: dict[str, Any], fac: Any, clock: Any
) -> None:
    # First the method step, then the form with that method's fields.
    page = client.get(f"{NEW}?method=single_choice").get_data(as_text=True)
    assert 'type="datetime-local"' in page
    assert "Closes at (Europe/Amsterdam)" in page
    assert page.count('id="options-') >= 6 * 2  # six empty rows of label and description

    # Draft with four options (two blank rows are left out).
    decision_id = created_id(
        post_form(client, NEW, form_data(closes_at="2030-06-01T17:00", quorum="50"))
    )
    decision = get(decision_id)
    assert decision.status == "draft"
    assert [o.label for o in decision.options] == [
        "Remittances",
        "Return migration",
        "Diaspora entrepreneurship",
        "Brain gain",
    ]
    assert decision.quorum == "0.5"
    assert decision.closes_at == datetime(2030, 6, 1, 15, 0, tzinfo=UTC)
    assert decision.created_by_id == fac.id
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert "Draft “Thema&#39;s voor de leeragenda 2010” saved." in page or "saved" in page
    assert "3 of 3" not in page  # a draft has no ballots yet

    # Open: confirm page, then POST.
    confirm = client.get(f"/admin/decisions/{decision_id}/open")
    assert confirm.status_code == 200
    assert "3" in confirm.get_data(as_text=True)  # the electorate: three members
    response = client.post(
        f"/admin/decisions/{decision_id}/open", data={"csrf_token": csrf_token(confirm)}
    )
    assert response.status_code == 303
    decision = get(decision_id)
    assert decision.status == "open"
    assert sorted(e.organisation.slug for e in decision.electorate) == [
        "adpc",
        "oxfam-novib",
        "stro",
    ]

    # Members vote (through the service: the ballot pages are not ours).
    first, second = decision.options[0].id, decision.options[1].id
    cast_ballot(network["people"]["adpc"], decision_id, {"option": first}, clock.now)
    cast_ballot(network["people"]["oxfam2"], decision_id, {"option": first}, clock.now)
    cast_ballot(network["people"]["stro"], decision_id, {"option": second}, clock.now)
    db.session.commit()
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert "3 of 3" in page
    overview = client.get("/admin").get_data(as_text=True)
    assert "Thema" in overview and "3 of 3" in overview

    # Close now.
    response = post_form(client, f"/admin/decisions/{decision_id}/close", {})
    assert response.status_code == 303
    assert get(decision_id).status == "closed"

    # Publish: the form starts from the verdict (rule met: Remittances).
    page = client.get(f"/admin/decisions/{decision_id}/publish").get_data(as_text=True)
    assert f'<option selected value="{first}">' in page
    assert "The decision rule is met." in page
    response = post_form(
        client,
        f"/admin/decisions/{decision_id}/publish",
        {"option": str(first), "statement": "Remittances leads the learning agenda for 2010."},
    )
    assert response.status_code == 303
    decision = get(decision_id)
    assert decision.status == "published"
    assert decision.outcome_option_id == first
    assert decision.outcome_statement == "Remittances leads the learning agenda for 2010."
    assert decision.published_at == clock.now
    kinds = [
        e.kind
        for e in db.session.execute(select(Event).order_by(Event.id)).scalars()
        if e.subject == f"decision:{decision_id}" and e.kind.startswith("decision.")
    ]
    assert kinds == ["decision.created", "decision.opened", "decision.closed", "decision.published"]
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert "Remittances leads the learning agenda for 2010." in page
    # A published decision has no more lifecycle actions.
    assert client.get(f"/admin/decisions/{decision_id}/publish").status_code == 303
    assert client.get(f"/admin/decisions/{decision_id}/edit").status_code == 303


def test_publish_shows_the_verdict_reasons_and_no_option(
    app: Flask, client: FlaskClient, network: dict[str, Any], fac: Any
) -> None:
    decision_id = created_id(post_form(client, NEW, form_data(quorum="50")))
    post_form(client, f"/admin/decisions/{decision_id}/open", {})
    post_form(client, f"/admin/decisions/{decision_id}/close", {})
    page = client.get(f"/admin/decisions/{decision_id}/publish").get_data(as_text=True)
    assert "Quorum not met: 0 of 3 organisations cast a ballot; 2 needed (50%)." in page
    assert "No organisation voted for any option." in page
    assert '<option selected value="">' in page
    response = post_form(
        client,
        f"/admin/decisions/{decision_id}/publish",
        {"option": "", "statement": "Too few organisations took part; we meet again."},
    )
    assert response.status_code == 303
    decision = get(decision_id)
    assert (decision.status, decision.outcome_option_id) == ("published", None)


def test_add_more_rows_without_javascript(client: FlaskClient, fac: Any) -> None:
    data = form_data(options=[f"Option {n}" for n in range(1, 7)], add_rows="Add")
    response = post_form(client, NEW, data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="options-8-label"' in body  # 6 + 3 rows
    assert input_value(body, "options-5-label") == "Option 6"
    assert decision_count() == 0
    # The extra rows are used when the form is sent.
    data = form_data(options=[f"Option {n}" for n in range(1, 10)], add_rows=None)
    data.pop("add_rows")
    decision_id = created_id(post_form(client, NEW, data))
    assert len(get(decision_id).options) == 9


def test_every_method_can_be_drafted(client: FlaskClient, fac: Any) -> None:
    for method, extra in (
        ("approval", {}),
        ("consent", {}),
        ("discussion", {}),
        ("ranked", {"counting": "schulze"}),
        ("score", {"max_score": "10"}),
        ("dot_vote", {"dots": "5", "dots_per_option": "2"}),
    ):
        options = [] if method in ("consent", "discussion") else ["A", "B", "C"]
        decision_id = created_id(
            post_form(
                client,
                NEW,
                form_data(options=options, method=method, title=f"A {method} decision", **extra),
            )
        )
        decision = get(decision_id)
        assert decision.method == method
        if method == "ranked":
            assert decision.counting == "schulze"
        if method == "score":
            assert decision.max_score == 10
        if method == "dot_vote":
            assert (decision.dots, decision.dots_per_option) == (5, 2)


def test_meeting_time_slots_round_trip(client: FlaskClient, fac: Any) -> None:
    data = form_data(options=[], method="meeting_time", title="Follow-up meeting")
    data.update(
        {
            "options-0-starts_at": "2030-03-31T01:30",
            "options-0-ends_at": "2030-03-31T03:30",
            "options-2-label": "Evening",
            "options-2-starts_at": "2030-10-27T02:30",
            "options-2-ends_at": "2030-10-27T04:00",
        }
    )
    decision_id = created_id(post_form(client, NEW, data))
    decision = get(decision_id)
    assert [(o.starts_at, o.ends_at) for o in decision.options] == [
        (datetime(2030, 3, 31, 0, 30, tzinfo=UTC), datetime(2030, 3, 31, 1, 30, tzinfo=UTC)),
        (datetime(2030, 10, 27, 0, 30, tzinfo=UTC), datetime(2030, 10, 27, 3, 0, tzinfo=UTC)),
    ]
    body = client.get(f"/admin/decisions/{decision_id}/edit").get_data(as_text=True)
    assert input_value(body, "options-0-starts_at") == "2030-03-31T01:30"
    assert input_value(body, "options-0-ends_at") == "2030-03-31T03:30"
    assert input_value(body, "options-1-starts_at") == "2030-10-27T02:30"
    assert input_value(body, "options-1-label") == "Evening"

    # A slot that ends before it starts names that row's end field (row 4, the 2nd sent).
    data = form_data(options=[], method="meeting_time", title="Bad slots")
    data.update(
        {
            "options-0-starts_at": "2030-05-01T10:00",
            "options-0-ends_at": "2030-05-01T11:00",
            "options-3-starts_at": "2030-05-02T10:00",
            "options-3-ends_at": "2030-05-02T09:00",
        }
    )
    response = post_form(client, NEW, data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert (
        re.search(r'<input[^>]*aria-invalid="true"[^>]*id="options-3-ends_at"', body)
        or re.search(r'id="options-3-ends_at"[^>]*aria-invalid="true"', body)
        or 'id="options-3-ends_at-error"' in body
    )
    assert 'href="#options-3-ends_at"' in body


# --- deadlines and daylight saving --------------------------------------------------------


@pytest.mark.parametrize(
    ("entered", "utc", "zone_abbr"),
    [
        ("2030-10-27T02:30", datetime(2030, 10, 27, 0, 30, tzinfo=UTC), "CEST"),  # fall back
        ("2030-10-27T03:30", datetime(2030, 10, 27, 2, 30, tzinfo=UTC), "CET"),
        ("2030-03-31T03:30", datetime(2030, 3, 31, 1, 30, tzinfo=UTC), "CEST"),  # spring forward
        ("2030-03-31T01:30", datetime(2030, 3, 31, 0, 30, tzinfo=UTC), "CET"),
    ],
)
def test_deadline_round_trip_across_dst(
    client: FlaskClient, fac: Any, entered: str, utc: datetime, zone_abbr: str
) -> None:
    decision_id = created_id(post_form(client, NEW, form_data(closes_at=entered)))
    assert get(decision_id).closes_at == utc
    body = client.get(f"/admin/decisions/{decision_id}/edit").get_data(as_text=True)
    assert input_value(body, "closes_at") == entered
    assert "Closes at (Europe/Amsterdam)" in body
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert f"{entered[11:]} {zone_abbr} (Europe/Amsterdam)" in page

    # Saving the draft again unchanged keeps the same instant.
    data = form_data(closes_at=input_value(body, "closes_at"))
    assert post_form(client, f"/admin/decisions/{decision_id}/edit", data).status_code == 303
    assert get(decision_id).closes_at == utc


def test_extending_an_open_decision_across_dst(client: FlaskClient, fac: Any) -> None:
    decision_id = created_id(post_form(client, NEW, form_data(closes_at="2030-03-30T12:00")))
    assert post_form(client, f"/admin/decisions/{decision_id}/open", {}).status_code == 303
    url = f"/admin/decisions/{decision_id}/edit"
    body = client.get(url).get_data(as_text=True)
    # Only the deadline, the description and the option wording are offered.
    assert 'id="title"' not in body and 'id="method"' not in body and 'id="quorum"' not in body
    assert input_value(body, "closes_at") == "2030-03-30T12:00"
    assert "Closes at (Europe/Amsterdam)" in body

    response = post_form(
        client, url, {"closes_at": "2030-03-31T03:30", "description": "Which theme comes first?"}
    )
    assert response.status_code == 303
    assert get(decision_id).closes_at == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)
    body = client.get(url).get_data(as_text=True)
    assert input_value(body, "closes_at") == "2030-03-31T03:30"

    # Into the gap: a field error, nothing changes.
    response = post_form(client, url, {"closes_at": "2030-03-31T02:30"})
    assert response.status_code == 400
    assert "does not exist in Europe/Amsterdam" in response.get_data(as_text=True)
    # Earlier: refused with the reason.
    response = post_form(client, url, {"closes_at": "2030-03-31T01:00"})
    assert response.status_code == 409
    assert "can only move later" in response.get_data(as_text=True)
    assert get(decision_id).closes_at == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)


def test_a_date_without_a_time_is_refused_not_taken_as_midnight(
    client: FlaskClient, fac: Any
) -> None:
    for entered in ("2030-10-27", " 2030-10-27 "):
        response = post_form(client, NEW, form_data(closes_at=entered))
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert "Give a time as well as the date, e.g. 2030-10-27T17:00." in body
        assert 'href="#closes_at"' in body
    assert decision_count() == 0
    decision_id = created_id(post_form(client, NEW, form_data(closes_at="2030-10-27T17:00")))
    assert get(decision_id).closes_at == datetime(2030, 10, 27, 16, 0, tzinfo=UTC)


def test_the_services_refuse_a_date_without_a_time(app: Flask) -> None:
    from cop_vote.domain.errors import InvalidInput
    from cop_vote.services.timefmt import parse_instant

    for zone in ("Europe/Amsterdam", None):
        with pytest.raises(InvalidInput) as refused:
            parse_instant("2030-10-27", "closes_at", local_zone=zone)
        assert refused.value.fields == {
            "closes_at": "Give a time as well as the date, e.g. 2030-10-27T17:00."
        }
    assert parse_instant("2030-10-27T17:00", "closes_at", local_zone="Europe/Amsterdam") == (
        datetime(2030, 10, 27, 16, 0, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("text", "zone"),
    [("0001-01-01T00:00", "Europe/Amsterdam"), ("9999-12-31T23:59", "America/Los_Angeles")],
)
def test_a_wall_clock_time_beyond_the_calendar_in_utc_is_refused_not_a_crash(
    app: Flask, text: str, zone: str
) -> None:
    from cop_vote.domain.errors import InvalidInput
    from cop_vote.services.timefmt import parse_instant

    with pytest.raises(InvalidInput) as refused:
        parse_instant(text, "closes_at", local_zone=zone)
    assert refused.value.fields == {"closes_at": "A time between the years 2 and 9998."}


def test_deadline_in_the_spring_forward_gap_is_a_field_error(client: FlaskClient, fac: Any) -> None:
    response = post_form(client, NEW, form_data(closes_at="2030-03-31T02:30"))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "That time does not exist in Europe/Amsterdam; choose another." in body
    assert re.search(r'aria-describedby="[^"]*closes_at-error"', body)
    assert 'href="#closes_at"' in body
    assert input_value(body, "closes_at") == "2030-03-31T02:30"  # kept to correct
    assert decision_count() == 0

    # The same on a draft's edit form.
    decision_id = created_id(post_form(client, NEW, form_data(closes_at="2030-03-30T12:00")))
    response = post_form(
        client,
        f"/admin/decisions/{decision_id}/edit",
        form_data(closes_at="2030-03-31T02:59", title="Changed"),
    )
    assert response.status_code == 400
    assert "does not exist in Europe/Amsterdam" in response.get_data(as_text=True)
    decision = get(decision_id)
    assert decision.title == "Thema's voor de leeragenda 2010"
    assert decision.closes_at == datetime(2030, 3, 30, 11, 0, tzinfo=UTC)


# --- editing ------------------------------------------------------------------------------


def test_edit_a_draft_replaces_every_field(client: FlaskClient, fac: Any) -> None:
    decision_id = created_id(post_form(client, NEW, form_data()))
    url = f"/admin/decisions/{decision_id}/edit"
    body = client.get(url).get_data(as_text=True)
    assert input_value(body, "options-3-label") == "Brain gain"
    assert input_value(body, "quorum") == "50"
    response = post_form(
        client,
        url,
        form_data(
            options=["Yes", "No"],
            method="approval",
            title="New title",
            quorum="12.5",
            ballot_secrecy="secret",
            results_visibility="live",
            comments="premoderated",
            facilitator_votes="y",
            proposals_open="y",
        ),
    )
    assert response.status_code == 303
    decision = get(decision_id)
    assert (
        decision.title,
        decision.method,
        decision.quorum,
        decision.ballot_secrecy,
        decision.comments,
        decision.facilitator_votes,
        decision.proposals_open,
    ) == ("New title", "approval", "0.125", "secret", "premoderated", True, True)
    assert decision.results_visibility == "after_close"  # secret implies after close
    assert [o.label for o in decision.options] == ["Yes", "No"]


def test_reword_an_option_of_an_open_decision(client: FlaskClient, fac: Any, clock: Any) -> None:
    decision_id = created_id(post_form(client, NEW, form_data(closes_at="2030-06-01T17:00")))
    post_form(client, f"/admin/decisions/{decision_id}/open", {})
    url = f"/admin/decisions/{decision_id}/edit"
    page = client.get(url)
    body = page.get_data(as_text=True)
    ids = re.findall(r'name="options-(\d+)-id" type="hidden" value="(\d+)"', body) or re.findall(
        r'id="options-(\d+)-id" name="options-\d+-id" type="hidden" value="(\d+)"', body
    )
    assert len(ids) == 4, body
    data = {
        "csrf_token": csrf_token(page),
        "closes_at": "2030-06-01T17:00",
        "description": "Which theme comes first?",
    }
    for row, option_id in ids:
        data[f"options-{row}-id"] = option_id
        data[f"options-{row}-label"] = input_value(body, f"options-{row}-label")
        data[f"options-{row}-description"] = ""
    data["options-3-label"] = "Brain gain (and brain circulation)"
    assert client.post(url, data=data).status_code == 303
    decision = get(decision_id)
    assert decision.options[3].label == "Brain gain (and brain circulation)"
    assert decision.options[3].edited_at == clock.now
    assert decision.options[0].edited_at is None
    assert decision.closes_at == datetime(2030, 6, 1, 15, 0, tzinfo=UTC)

    # A tampered option id is refused and changes nothing.
    page = client.get(url)
    data["csrf_token"] = csrf_token(page)
    data["options-0-id"] = "999999"
    data["options-0-label"] = "Hijacked"
    assert client.post(url, data=data).status_code == 400
    assert get(decision_id).options[0].label == "Remittances"

    # Another option's label (in other case) is refused with the form's error summary.
    page = client.get(url)
    data["csrf_token"] = csrf_token(page)
    data["options-0-id"] = ids[0][1]
    data["options-0-label"] = "BRAIN GAIN (AND BRAIN CIRCULATION)"
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert "Labels must differ." in response.get_data(as_text=True)
    assert get(decision_id).options[0].label == "Remittances"


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_id"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"quorum": "150"}, "quorum"),
        ({"quorum": "abc"}, "quorum"),
        ({"quorum": "-1"}, "quorum"),
        ({"method": "lottery"}, "method"),
        ({"max_score": "lots", "method": "score"}, "max_score"),
        ({"dots": "0", "method": "dot_vote"}, "dots"),
        ({"closes_at": "tomorrow"}, "closes_at"),
        ({"closes_at": "2001-01-01T10:00"}, "closes_at"),
        ({"results_visibility": "always"}, "results_visibility"),
        ({"options-1-label": "remittances"}, "options-1-label"),  # duplicate label
        # A blank row between: the form's row is named, not the service's index.
        ({"options-1-label": "", "options-2-label": "REMITTANCES"}, "options-2-label"),
        ({"options-2-label": "y" * 501}, "options-2-label"),
    ],
)
def test_invalid_draft_rerenders_and_changes_nothing(
    client: FlaskClient, fac: Any, fields: dict[str, str], field_id: str | None
) -> None:
    response = post_form(client, NEW, form_data(**fields))
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'class="error-summary"' in body
    if field_id:
        assert f'href="#{field_id}"' in body
        assert re.search(rf'aria-describedby="[^"]*{field_id}-error"', body)
    assert decision_count() == 0


def test_the_forms_length_limits_are_the_services(client: FlaskClient, fac: Any) -> None:
    """A browser stops typing where the service would refuse, not before."""
    page = client.get(NEW + "?method=single_choice").get_data(as_text=True)
    limits = {
        name: int(found)
        for name, found in re.findall(r'<input[^>]*\bid="([^"]+)"[^>]*\bmaxlength="(\d+)"', page)
    }
    assert limits["title"] == 300 and limits["options-0-label"] == 500, limits
    for name, limit in (("title", 300), ("options-0-label", 500)):
        refused = post_form(client, NEW, form_data(**{name: "x" * (limit + 1)}))
        assert refused.status_code == 400
        assert f'href="#{name}"' in refused.get_data(as_text=True)
        assert decision_count() == 0
    saved = post_form(
        client, NEW, form_data(title="x" * 300, options=["y" * 500, "Return migration"])
    )
    assert saved.status_code == 303
    assert decision_count() == 1


@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
def test_the_forms_own_refusals_and_the_services_come_in_one_answer(
    client: FlaskClient, fac: Any, editing: bool
) -> None:
    """A facilitator fixing a draft meets every refusal at once: the form's own
    (a missing title, a percentage that is not one) and the service's (a past
    deadline, two labels alike), each at its field; nothing is saved."""
    url = NEW
    if editing:
        url = f"/admin/decisions/{created_id(post_form(client, NEW, form_data()))}/edit"
    before = db.session.execute(select(Decision.title, Decision.quorum)).all()
    response = post_form(
        client,
        url,
        form_data(
            title="",
            quorum="lots",
            closes_at="2001-01-01T10:00",
            options=["Remittances", "", "REMITTANCES"],
        ),
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    for field_id in ("title", "quorum", "closes_at", "options-2-label"):
        assert f'href="#{field_id}"' in summary, (field_id, summary)
        assert re.search(rf'aria-describedby="[^"]*{field_id}-error"', body), field_id
    # The form's own message stands alone at its field (the service's is not added).
    assert summary.count('href="#title"') == 1 and summary.count('href="#quorum"') == 1
    db.session.expire_all()
    assert db.session.execute(select(Decision.title, Decision.quorum)).all() == before


def test_a_draft_with_a_past_deadline_and_two_labels_alike_names_both(
    client: FlaskClient, fac: Any
) -> None:
    response = post_form(
        client,
        NEW,
        form_data(closes_at="2001-01-01T10:00", options=["Remittances", "REMITTANCES", "Health"]),
    )
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    summary = body.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#closes_at"' in summary
    # The repeated label is marked at its own field, once.
    assert 'href="#options-1-label"' in summary
    assert summary.count("An earlier option has this label.") == 1
    assert 'aria-describedby="options-1-label-error"' in body
    assert decision_count() == 0


def test_invalid_lifecycle_input_changes_nothing(
    app: Flask, client: FlaskClient, network: dict[str, Any], fac: Any
) -> None:
    # Too few options to open: the message is shown, the draft stays a draft.
    one = created_id(post_form(client, NEW, form_data(options=["Only one"])))
    response = post_form(client, f"/admin/decisions/{one}/open", {})
    assert response.status_code == 409
    assert "needs at least 2 options" in response.get_data(as_text=True)
    assert get(one).status == "draft"

    # Withdraw needs a statement.
    response = post_form(client, f"/admin/decisions/{one}/withdraw", {"statement": "  "})
    assert response.status_code == 400
    assert get(one).status == "draft"
    response = post_form(
        client,
        f"/admin/decisions/{one}/withdraw",
        {"statement": "Merged into the learning agenda decision."},
    )
    assert response.status_code == 303
    assert get(one).status == "withdrawn"
    assert get(one).outcome_statement == "Merged into the learning agenda decision."

    # Publishing with an option of another decision or a blank statement.
    other = created_id(post_form(client, NEW, form_data(title="Other")))
    post_form(client, f"/admin/decisions/{other}/open", {})
    assert client.get(f"/admin/decisions/{other}/publish").status_code == 303  # not closed
    post_form(client, f"/admin/decisions/{other}/close", {})
    for data in (
        {"option": "999999", "statement": "x"},
        {"option": "", "statement": ""},
        {"option": "abc", "statement": "x"},
    ):
        response = post_form(client, f"/admin/decisions/{other}/publish", data)
        assert response.status_code == 400, data
    assert get(other).status == "closed"

    # POSTing a transition that is not allowed now: a message, no change.
    page = client.get(f"/admin/decisions/{other}")
    token = csrf_token(client.get(f"/admin/decisions/{other}/publish"))
    response = client.post(f"/admin/decisions/{other}/open", data={"csrf_token": token})
    assert response.status_code == 409
    assert page.status_code == 200
    assert get(other).status == "closed"

    # Without a CSRF token nothing happens.
    response = client.post(
        f"/admin/decisions/{other}/publish", data={"option": "", "statement": "x"}
    )
    assert response.status_code == 400
    assert get(other).status == "closed"


def test_decision_page_for_a_past_deadline(client: FlaskClient, fac: Any, clock: Any) -> None:
    decision_id = created_id(post_form(client, NEW, form_data(closes_at="2030-06-01T17:00")))
    post_form(client, f"/admin/decisions/{decision_id}/open", {})
    clock.now = datetime(2030, 6, 2, tzinfo=UTC)
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert f"/admin/decisions/{decision_id}/publish" in page
    assert f'/admin/decisions/{decision_id}/close"' not in page
    response = post_form(
        client,
        f"/admin/decisions/{decision_id}/publish",
        {"option": "", "statement": "Closed at the deadline."},
    )
    assert response.status_code == 303
    decision = get(decision_id)
    assert decision.status == "published"
    assert decision.closed_at == datetime(2030, 6, 1, 15, 0, tzinfo=UTC)


def test_member_page_link(client: FlaskClient, fac: Any) -> None:
    decision_id = created_id(post_form(client, NEW, form_data()))
    page = client.get(f"/admin/decisions/{decision_id}").get_data(as_text=True)
    assert f'href="/decisions/{decision_id}"' in page
    assert decision_service.get_decision(fac, decision_id).title


@pytest.mark.parametrize(
    "fields",
    [
        {"closes_at": "0001-01-01T00:00"},
        {"closes_at": "9999-12-31T23:59"},
        {"closes_at": "2030-13-45T99:99"},
        {"closes_at": "\x00"},
        {"quorum": "NaN"},
        {"quorum": "1e999999"},
        {"max_score": "99999999999999999999999", "method": "score"},
        {"options-150-label": "Far away", "options-7-label": "Seventh"},
        {"method": "meeting_time", "options-0-starts_at": "0001-01-01T00:10"},
    ],
)
def test_odd_input_never_500s(client: FlaskClient, fac: Any, fields: dict[str, str]) -> None:
    response = post_form(client, NEW, form_data(**fields))
    assert response.status_code in (303, 400), response.status_code


def test_empty_post_is_a_form_error(client: FlaskClient, fac: Any) -> None:
    for url in (NEW, "/admin/organisations/new", "/admin/people/new"):
        response = post_form(client, url, {})
        assert response.status_code == 400, url
        assert 'class="error-summary"' in response.get_data(as_text=True)
    assert decision_count() == 0
