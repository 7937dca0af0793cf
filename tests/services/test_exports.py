"""The meeting pack and its files: grouping, CSV (BOM, accents, formulas), DOCX, ballots."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from docx import Document

from cop_vote.domain.errors import NotAllowed
from cop_vote.extensions import db
from cop_vote.services import (
    ballot_reads,
    ballots,
    comments,
    decisions,
    exports,
    meeting_pack,
    pack_documents,
    transitions,
)

HYPERLINK = '=HYPERLINK("http://example.invalid","x")'


def _decision(network: dict[str, Any], clock: Any, **fields: Any) -> Any:
    facilitator = network["people"]["facilitator"]
    decision = decisions.create_decision(
        facilitator,
        {
            "title": "Waar houden we de vervolgbijeenkomst?",
            "method": "single_choice",
            "options": [{"label": "Utrecht"}, {"label": "Den Haag — Café"}],
            "closes_at": (clock.now + timedelta(days=7)).isoformat(),
            **fields,
        },
        clock.now,
    )
    transitions.open_decision(facilitator, decision.id, clock.now)
    db.session.commit()
    return decision


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.reader(io.StringIO(text, newline="")))


def _docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture
def umit(make_org: Any, make_person: Any) -> Any:
    """An organisation and a representative whose names carry accents."""
    org = make_org("umit", name="Stichting Ümit", short_name="Ümit")
    return make_person(org, name="Marieke Dijkstra — café", email="cafe@umit.example.org")


def _pack_fixture(network: dict[str, Any], clock: Any, umit: Any) -> tuple[Any, dict[str, Any]]:
    """A decision with comments in every review state; returns it and the comments."""
    facilitator = network["people"]["facilitator"]
    decision = _decision(network, clock)
    utrecht, den_haag = decision.options
    now = clock.now
    made = {
        "on_option": comments.add_comment(
            umit, decision.id, "Utrecht ligt centraal; ook voor Ümit.", now, option_id=utrecht.id
        ),
        "tagged": comments.add_comment(
            network["people"]["adpc"], decision.id, "Den Haag is closer to the ministries.", now
        ),
        "question": comments.add_comment(
            network["people"]["stro"], decision.id, "Who pays for the travel?", now
        ),
        "formula": comments.add_comment(network["people"]["oxfam1"], decision.id, HYPERLINK, now),
        "hidden": comments.add_comment(
            network["people"]["oxfam2"], decision.id, "Something personal and rude.", now
        ),
        "new": comments.add_comment(
            network["people"]["adpc"], decision.id, "Not looked at yet?", now
        ),
    }
    made["reply"] = comments.add_comment(
        network["people"]["oxfam1"], decision.id, "Agreed.", now, parent_id=made["on_option"].id
    )
    comments.review_comment(facilitator, made["on_option"].id, "flagged", now, note="Zaal vrij?")
    made["tagged"].tag_option_id = den_haag.id
    comments.review_comment(facilitator, made["tagged"].id, "flagged", now, note="")
    comments.review_comment(facilitator, made["question"].id, "flagged", now)
    comments.review_comment(facilitator, made["formula"].id, "flagged", now, note="+1 check")
    comments.review_comment(
        facilitator, made["hidden"].id, "hidden", now, reason="Personal remark removed."
    )
    db.session.commit()
    return decision, made


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 20 123", "'+31 20 123"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Stichting Ümit", "Stichting Ümit"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_neutralise_guards_formula_cells_only(cell: object, expected: str) -> None:
    assert exports.neutralise(cell) == expected


def test_flagged_comments_are_filed_under_tag_then_option_then_whole(
    network: dict[str, Any], clock: Any, umit: Any
) -> None:
    decision, made = _pack_fixture(network, clock, umit)
    pack = meeting_pack.gather(network["people"]["facilitator"], decision.id, clock.now)
    utrecht, den_haag, whole = pack.sections
    assert (utrecht.label, den_haag.label, whole.option) == ("Utrecht", "Den Haag — Café", None)
    assert [c.id for c in utrecht.comments] == [made["on_option"].id]
    first = utrecht.comments[0]
    assert first.signature == "Marieke Dijkstra — café (Ümit)"
    assert first.note == "Zaal vrij?"
    assert [r.text for r in first.replies] == ["Agreed."]
    assert [c.id for c in den_haag.comments] == [made["tagged"].id]
    assert [c.id for c in whole.comments] == [made["question"].id, made["formula"].id]
    # A flagged comment without a note is not a question; one ending with "?" is.
    assert [c.id for c in pack.open_questions] == [made["question"].id]
    # Unreviewed comments (the reply too) are listed apart, not as flagged.
    assert {c.id for c in pack.unreviewed} == {made["new"].id, made["reply"].id}
    (hidden,) = pack.hidden
    assert hidden.text is None and hidden.hidden_reason == "Personal remark removed."
    assert pack.result is not None
    assert [p.organisation.slug for p in pack.participation if not p.has_voted] == [
        p.organisation.slug for p in pack.participation
    ]


def test_only_facilitators_gather_a_pack(network: dict[str, Any], clock: Any) -> None:
    decision = _decision(network, clock)
    for key in ("adpc", "observer"):
        with pytest.raises(NotAllowed):
            meeting_pack.gather(network["people"][key], decision.id, clock.now)
    with pytest.raises(NotAllowed):
        meeting_pack.gather(None, decision.id, clock.now)


def test_pack_csv_has_bom_accents_and_neutralised_formulas(
    network: dict[str, Any], clock: Any, umit: Any
) -> None:
    decision, _made = _pack_fixture(network, clock, umit)
    pack = meeting_pack.gather(network["people"]["facilitator"], decision.id, clock.now)
    rows = _rows(exports.pack_csv(pack))
    assert rows[0] == ["section", "option", "organisation", "person", "text", "note", "time (UTC)"]
    flagged = [r[:6] for r in rows if r[0] == "flagged comment"]
    assert [
        "flagged comment",
        "Utrecht",
        "Ümit",
        "Marieke Dijkstra — café",
        "Utrecht ligt centraal; ook voor Ümit.",
        "Zaal vrij?",
    ] in flagged
    assert ["flagged comment", "Den Haag — Café"] == flagged[1][:2]
    formula = next(r for r in rows if r[3] == "Idris Nuur" and r[0] == "flagged comment")
    assert formula[4] == "'" + HYPERLINK
    assert formula[5] == "'+1 check"
    assert ["reply", "Utrecht", "Oxfam Novib", "Idris Nuur", "Agreed.", ""] in [r[:6] for r in rows]
    assert ["participation", "", "Stichting Ümit", "", "not cast", "", ""] in rows
    assert any(r[0] == "open question" and r[4] == "Who pays for the travel?" for r in rows)
    body = "\n".join(",".join(r) for r in rows)
    assert "Something personal and rude." not in body
    assert "Hidden: Personal remark removed." in body
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


def test_pack_docx_reads_back_with_every_flagged_comment(
    network: dict[str, Any], clock: Any, umit: Any
) -> None:
    decision, _made = _pack_fixture(network, clock, umit)
    ballots.cast_ballot(umit, decision.id, {"option": decision.options[0].id}, clock.now)
    db.session.commit()
    pack = meeting_pack.gather(network["people"]["facilitator"], decision.id, clock.now)
    text = _docx_text(pack_documents.pack_docx(pack))
    for comment in pack.flagged:
        assert comment.text is not None and comment.text in text
    assert "Zaal vrij?" in text
    assert "Marieke Dijkstra — café (Ümit)" in text
    assert "Den Haag — Café" in text
    assert "Stichting Ümit" in text
    assert "Something personal and rude." not in text
    assert "Personal remark removed." in text
    assert "Utrecht (chosen by the count)" in text


def test_ballots_csv_lists_open_ballots_in_words(
    network: dict[str, Any], clock: Any, umit: Any
) -> None:
    facilitator = network["people"]["facilitator"]
    decision = _decision(network, clock)
    utrecht, den_haag = decision.options
    ballots.cast_ballot(umit, decision.id, {"option": den_haag.id}, clock.now)
    ballots.cast_ballot(network["people"]["adpc"], decision.id, {"abstain": True}, clock.now)
    ballots.record_ballot(
        facilitator, decision.id, "stro", {"option": utrecht.id}, "=Marieke at the table", clock.now
    )
    db.session.commit()
    rows = _rows(exports.ballots_csv(decision, ballot_reads.cast_ballots(decision)))
    assert rows[0][:2] == ["organisation", "ballot"]
    by_org = {r[0]: r for r in rows[1:]}
    assert set(by_org) == {
        "African Diaspora Policy Centre",
        "Social Trade Organisation",
        "Stichting Ümit",
    }
    assert by_org["Stichting Ümit"][1:3] == ["Den Haag — Café", "1"]
    assert by_org["Stichting Ümit"][5] == "Marieke Dijkstra — café"
    assert by_org["Stichting Ümit"][4].endswith("Z")
    assert by_org["African Diaspora Policy Centre"][1] == "abstain"
    stro = by_org["Social Trade Organisation"]
    assert stro[1] == "Utrecht"
    assert stro[6:] == ["Samuel Kollie", "'=Marieke at the table"]


def test_ballots_csv_refuses_a_secret_decision(network: dict[str, Any], clock: Any) -> None:
    decision = _decision(network, clock, ballot_secrecy="secret")
    with pytest.raises(NotAllowed):
        exports.ballots_csv(decision, ballot_reads.cast_ballots(decision))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"ranking": [2, 1]}, "1. B; 2. A"),
        ({"options": [1, 2]}, "A; B"),
        ({"scores": {"1": 4, "2": 0}}, "A: 4; B: 0"),
        ({"dots": {"2": 3}}, "B: 3"),
        ({"availability": {"1": "if_need_be"}}, "A: if need be"),
        ({"position": "block", "reason": "Te duur"}, "block: Te duur"),
        ({"position": "abstain"}, "abstain"),
        (None, ""),
    ],
)
def test_ballot_text_says_a_ballot_in_words(content: Any, expected: str) -> None:
    assert exports.ballot_text(content, {1: "A", 2: "B"}) == expected
