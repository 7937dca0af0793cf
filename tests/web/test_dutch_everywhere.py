"""A Dutch reader sees no English interface text: pages, mails and the catalogue.

Every GET page of ``app.url_map`` is rendered in Dutch for each role on the
seeded kick-off network, with decisions in the states whose sentences are most
at risk (a consent decision blocked, an instant-runoff count with rounds, a
tie, a decision closed early). What people typed (titles, options, comments,
names: the demo's content is English for now) is taken out of the text first;
what is left is the interface, and it must hold none of the English words
below. The catalogue is checked too: a fresh ``pybabel extract`` finds no
message that the Dutch catalogue lacks, leaves empty or marks fuzzy.

Needs the compiled catalogue: ``pybabel compile -d cop_vote/translations``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cop_vote.extensions import db
from cop_vote.models import (
    ApiToken,
    Attendance,
    Ballot,
    Comment,
    CommentReport,
    Decision,
    FollowUpAction,
    Meeting,
    Network,
    Notification,
    Objection,
    Option,
    Organisation,
    OutcomeHistory,
    Person,
)
from cop_vote.services import ballots, decision_options, decisions, latecomers, transitions
from tests.seed import ROLES, Seeded, seed

from .conftest import _client
from .helpers import outbox, sign_in
from .test_security_headers import FRAGMENTS, get_urls

ROOT = Path(__file__).resolve().parents[2]

#: Words and fragments of English interface text that no Dutch sentence holds.
#: (Words Dutch shares, such as "in", "is", "of", "open" or "deadline", are left out.)
ENGLISH = (
    "the",
    "and",
    "with",
    "your",
    "you",
    "not",
    "this",
    "that",
    "there",
    "which",
    "will",
    "cannot",
    "must",
    "please",
    "to",
    "for",
    "from",
    "by",
    "has",
    "have",
    "been",
    "was",
    "were",
    "yes",
    "organisation",
    "organisations",
    "ballot",
    "ballots",
    "vote",
    "votes",
    "voted",
    "option",
    "options",
    "comment",
    "comments",
    "blocked",
    "tie",
    "between",
    "choose",
    "exist",
    "round",
    "rounds",
    "eliminated",
    "winner",
    "winners",
    "sum",
    "first_preferences",
    "agree",
    "disagree",
    "closed",
    "closes",
    "published",
    "required",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "January",
    "February",
    "March",
    "May",
    "June",
    "July",
    "October",
)
_ENGLISH = re.compile(r"(?<![\w/.@-])(" + "|".join(ENGLISH) + r")(?![\w/@-])", re.I)
_PLURAL_S = re.compile(r"\w\(s\)")

#: Columns that hold what people typed: taken out before the check.
CONTENT = (
    (Network, "name"),
    (Organisation, "name"),
    (Organisation, "short_name"),
    (Organisation, "slug"),
    (Person, "name"),
    (Person, "email"),
    (Person, "function"),
    (ApiToken, "label"),
    (Decision, "title"),
    (Decision, "description"),
    (Decision, "outcome_statement"),
    (OutcomeHistory, "statement"),
    (OutcomeHistory, "reason"),
    (Option, "label"),
    (Option, "description"),
    (Objection, "text"),
    (Ballot, "given_by"),
    (Comment, "body"),
    (Comment, "hidden_reason"),
    (Comment, "note"),
    (CommentReport, "reason"),
    (Notification, "last_error"),
    (Meeting, "title"),
    (Meeting, "location"),
    (Attendance, "note"),
    (FollowUpAction, "text"),
)

#: Attributes whose text a reader meets (a screen reader reads them aloud).
_READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")


class _Text(HTMLParser):
    """The text a reader meets in an HTML page: text nodes and read-aloud attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and name in _READ_ATTRIBUTES:
                self.parts.append(value)
        kind = dict(attrs).get("type")
        if tag == "input" and kind in ("submit", "button"):
            self.parts.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    """The reader's text of a page, one part a line."""
    parser = _Text()
    parser.feed(html)
    return "\n".join(part.strip() for part in parser.parts if part.strip())


