"""Notifications driven by the event log: who gets which mail, once.

Services are called here as a command would call them: each commit writes its
mails to the outbox, and the queue (in place, in tests) delivers them at once
(see ``cop_vote.notifications``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from cop_vote import notifications
from cop_vote.extensions import db
from cop_vote.models import Decision, Event, Notification
from cop_vote.services import ballots as ballot_service
from cop_vote.services import notify, reminders, transitions
from tests.web.helpers import make_decision, option_ids, outbox

LABELS = ("Memphis", "Nashville", "Atlanta")


def _since(app: Flask, before: int) -> list[Any]:
    return outbox(app)[before:]


def _html(message: Any) -> str:
    (content, mimetype), *_rest = message.alternatives
    assert mimetype == "text/html"
    return str(content)


def _to(messages: list[Any]) -> list[str]:
    return sorted(m.to[0] for m in messages)


REPS = sorted(
    [
        "amina@adpc.example.org",
        "idris@oxfam.example.org",
        "lotte@oxfam.example.org",
        "marieke@stro.example.org",
    ]
)


def test_opening_invites_every_representative_once_with_text_html_and_link(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    before = len(outbox(app))
    did = make_decision(network["people"]["facilitator"], clock.now)
    mails = _since(app, before)
    assert _to(mails) == REPS  # not the facilitator, not the observer
    for message in mails:
        assert "Where do we meet?" in message.subject
        assert f"http://localhost/decisions/{did}" in message.body
        assert f'href="http://localhost/decisions/{did}"' in _html(message)
    # A second look at the same event writes nothing more, and nothing is left to send.
    opened = db.session.execute(select(Event).where(Event.kind == "decision.opened")).scalar_one()
    assert notify.queue_for_events([opened.id], clock.now) == 0
    db.session.commit()
    assert notifications.deliver_due().sent == 0
    assert len(outbox(app)) == before + 4
    assert db.session.execute(select(func.count()).select_from(Notification)).scalar() == 4


def test_a_colleague_change_mails_the_other_representative_only_and_secret_names_no_choice(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, ballot_secrecy="secret")
    first, second, _third = option_ids(did)
    before = len(outbox(app))
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": first}, clock.now)
    db.session.commit()
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": second}, clock.now)
    db.session.commit()
    mails = _since(app, before)
    assert _to(mails) == ["lotte@oxfam.example.org"] * 2
    for message in mails:
        assert "Idris Nuur" in message.body
        text = message.body + _html(message) + message.subject
        assert not any(label in text for label in LABELS)


def test_notifications_none_gets_nothing(app: Flask, network: dict[str, Any], clock: Any) -> None:
    people = network["people"]
    people["oxfam2"].notifications = "none"
    db.session.commit()
    before = len(outbox(app))
    did = make_decision(people["facilitator"], clock.now)
    assert "lotte@oxfam.example.org" not in _to(_since(app, before))
    before = len(outbox(app))
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": option_ids(did)[0]}, clock.now)
    db.session.commit()
    assert _since(app, before) == []


def test_closing_and_publishing_mail_the_electorate_with_the_statement(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    fac = network["people"]["facilitator"]
    did = make_decision(fac, clock.now)
    before = len(outbox(app))
    transitions.close_decision(fac, did, clock.now)
    db.session.commit()
    assert _to(_since(app, before)) == REPS
    before = len(outbox(app))
    statement = "We meet in Memphis on 18 December; the bureau books the room."
    transitions.publish_decision(fac, did, option_ids(did)[0], statement, clock.now)
    db.session.commit()
    mails = _since(app, before)
    assert _to(mails) == REPS
    for message in mails:
        assert statement in message.body and statement in _html(message)
        assert "Memphis" in message.body


def test_a_recorded_ballot_tells_every_representative_who_gave_it(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)
    before = len(outbox(app))
    ballot_service.record_ballot(
        people["facilitator"],
        did,
        "oxfam-novib",
        {"option": option_ids(did)[1]},
        "Idris N.",
        clock.now,
    )
    db.session.commit()
    mails = _since(app, before)
    assert _to(mails) == ["idris@oxfam.example.org", "lotte@oxfam.example.org"]
    assert all("Idris N." in m.body and "Nashville" not in m.body for m in mails)


def test_a_mail_failure_keeps_the_ballot_and_the_mail_which_goes_out_once_later(
    app: Flask, network: dict[str, Any], clock: Any, monkeypatch: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now)

    def broken(self: Any, *args: Any, **kwargs: Any) -> int:
        raise OSError("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("flask_mailman.EmailMultiAlternatives.send", broken)
        before = len(outbox(app))
        ballot_service.cast_ballot(people["oxfam1"], did, {"option": option_ids(did)[0]}, clock.now)
        db.session.commit()
    ballot = ballot_service.find_ballot(did, people["oxfam1"].organisation_id)
    assert ballot is not None and ballot.content is not None
    (row,) = db.session.execute(
        select(Notification).where(Notification.key.like("ballot.cast:%"))
    ).scalars()
    assert row.status == "pending" and row.attempts == 1  # kept, to be tried again
    assert row.last_error == "OSError: mail server down"
    assert row.next_attempt_at == clock.now + timedelta(seconds=30)
    assert notifications.deliver_due().sent == 0  # not due yet
    clock.advance(seconds=30)
    assert notifications.deliver_due().sent == 1
    assert notifications.deliver_due().sent == 0
    (mail,) = _since(app, before)
    assert mail.to == ["lotte@oxfam.example.org"]
    db.session.refresh(row)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 2, clock.now)


def test_reminders_are_due_by_the_decision_s_own_hours(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, days=3)
    decision = db.session.get(Decision, did)
    assert decision is not None
    decision.reminder_hours = 24  # no form or API field sets it yet
    db.session.commit()
    assert reminders.due_reminders(clock.now, 48) == []  # 72 h ahead, own rule 24 h
    later = clock.now + timedelta(hours=49)
    due = reminders.due_reminders(later, 48)
    assert {m.key for m in due} == {
        f"reminder:auto:{did}:{p.id}"
        for p in (people["adpc"], people["oxfam1"], people["oxfam2"], people["stro"])
    }


def test_a_released_savepoint_sends_nothing_before_the_outer_commit(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    """The first ballot is inserted inside a SAVEPOINT; releasing it is not the
    transaction's commit, so an opening rolled back afterwards mails nobody."""
    people = network["people"]
    did = make_decision(people["facilitator"], clock.now, open_it=False)
    first = option_ids(did)[0]
    before = len(outbox(app))
    transitions.open_decision(people["facilitator"], did, clock.now)
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": first}, clock.now)
    db.session.rollback()
    assert _since(app, before) == []
    assert db.session.get(Decision, did).status == "draft"
    transitions.open_decision(people["facilitator"], did, clock.now)
    ballot_service.cast_ballot(people["oxfam1"], did, {"option": first}, clock.now)
    db.session.commit()
    mails = _since(app, before)
    # Once the commit is real: the invitation reaches every organisation ...
    assert "amina@adpc.example.org" in _to(mails)
    # ... and the colleague hears of the ballot (invitation + ballot mail).
    assert _to(mails).count("lotte@oxfam.example.org") == 2


