"""The ``flask cop`` commands: exit codes, output, idempotence."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from cop_vote.extensions import db
from cop_vote.models import Decision, Event, Meeting, Organisation, Person


def test_load_demo_twice_loads_the_kickoff_network_once(runner: Any) -> None:
    first = runner.invoke(args=["cop", "load-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["cop", "load-demo"])
    assert second.exit_code == 0
    assert db.session.execute(select(func.count()).select_from(Organisation)).scalar() == 16
    assert db.session.execute(select(func.count()).select_from(Person)).scalar() == 18
    loaded = {d.method: d for d in db.session.execute(select(Decision)).scalars()}
    assert sorted(loaded) == ["discussion", "dot_vote", "meeting_time", "single_choice"]
    form = loaded["single_choice"]
    assert form.status == "open" and len(form.options) == 4
    assert len(form.electorate) == 15  # every member but PSO, present or not
    questions = loaded["dot_vote"].options
    assert len(questions) == 8 and all(o.proposed_by is not None for o in questions)
    assert {o.proposed_by.slug for o in questions} >= {"oxfam-novib", "cordaid", "adpc"}
    slots = loaded["meeting_time"].options
    assert len(slots) == 3 and all(o.starts_at < o.ends_at for o in slots)
    # The kick-off meeting with the annex's attendance and its follow-up actions, once.
    [meeting] = db.session.execute(select(Meeting)).scalars().all()
    assert meeting.held_on.isoformat() == "2009-12-04"
    assert len(meeting.attendance) == 16 and len(meeting.actions) == 4
    statuses = [a.status for a in meeting.attendance]
    assert (statuses.count("present"), statuses.count("excused"), statuses.count("absent")) == (
        9,
        4,
        3,
    )
    assert {a.owner.slug for a in meeting.actions} == {"pso"}
    assert "0 meetings added" in second.stderr


def test_load_demo_if_empty_leaves_an_initialised_network(runner: Any) -> None:
    assert runner.invoke(args=["cop", "init", "--facilitator", "f@example.org"]).exit_code == 0
    result = runner.invoke(args=["cop", "load-demo", "--if-empty"])
    assert result.exit_code == 0
    assert db.session.execute(select(func.count()).select_from(Organisation)).scalar() == 1


def test_init_refuses_a_second_network(runner: Any) -> None:
    assert runner.invoke(args=["cop", "init", "--facilitator", "f@example.org"]).exit_code == 0
    again = runner.invoke(args=["cop", "init", "--facilitator", "g@example.org"])
    assert again.exit_code == 1
    assert "already has a network" in again.stderr


def test_token_and_login_link_print_only_the_value(runner: Any) -> None:
    runner.invoke(args=["cop", "load-demo"])
    token = runner.invoke(args=["cop", "token", "amina.warsame@adpc.example.org"])
    assert token.exit_code == 0 and token.stdout.strip().startswith("cv_")
    assert len(token.stdout.strip().splitlines()) == 1
    link = runner.invoke(args=["cop", "login-link", "samuel.kollie@pso.example.org"])
    assert link.exit_code == 0 and link.stdout.strip().startswith("http://localhost/auth/link/")
    unknown = runner.invoke(args=["cop", "token", "nobody@example.org"])
    assert unknown.exit_code == 1 and unknown.stdout == ""


def test_verify_log_names_a_changed_entry(runner: Any) -> None:
    runner.invoke(args=["cop", "load-demo"])
    assert runner.invoke(args=["cop", "verify-log"]).exit_code == 0
    second = db.session.execute(select(Event.id).order_by(Event.id).limit(1).offset(1)).scalar()
    db.session.execute(update(Event).where(Event.id == second).values(data={"forged": True}))
    db.session.commit()
    result = runner.invoke(args=["cop", "verify-log"])
    assert result.exit_code == 1
    assert f"event {second}" in result.stderr


def test_close_due_closes_once(runner: Any, clock: Any) -> None:
    runner.invoke(args=["cop", "load-demo"])
    clock.advance(days=15)
    assert runner.invoke(args=["cop", "close-due"]).exit_code == 0
    closed = db.session.execute(select(Decision)).scalars().all()
    assert {d.status for d in closed} == {"closed"}
    assert all(d.closed_at == d.closes_at for d in closed)
    events = db.session.execute(
        select(func.count()).select_from(Event).where(Event.kind == "decision.closed")
    ).scalar()
    assert runner.invoke(args=["cop", "close-due"]).exit_code == 0
    assert (
        db.session.execute(
            select(func.count()).select_from(Event).where(Event.kind == "decision.closed")
        ).scalar()
        == events
        == len(closed)
    )


def test_load_demo_refuses_an_installation_of_another_network(runner: Any) -> None:
    assert runner.invoke(args=["cop", "init", "--facilitator", "f@example.org"]).exit_code == 0
    result = runner.invoke(args=["cop", "load-demo"])
    assert result.exit_code == 1
    assert "only into an empty installation" in result.stderr
    assert db.session.execute(select(func.count()).select_from(Organisation)).scalar() == 1


def test_load_demo_mails_nobody(app: Any, runner: Any) -> None:
    assert runner.invoke(args=["cop", "load-demo"]).exit_code == 0
    # Flask-Mailman's locmem backend keeps what it sent here.
    assert getattr(app.extensions["mailman"], "outbox", []) == []