def content_values() -> list[str]:
    """What people typed, longest first (so a long text goes before its parts).

    A meeting slot's label made from its times is not typed: it stays in.
    """
    values: set[str] = set()
    for model, column in CONTENT:
        for value in db.session.execute(select(getattr(model, column))).scalars():
            if isinstance(value, str) and len(value.strip()) >= 2:
                values.add(value.strip())
                values.update(line.strip() for line in value.splitlines() if line.strip())
    for option in db.session.execute(select(Option)).scalars():
        if option.starts_at is not None and option.ends_at is not None:
            zone = decision_options.network_zone()
            values.discard(decision_options.slot_label(option.starts_at, option.ends_at, zone))
    return sorted(values, key=len, reverse=True)


def english_in(text: str, content: list[str]) -> list[str]:
    """The English fragments left in ``text`` once the typed content is taken out."""
    for value in content:
        text = text.replace(value, " ")

    def shortened(match: re.Match[str]) -> str:  # Jinja's truncate: "start of a text..."
        stem = match.group(0)[:-3].strip()
        return " " if stem and any(value.startswith(stem) for value in content) else match.group(0)

    text = re.sub(r"[^\n:]*\.\.\.", shortened, text)
    found = [f"{m.group(0)!r} in {_line(text, m.start())!r}" for m in _ENGLISH.finditer(text)]
    found += [f"{m.group(0)!r} in {_line(text, m.start())!r}" for m in _PLURAL_S.finditer(text)]
    return found


def _line(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start : end if end != -1 else len(text)][:160]


def test_the_word_check_catches_the_known_leaks() -> None:
    leaks = (
        "Blocked by 1 organisation.",
        "Gelijke stand tussen A and B.",
        "That time does not exist in Europe/Amsterdam; choose another.",
        "3 organisatie(s)",
        "first_preferences: 1",
        "Monday 14 December 2009",
    )
    for leak in leaks:
        assert english_in(leak, ["A", "B"]), leak
    dutch = (
        "Gelijke stand tussen A en B. 1 van 15 organisaties heeft gestemd; "
        "deadline in Europe/Amsterdam."
    )
    assert english_in(dutch, ["A", "B"]) == []


def _more_decisions(seeded: Seeded, now: Any) -> dict[str, int]:
    """Closed decisions whose sentences a seed alone does not reach."""
    facilitator = seeded.people["facilitator"]
    voters = [
        p
        for p in db.session.execute(select(Person).order_by(Person.id)).scalars()
        if p.role == "representative" and p.organisation is not None and p.organisation.voting
    ]
    seen: set[int] = set()
    one_each = []
    for p in voters:
        if p.organisation_id not in seen:
            seen.add(p.organisation_id or 0)
            one_each.append(p)

    def make(title: str, method: str, labels: tuple[str, ...], **fields: Any) -> Decision:
        data: dict[str, Any] = {
            "title": title,
            "method": method,
            "closes_at": (now + timedelta(days=7)).isoformat(),
            "results_visibility": "live",
            **fields,
        }
        if labels:
            data["options"] = [{"label": label} for label in labels]
        made = decisions.create_decision(facilitator, data, now)
        transitions.open_decision(facilitator, made.id, now)
        return made

    consent = make("Adopt the charter", "consent", ())
    ballots.cast_ballot(one_each[0], consent.id, {"position": "block", "reason": "Too soon."}, now)
    ballots.cast_ballot(one_each[1], consent.id, {"position": "agree"}, now)
    ranked = make("Pick a chair", "ranked", ("Ann", "Bob", "Cyd"), counting="irv")
    a, b, c = (o.id for o in ranked.options)
    for person, ranking in zip(one_each[:5], ([a, b], [a, c], [b, a], [c, b], [b, c]), strict=True):
        ballots.cast_ballot(person, ranked.id, {"ranking": ranking}, now)
    tie = make("Pick a venue", "single_choice", ("Utrecht", "Den Haag"), quorum=0.5)
    first, second = (o.id for o in tie.options)
    ballots.cast_ballot(one_each[0], tie.id, {"option": first}, now)
    ballots.cast_ballot(one_each[1], tie.id, {"option": second}, now)
    for made in (consent, ranked, tie):
        transitions.close_decision(facilitator, made.id, now)
    db.session.commit()
    return {"consent": consent.id, "ranked": ranked.id, "tie": tie.id}