def test_a_recorded_ballot_says_it_replaced_one_only_when_it_did(
    app: Flask, network: dict[str, Any], clock: Any
) -> None:
    people = network["people"]
    people["stro"].language = "en"
    did = make_decision(people["facilitator"], clock.now)
    first, second, _third = option_ids(did)

    def record(option: int) -> list[Any]:
        before = len(outbox(app))
        ballot_service.record_ballot(
            people["facilitator"], did, "stro", {"option": option}, "Marieke", clock.now
        )
        db.session.commit()
        return _since(app, before)

    (mail,) = record(first)
    assert "It replaces" not in mail.body
    (mail,) = record(second)
    assert "It replaces the ballot cast before." in mail.body


def test_a_mailing_reaches_exactly_whom_representatives_names(
    app: Flask, network: dict[str, Any], make_person: Any, clock: Any
) -> None:
    """The mail of an event is written in one INSERT ... SELECT: its
    recipients are those the rule of receives_mail picks, the same rule as
    representatives() (an organisation of several, and the electorate)."""
    orgs, people = network["orgs"], network["people"]
    # Representatives who get no mail, each for another reason.
    make_person(
        orgs["oxfam"], name="No Mail", email="none@oxfam.example.org"
    ).notifications = "none"
    make_person(orgs["stro"], name="Gone", email="gone@stro.example.org").active = False
    make_person(orgs["stro"], name="No Address", email="")
    make_person(orgs["adpc"], name="Second", email="second@adpc.example.org")
    db.session.commit()
    did = make_decision(people["facilitator"], clock.now)
    decision = db.session.get(Decision, did)
    assert decision is not None
    member_ids = (orgs["oxfam"].id, orgs["stro"].id)
    electorate = tuple(e.organisation_id for e in decision.electorate)

    def keys(prefix: str) -> set[str]:
        found = select(Notification.key).where(Notification.key.startswith(prefix))
        return set(db.session.execute(found).scalars())

    to_members = notify.Mailing(
        "test:1:", "ballot", decision, {"at": clock.now}, member_ids, people["oxfam1"].id
    )
    expected = {f"test:1:{p.id}" for p in notify.representatives(member_ids)}
    expected.discard(f"test:1:{people['oxfam1'].id}")
    assert notify.queue_mailing(to_members, clock.now) == len(expected) == 2
    assert keys("test:1:") == expected
    # Everyone of the electorate who gets mail; a second time, nothing more.
    to_all = notify.Mailing("test:2:", "closed", decision, {"at": clock.now})
    expected = {f"test:2:{p.id}" for p in notify.representatives(electorate)}
    assert notify.queue_mailing(to_all, clock.now) == len(expected) == 5
    assert notify.queue_mailing(to_all, clock.now) == 0
    assert keys("test:2:") == expected
