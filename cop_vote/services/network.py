"""Setting up an installation: a new empty network, or the kick-off network.

The kick-off data (``cop_vote/data/kickoff-2009.json``) comes from the report
of the PSO kick-off meeting of 4 December 2009; people are invented.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select

from ..domain.errors import Conflict
from ..extensions import db
from ..models import Decision, Network, Organisation, Person
from . import audit, decisions

KICKOFF_KEY = "kickoff-2009"


def kickoff_data() -> dict[str, Any]:
    """The kick-off network as structured data (shipped with the package)."""
    text = resources.files("cop_vote").joinpath("data/kickoff-2009.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def get_network() -> Network | None:
    """The installation's network, or ``None`` before ``cop init``/``load-demo``."""
    return db.session.execute(select(Network).limit(1)).scalar()


def init_network(email: str, name: str, network_name: str, now: datetime) -> Person:
    """A new, empty installation with its first facilitator.

    :raises Conflict: when the installation already has a network.
    """
    if get_network() is not None:
        raise Conflict("This installation already has a network.")
    db.session.add(Network(name=network_name, created_at=now))
    org = Organisation(slug="facilitators", name="Facilitators", short_name="Facilitators",
                       kind="facilitator", voting=False, active=True, created_at=now)
    person = Person(name=name, role="representative", active=True, function="")
    db.session.add(org)
    db.session.flush()
    from .organisations import _apply_person

    _apply_person(person, {"name": name, "email": email, "role": "facilitator"})
    person.organisation = org
    db.session.add(person)
    db.session.flush()
    audit.record("network.created", "network", person, {"name": network_name}, at=now)
    return person


def load_demo(now: datetime) -> dict[str, int]:
    """Load the kick-off network and its form decision, open, closing in two weeks.

    Safe to run twice: organisations, people and decisions that exist (by
    slug, e-mail and title) are left as they are.

    :returns: counts of what was added, e.g. ``{"organisations": 16, ...}``.
    """
    data = kickoff_data()
    added = {"organisations": 0, "people": 0, "decisions": 0}
    network = get_network()
    if network is None:
        net = data["network"]
        db.session.add(Network(name=net["name"], time_zone=net["time_zone"],
                               default_language=net["default_language"], created_at=now))
    orgs: dict[str, Organisation] = {
        o.slug: o for o in db.session.execute(select(Organisation)).scalars()
    }
    for item in data["organisations"]:
        if item["slug"] in orgs:
            continue
        org = Organisation(slug=item["slug"], name=item["name"], short_name=item["short_name"],
                           kind=item["kind"], voting=True, active=True, created_at=now)
        db.session.add(org)
        orgs[org.slug] = org
        added["organisations"] += 1
    db.session.flush()
    emails = {p.email for p in db.session.execute(select(Person)).scalars()}
    facilitator: Person | None = None
    for item in data["people"]:
        if item["email"] in emails:
            if facilitator is None and item["role"] == "facilitator":
                facilitator = db.session.execute(
                    select(Person).where(Person.email == item["email"])).scalar()
            continue
        person = Person(name=item["name"], email=item["email"],
                        organisation=orgs[item["organisation"]], role=item["role"],
                        function=item.get("function", ""), active=True, created_at=now)
        db.session.add(person)
        added["people"] += 1
        if facilitator is None and item["role"] == "facilitator":
            facilitator = person
    db.session.flush()
    form = next(d for d in data["decisions"] if d["key"] == "cop-form")
    title = form["title_en"]
    exists = db.session.execute(select(Decision.id).where(Decision.title == title)).scalar()
    if exists is None:
        decision = decisions.create_decision(facilitator, {
            "title": title,
            "description": form["context_en"] + "\n\n" + form["title_nl"],
            "method": form["method"],
            "results_visibility": form["results_visibility"],
            "options": [{"label": o["label_en"], "description": o["label_nl"]}
                        for o in form["options"]],
            "closes_at": (now + timedelta(days=14)).isoformat(),
        }, now)
        decisions.open_decision(facilitator, decision.id, now)
        added["decisions"] += 1
    return added