def _changes_and_latecomers(seeded: Seeded, now: Any) -> None:
    """The open decision changed after opening (a change note of each kind) and
    an organisation added to its electorate; another left out, so that the
    facilitator's page to add one shows its form."""
    facilitator = seeded.people["facilitator"]
    open_id = seeded.decisions["open"]
    form = db.session.get(Decision, open_id)
    assert form is not None and form.closes_at is not None
    first = form.options[0]
    decisions.update_decision(
        facilitator,
        open_id,
        {
            "closes_at": (form.closes_at + timedelta(days=1)).isoformat(),
            "description": (form.description or "") + " (bijgewerkt)",
            # The note quotes labels as written (content, in the decision's
            # language); the description's rewording keeps to the current label.
            "options": [{"id": first.id, "description": "Bijgewerkt."}],
        },
        now,
    )
    for slug, name in (("laat", "Stichting Laatkomer"), ("later", "Vereniging Later")):
        db.session.add(Organisation(slug=slug, name=name, short_name=name, kind="ngo"))
    db.session.flush()
    late = db.session.execute(select(Organisation).where(Organisation.slug == "laat")).scalar_one()
    latecomers.add_organisation(facilitator, open_id, late.id, now)
    db.session.commit()


@pytest.fixture
def seeded(app: Flask, clock: Any) -> Seeded:
    made = seed(app, clock.now)
    made.extra["closed"] = _more_decisions(made, clock.now)
    _changes_and_latecomers(made, clock.now)
    return made


