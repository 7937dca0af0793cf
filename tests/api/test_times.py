"""Deadlines given with offsets come back as the same instant in UTC, across DST."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import API

# Europe/Amsterdam: summer time starts Sunday 30 March 2031 at 02:00 (→ 03:00) and
# ends Sunday 26 October 2031 at 03:00 (→ 02:00).
CASES = [
    ("2031-03-30T01:30:00+01:00", "2031-03-30T00:30:00Z"),  # just before the change
    ("2031-03-30T03:30:00+02:00", "2031-03-30T01:30:00Z"),  # just after it
    ("2031-03-30T01:59:59+01:00", "2031-03-30T00:59:59Z"),
    ("2031-03-30T03:00:00+02:00", "2031-03-30T01:00:00Z"),
    ("2031-10-26T02:30:00+02:00", "2031-10-26T00:30:00Z"),  # the hour that happens twice:
    ("2031-10-26T02:30:00+01:00", "2031-10-26T01:30:00Z"),  # first and second time
    ("2031-10-26T00:30:00Z", "2031-10-26T00:30:00Z"),
    ("2031-10-26T01:30:00.000+00:00", "2031-10-26T01:30:00Z"),
]


@pytest.mark.parametrize(("given", "utc"), CASES)
def test_closes_at_round_trip(
    client: FlaskClient, network: dict[str, Any], given: str, utc: str
) -> None:
    fac = network["headers"]["facilitator"]
    response = client.post(
        f"{API}/decisions",
        headers=fac,
        json={
            "title": "Follow-up meeting",
            "method": "single_choice",
            "options": [{"label": "a"}, {"label": "b"}],
            "closes_at": given,
        },
    )
    assert response.status_code == 201, response.get_json()
    decision = response.get_json()
    assert decision["closes_at"] == utc
    again = client.get(f"{API}/decisions/{decision['id']}", headers=fac).get_json()
    assert again["closes_at"] == utc
    # Opening and extending keep the instant; a later time moves it.
    assert (
        client.post(f"{API}/decisions/{decision['id']}/open", headers=fac).get_json()["closes_at"]
        == utc
    )
    response = client.patch(
        f"{API}/decisions/{decision['id']}",
        headers=fac,
        json={"closes_at": "2031-10-26T02:59:59+01:00"},
    )
    assert response.status_code == 200
    assert response.get_json()["closes_at"] == "2031-10-26T01:59:59Z"


def test_meeting_time_slots_across_dst_are_utc(
    client: FlaskClient, network: dict[str, Any]
) -> None:
    fac = network["headers"]["facilitator"]
    response = client.post(
        f"{API}/decisions",
        headers=fac,
        json={
            "title": "When do we meet?",
            "method": "meeting_time",
            "options": [
                {
                    "starts_at": "2031-03-30T01:00:00+01:00",
                    "ends_at": "2031-03-30T04:00:00+02:00",
                    "label": "Night of the change",
                },
                {"starts_at": "2031-10-26T02:15:00+02:00", "ends_at": "2031-10-26T02:15:00+01:00"},
            ],
        },
    )
    assert response.status_code == 201, response.get_json()
    options = response.get_json()["options"]
    assert (options[0]["starts_at"], options[0]["ends_at"]) == (
        "2031-03-30T00:00:00Z",
        "2031-03-30T02:00:00Z",
    )
    assert (options[1]["starts_at"], options[1]["ends_at"]) == (
        "2031-10-26T00:15:00Z",
        "2031-10-26T01:15:00Z",
    )
    assert options[1]["label"]  # a slot without a label is named after its time