def _dutch_client(app: Flask) -> FlaskClient:
    client = _client(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nl"
    client.set_cookie("lang", "nl")
    return client


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_every_page_in_dutch_holds_no_english(app: Flask, seeded: Seeded, role: str) -> None:
    client = _dutch_client(app)
    if role != "anonymous":
        sign_in(client, app, seeded.people[role])
    urls = [url for url in get_urls(app, seeded, "not-a-link") if not url.startswith("/api/")]
    for key, decision_id in seeded.extra["closed"].items():
        urls += [
            url.replace(f"/{seeded.decisions['open']}", f"/{decision_id}")
            for url in urls
            if f"/decisions/{seeded.decisions['open']}" in url
        ]
        del key
    content = content_values()
    leaks: dict[str, list[str]] = {}
    shown = 0
    for url in sorted(set(urls)):
        response = client.get(url)
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            continue
        shown += response.status_code == 200
        found = english_in(page_text(response.get_data(as_text=True)), content)
        if found:
            leaks[url] = found
    if role != "anonymous":
        for template, target in FRAGMENTS:
            url = template.format(**seeded.decisions)
            response = client.get(url, headers={"HX-Request": "true", "HX-Target": target})
            found = english_in(page_text(response.get_data(as_text=True)), content)
            if found:
                leaks[f"{url} #{target}"] = found
    assert leaks == {}
    assert shown >= {"facilitator": 40, "anonymous": 1}.get(role, 12)


def test_the_main_mails_in_dutch_hold_no_english(app: Flask, seeded: Seeded, clock: Any) -> None:
    """Opened, closed, published (a count with rounds, a tie), a reminder, a sign-in link."""
    from cop_vote.services import reminders

    facilitator = seeded.people["facilitator"]
    for person in db.session.execute(select(Person)).scalars():
        person.language = "nl"
    db.session.commit()
    before = len(outbox(app))
    made = decisions.create_decision(
        facilitator,
        {
            "title": "New",
            "method": "single_choice",
            "closes_at": (clock.now + timedelta(days=1)).isoformat(),
            "options": [{"label": "X"}, {"label": "Y"}],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, made.id, clock.now)
    reminders.remind(facilitator, made.id, clock.now)
    # Changes in the open: a voter of the reworded option is asked to confirm;
    # a latecomer is told it can vote.
    voter = seeded.people["representative"]
    ballots.cast_ballot(voter, made.id, {"option": made.options[0].id}, clock.now)
    decisions.update_decision(
        facilitator,
        made.id,
        {
            "closes_at": (clock.now + timedelta(days=2)).isoformat(),
            "options": [{"id": made.options[0].id, "label": "X2"}],
        },
        clock.now,
    )
    decisions.update_decision(facilitator, made.id, {"description": "Nieuw."}, clock.now)
    later = Organisation(slug="nieuw", name="Stichting Nieuw", short_name="Nieuw", kind="ngo")
    db.session.add(later)
    db.session.add(
        Person(name="Laat", email="laat@nieuw.example.org", organisation=later, language="nl")
    )
    db.session.flush()
    latecomers.add_organisation(facilitator, made.id, later.id, clock.now)
    start = clock.now.replace(hour=13, minute=0, second=0, microsecond=0) + timedelta(days=30)
    slots = decisions.create_decision(
        facilitator,
        {
            "title": "When",
            "method": "meeting_time",
            "closes_at": (clock.now + timedelta(days=1)).isoformat(),
            "options": [
                {
                    "starts_at": (start + timedelta(days=d)).isoformat(),
                    "ends_at": (start + timedelta(days=d, hours=3)).isoformat(),
                }
                for d in (0, 1)
            ],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, slots.id, clock.now)
    transitions.close_decision(facilitator, slots.id, clock.now)
    transitions.publish_decision(facilitator, slots.id, slots.options[0].id, "Then.", clock.now)
    closed = seeded.extra["closed"]
    for key in ("ranked", "tie", "consent"):
        transitions.publish_decision(facilitator, closed[key], None, "Agreed.", clock.now)
    transitions.close_decision(facilitator, seeded.decisions["open"], clock.now)
    db.session.commit()
    client = _dutch_client(app)
    sign_in(client, app, seeded.people["representative"])
    sent = outbox(app)[before:]
    kinds = {message.subject for message in sent}
    assert len(kinds) >= 5, kinds
    bodies = [m.body for m in sent]
    assert any("bevestig daarna je stem" in b for b in bodies)  # the confirm version
    assert any("De stem van je organisatie blijft ongewijzigd" in b for b in bodies)
    assert any("toegevoegd aan de kiesgerechtigden" in b for b in bodies)
    content = content_values()
    leaks = {}
    for message in sent:
        html = str(message.alternatives[0][0]) if message.alternatives else ""
        text = message.subject + "\n" + message.body + "\n" + page_text(html)
        found = english_in(text, content)
        if found:
            leaks[message.subject] = found
    assert leaks == {}


def test_the_dutch_catalogue_has_every_message(tmp_path: Path) -> None:
    """A fresh extraction finds nothing the Dutch catalogue lacks, leaves empty or marks fuzzy."""
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "lazy_ngettext": (1, 2),
        "Message": None,
        "Plural": (1, 2),
    }
    method_map = [
        ("cop_vote/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    extracted = {
        (message if isinstance(message, str) else tuple(message))
        for _path, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=keywords
        )
        if message
    }
    with (ROOT / "cop_vote/translations/nl/LC_MESSAGES/messages.po").open("rb") as f:
        catalogue = read_po(f)
    missing = sorted(
        repr(key) for key in extracted if (key if isinstance(key, str) else key[0]) not in catalogue
    )
    untranslated = sorted(
        repr(m.id)
        for m in catalogue
        if m.id
        and (not m.string or (isinstance(m.string, tuple | list) and not all(m.string)) or m.fuzzy)
    )
    assert missing == []
    assert untranslated == []


@pytest.mark.parametrize(
    "fields",
    [
        {"closes_at": "2030-10-27"},  # a date alone
        {"closes_at": "2030-03-31T02:30"},  # the spring-forward gap
        {"closes_at": "2009-12-04T10:00"},  # passed
        {"options-1-label": "Remittances"},  # two options alike
        {"method": "dot_vote", "dots": "2", "dots_per_option": "3"},
        {"method": "consent"},  # four options for one proposal
        {
            "method": "meeting_time",
            "options-0-label": "",
            "options-0-starts_at": "2030-05-02T10:00",
            "options-0-ends_at": "2030-05-02T09:00",
        },
        {
            "method": "meeting_time",
            "options-0-label": "",
            "options-0-starts_at": "2030-03-31T02:15",
            "options-0-ends_at": "2030-03-31T04:00",
        },
    ],
)
def test_draft_form_errors_in_dutch_hold_no_english(
    app: Flask, network: dict[str, Any], fields: dict[str, str]
) -> None:
    from .helpers import post_form
    from .test_admin_decisions import form_data

    client = _dutch_client(app)
    sign_in(client, app, network["people"]["facilitator"])
    data = form_data(**fields)
    response = post_form(client, "/admin/decisions/new", "/admin/decisions/new", data)
    assert response.status_code in (400, 409), fields
    html = response.get_data(as_text=True)
    assert "Fout:" in html
    typed = sorted((v for v in data.values() if len(v) >= 2), key=len, reverse=True)
    assert english_in(page_text(html), typed + content_values()) == []


def test_meeting_slots_are_named_in_the_readers_language(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    from datetime import UTC, datetime

    facilitator = network["people"]["facilitator"]
    made = decisions.create_decision(
        facilitator,
        {
            "title": "Follow-up meeting",
            "method": "meeting_time",
            "closes_at": "2030-01-01T12:00:00+01:00",
            "options": [
                {"starts_at": "2030-01-15T14:00:00+01:00", "ends_at": "2030-01-15T17:00:00+01:00"},
                {"starts_at": "2030-01-17T14:00:00+01:00", "ends_at": "2030-01-18T10:00:00+01:00"},
                {
                    "label": "Thursday lunch",
                    "starts_at": "2030-01-17T12:00:00+01:00",
                    "ends_at": "2030-01-17T13:00:00+01:00",
                },
            ],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, made.id, clock.now)
    db.session.commit()
    assert made.options[0].starts_at == datetime(2030, 1, 15, 13, 0, tzinfo=UTC)
    assert made.options[0].label.startswith("Tue 2030-01-15 ")  # stored, as the API gives it
    client = _dutch_client(app)
    sign_in(client, app, network["people"]["adpc"])
    dutch = client.get(f"/decisions/{made.id}").get_data(as_text=True)
    assert "di 15 jan 2030 14:00–17:00 CET" in dutch
    assert "do 17 jan 2030 14:00–vr 18 jan 2030 10:00 CET" in dutch
    assert "Thursday lunch" in dutch  # a label someone typed stays as typed
    assert "Tue 2030-01-15" not in dutch
    english = client.get(f"/decisions/{made.id}?lang=en").get_data(as_text=True)
    assert "Tue 15 Jan 2030 14:00–17:00 CET" in english


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/organisations/new", {"name": "Oxfam Novib", "kind": "ngo", "voting": "y"}),
        ("/admin/organisations/new", {"name": "Nieuw", "slug": "Geen Slug", "kind": "ngo"}),
        ("/admin/organisations/new", {"name": "Nieuw", "slug": "stro", "kind": "ngo"}),
        (
            "/admin/people/new",
            {"name": "Ama", "email": "amina@adpc.example.org", "role": "observer"},
        ),
        ("/admin/people/new", {"name": "Ama", "email": "not-an-address", "role": "observer"}),
        (
            "/admin/people/new",
            {"name": "Ama", "email": "ama@example.org", "role": "representative"},
        ),
        ("/admin/meetings", {"title": "Overleg", "held_on": "4 december", "location": ""}),
    ],
)
def test_facilitator_form_errors_in_dutch_hold_no_english(
    app: Flask, network: dict[str, Any], url: str, data: dict[str, str]
) -> None:
    from .helpers import post_form

    client = _dutch_client(app)
    sign_in(client, app, network["people"]["facilitator"])
    response = post_form(client, url, url, data)
    assert response.status_code in (400, 409), response.status_code
    html = response.get_data(as_text=True)
    typed = sorted((v for v in data.values() if len(v) >= 2), key=len, reverse=True)
    assert english_in(page_text(html), typed + content_values()) == []


def test_member_refusals_in_dutch_hold_no_english(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    """Reporting a comment twice is refused in Dutch."""
    from cop_vote.services import comments as comment_service

    from .helpers import make_decision, post_form

    people = network["people"]
    decision_id = make_decision(people["facilitator"], clock.now)
    comment = comment_service.add_comment(people["adpc"], decision_id, "Hello.", clock.now)
    db.session.commit()
    client = _dutch_client(app)
    sign_in(client, app, people["stro"])
    url = f"/comments/{comment.id}/report"
    first = post_form(client, url, url, {"reason": "Onvriendelijk."})
    assert first.status_code in (200, 303)
    again = post_form(client, url, url, {"reason": "Nog steeds."})
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "Je hebt deze reactie al gemeld." in page
    assert english_in(page_text(page), ["Onvriendelijk.", "Nog steeds.", *content_values()]) == []


def test_options_eliminated_together_are_joined_in_dutch(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    from .helpers import make_decision, option_ids

    people = network["people"]
    decision_id = make_decision(
        people["facilitator"],
        clock.now,
        method="ranked",
        counting="irv",
        options=("Ann", "Bob", "Cyd", "Dee"),
        results_visibility="live",
    )
    ann, bob, _cyd, _dee = option_ids(decision_id)
    ballots.cast_ballot(people["adpc"], decision_id, {"ranking": [ann]}, clock.now)
    ballots.cast_ballot(people["oxfam1"], decision_id, {"ranking": [bob]}, clock.now)
    ballots.cast_ballot(people["stro"], decision_id, {"abstain": True}, clock.now)
    db.session.commit()
    client = _dutch_client(app)
    sign_in(client, app, people["adpc"])
    html = client.get(f"/decisions/{decision_id}/results").get_data(as_text=True)
    assert "Cyd en Dee vallen samen af." in html
    english = client.get(f"/decisions/{decision_id}/results?lang=en").get_data(as_text=True)
    assert "Cyd and Dee are eliminated together." in english


def test_invitations_and_alerts_in_dutch_hold_no_english(
    app: Flask, seeded: Seeded, clock: Any
) -> None:
    """An invitation, the alerts on a report, a pre-moderated comment and a
    close, and the daily digest, to Dutch readers."""
    from cop_vote.services import alerts, comments, moderation
    from cop_vote.services import organisations as org_service

    facilitator = seeded.people["facilitator"]
    for person in db.session.execute(select(Person)).scalars():
        person.language = "nl"
    for name, choice in (("Eerste", "immediate"), ("Tweede", "digest")):
        db.session.add(
            Person(
                name=f"{name} Facilitator",
                email=f"{name.lower()}@pso.example.org",
                role="facilitator",
                organisation=facilitator.organisation,
                language="nl",
                alerts=choice,
                function="",
            )
        )
    db.session.commit()
    before = len(outbox(app))
    org_service.create_person(
        facilitator,
        {"name": "Nieuw Lid", "email": "nieuw@example.org", "role": "observer", "language": "nl"},
        clock.now,
    )
    premoderated = decisions.create_decision(
        facilitator,
        {
            "title": "Vooraf",
            "method": "approval",
            "comments": "premoderated",
            "closes_at": (clock.now + timedelta(days=3)).isoformat(),
            "options": [{"label": "Ja"}, {"label": "Nee"}],
        },
        clock.now,
    )
    transitions.open_decision(facilitator, premoderated.id, clock.now)
    representative, colleague = seeded.people["representative"], seeded.extra["colleague"]
    comments.add_comment(representative, premoderated.id, "Eerst lezen.", clock.now)
    said = comments.add_comment(representative, seeded.decisions["open"], "Hm.", clock.now)
    moderation.report_comment(colleague, said.id, "Grof.", clock.now)
    transitions.close_decision(facilitator, seeded.decisions["open"], clock.now)
    db.session.commit()
    # Noon the next day in the network's zone: the digest counts the day before.
    zone = ZoneInfo("Europe/Amsterdam")
    next_day = clock.now.astimezone(zone).date() + timedelta(days=1)
    clock.now = datetime.combine(next_day, time(12), zone).astimezone(UTC)
    assert alerts.send_digests(clock.now, "Europe/Amsterdam", 8)
    db.session.commit()
    sent = [
        m for m in outbox(app)[before:] if m.to[0] in ("nieuw@example.org",) or "pso" in m.to[0]
    ]
    assert len({m.subject for m in sent}) >= 5, [m.subject for m in sent]
    content = content_values()
    leaks = {}
    for message in sent:
        html = str(message.alternatives[0][0]) if message.alternatives else ""
        found = english_in(message.subject + "\n" + message.body + "\n" + page_text(html), content)
        if found:
            leaks[message.subject] = found
    assert leaks == {}
