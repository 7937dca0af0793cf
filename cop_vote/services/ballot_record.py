"""The ballot record of a closed decision, from which anyone in the network can recount.

What it is, and what it is not: a record that lets every organisation check
that the published totals follow from the ballots as stored, and find its own
counted ballot (open ballots, by receipt). It is not end-to-end verifiable
voting: whoever runs the server could change a ballot before the record is
built, and while a secret decision is open the server holds each
organisation's choice. The event log's hash chain, and the anchor published
with the outcome, let anyone detect later changes (``cop verify-log``).

Forms (domain/recount.py): an open ballot lists each organisation's counted
ballot with the receipt of its final version; a secret one lists who cast and,
apart and in a random order, the ballots (single_choice, approval, consent) or
only the aggregate tables (ranked, score, dot_vote, meeting_time), with no
receipts unless the decision turned them on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..domain import recount as recounting
from ..domain.by_kind import KindResult, by_kind
from ..domain.errors import Conflict, Message
from ..domain.lifecycle import Status
from ..domain.majority import MajorityRule, apply_rule, parse_share
from ..domain.selection import selection_verdict
from ..domain.tally import OptionRef, TallyResult, tally, verdict
from ..extensions import db
from ..models import AnonymousBallot, Decision, Event
from . import decision_rules, rule_fields, sealing
from .ballot_reads import cast_ballots
from .decisions import eligible_organisations, quorum_of, status_of
from .results import count
from .timefmt import iso_utc

NOTES = {
    "open": "An open ballot: each organisation's counted ballot, with the receipt of its "
    "final version. Recount by counting these ballots with the decision's method.",
    "ballots": "A secret ballot: who cast a ballot, and apart from that list the ballots "
    "themselves in a random order, with nothing that links them to an organisation.",
    "tables": "A secret ballot of a method whose full ballots could serve as a signature "
    "(an unusual ranking or set of scores can prove how an organisation voted): the record "
    "publishes the tables from which the count follows, not the ballots.",
    "none": "A discussion takes comments only; there are no ballots to recount.",
}


def totals_digest(result: TallyResult) -> str:
    """SHA-256 of a count's totals as canonical JSON: what the publication log entry keeps."""
    text = json.dumps(result.to_dict(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _published_entry(decision_id: int, *, amended: bool = False) -> Event | None:
    """The log's entry of the decision's publication (its totals as published);
    with ``amended``, the latest amendment when there is one (its option)."""
    kinds = ("decision.published", "decision.amended") if amended else ("decision.published",)
    return db.session.execute(
        select(Event)
        .where(Event.kind.in_(kinds), Event.subject == f"decision:{decision_id}")
        .order_by(Event.id.desc())
        .limit(1)
    ).scalar()


def _plain(data: Any) -> Any:
    """``data`` as JSON would give it back (string keys, lists), to compare with a file."""
    return json.loads(json.dumps(data, default=str))


def ballot_record(decision: Decision, now: datetime) -> dict[str, Any]:
    """The decision's public ballot record (API: ``GET /decisions/{id}/ballot-record``).

    :param decision: a decision the reader may see (``decisions.get_decision``).

    :returns: ``{"decision", "title", "method", "counting", "ballot_secrecy",
        "status", "closed_at", "eligible", "electorate", "participants",
        "form", "ballots", "tables", "receipts", "totals", "published", "note"}``;
        ``participants`` and ``ballots`` (or ``tables["ballots"]``) have
        matching sizes.
    :raises Conflict: not closed yet (``record_not_ready``), withdrawn, or a
        secret decision whose ballots no write has sealed yet.
    """
    status = status_of(decision, now)
    if status not in (Status.CLOSED, Status.PUBLISHED):
        raise Conflict(
            Message("The ballot record exists once the decision has closed."),
            code="record_not_ready",
        )
    secret = sealing.is_secret(decision)
    if secret and not sealing.is_sealed(decision):
        raise Conflict(
            Message(
                "The ballot record of a secret decision exists once its ballots are "
                "separated from their organisations, which closing the decision does."
            ),
            code="record_not_ready",
        )
    result = count(decision, fresh=True)
    cast = cast_ballots(decision)
    form = recounting.record_form(decision.method, decision.ballot_secrecy)
    ballots: list[dict[str, Any]] | None = None
    tables: dict[str, Any] | None = None
    if form == "ballots" and not secret:
        kinds = decision_rules.elector_kinds(decision)
        ballots = sorted(
            (
                {
                    "organisation": b.organisation.slug,
                    # Named as at its last write (domain/names.py).
                    "name": b.organisation_name or b.organisation.name,
                    "kind": kinds.get(b.organisation_id, b.organisation.kind),
                    "ballot": b.content,
                    "version": b.version,
                    "receipt": b.receipt,
                    "recorded": b.recorded_by_id is not None,
                }
                for b in cast
            ),
            key=lambda entry: str(entry["name"]).casefold(),
        )
    elif form == "ballots":
        rows = db.session.execute(
            select(AnonymousBallot)
            .where(AnonymousBallot.decision_id == decision.id)
            .order_by(AnonymousBallot.position)
        ).scalars()
        ballots = [
            {"ballot": row.content, **({"receipt": row.receipt} if row.receipt else {})}
            for row in rows
        ]
    elif form == "tables":
        tables = recounting.tables_of(result)
    entry = _published_entry(decision.id) if decision.status == Status.PUBLISHED.value else None
    record: dict[str, Any] = _plain(
        {
            "decision": decision.id,
            "title": decision.title,
            "method": decision.method,
            "counting": decision.counting,
            "ballot_secrecy": decision.ballot_secrecy,
            "status": status.value,
            "closed_at": iso_utc(decision.closed_at or decision.closes_at),
            "eligible": len(eligible_organisations(decision)),
            "quorum": float(quorum_of(decision)),
            "electorate": [
                {"organisation": o.slug, "name": o.name} for o in eligible_organisations(decision)
            ],
            "participants": sorted(
                (
                    {"organisation": b.organisation.slug, "name": b.organisation_name or ""}
                    for b in cast
                ),
                key=lambda entry: entry["name"].casefold(),
            ),
            "form": "open" if form == "ballots" and not secret else form,
            "ballots": ballots,
            "tables": tables,
            "receipts": not secret or bool(decision.secret_receipts),
            "options": [{"id": o.id, "label": o.label} for o in decision.options],
            "totals": result.to_dict(),
            **rule_fields_of(decision, result),
            "published": (
                {
                    "option": decision.outcome_option_id,
                    "options": [s.option_id for s in decision.selection],
                    "log_anchor": decision.published_log_hash,
                    "totals_digest": (entry.data or {}).get("totals_digest") if entry else None,
                }
                if decision.status == Status.PUBLISHED.value
                else None
            ),
            "note": NOTES["open" if form == "ballots" and not secret else form],
        }
    )
    return record


def rule_fields_of(decision: Decision, result: TallyResult) -> dict[str, Any]:
    """The record's declared rule and the verdict of the stored count with it.

    ``rule``: ``{"majority_rule", "majority_base", "majority_share",
    "double_majority"}``; ``verdict``: ``{"met", "option", "reasons"}``. An
    open record lists each ballot's organisation kind, so the double majority
    can be recounted from it; a secret one does not (a kind beside an
    anonymous ballot could reveal it), so there only the stored ballots check it.
    """
    rule = rule_fields.rule_of(decision)
    found = decision_rules.ruled_verdict(decision, result, fresh=True)
    return {
        "rule": {
            "majority_rule": rule.rule,
            "majority_base": rule.base,
            "majority_share": decision.majority_share,
            "double_majority": list(rule.kinds),
        },
        "verdict": {"met": found.rule_met, "option": found.option, "reasons": list(found.reasons)},
    }


def _verdict_problems(
    decision: Decision, record: dict[str, Any], recounted: TallyResult, stored: TallyResult
) -> list[str]:
    """Whether the verdict recounted from the record's ballots, under the
    record's rule, agrees with the stored ballots' and the record's own."""
    raw = record["rule"]
    share = raw.get("majority_share")
    rule = MajorityRule(
        raw["majority_rule"],
        raw["majority_base"],
        parse_share(share) if share else None,
        tuple(raw.get("double_majority") or ()),
    )
    rows: list[KindResult] = []
    if rule.kinds and record["form"] == "open":
        kinds = [(str(e.get("kind")), e["ballot"]) for e in record["ballots"]]
        eligible = decision_rules.electorate_kinds(decision)
        for kind, _ballot in kinds:  # an organisation whose kind changed since
            eligible.setdefault(kind, 1)
        winner = recounted.winners[0] if len(recounted.winners) == 1 else None
        rows = by_kind(
            recounted.method,
            [OptionRef(o["id"], o["label"]) for o in record["options"]],
            kinds,
            eligible,
            winner,
            secret=False,
            counting=record["counting"],
        )
    elif rule.kinds:
        rows = decision_rules.results_by_kind(decision, stored, fresh=True) or []
    base = verdict(recounted)
    if (decision.selects or 1) > 1:
        base = selection_verdict(recounted, decision.selects)
    again = apply_rule(base, recounted, rule, rows)
    problems = []
    wanted = record.get("verdict") or {}
    if (again.rule_met, again.option) != (wanted.get("met"), wanted.get("option")):
        problems.append("the record's ballots give another verdict than the record states")
    now = decision_rules.ruled_verdict(decision, stored, fresh=True)
    if (now.rule_met, now.option) != (again.rule_met, again.option):
        problems.append("the stored ballots give another verdict than the record")
    return problems


@dataclass
class RecountReport:
    """The outcome of :func:`recount`: three counts that must agree.

    :param from_record: winners and tie recounted from the record alone.
    :param from_storage: the count of the stored ballots now.
    :param problems: every disagreement, in words; empty when all agree.
    """

    decision_id: int
    form: str
    from_record: tuple[list[int], bool]
    from_storage: tuple[list[int], bool]
    published_option: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every count agrees."""
        return not self.problems


def recount(
    decision: Decision, now: datetime, *, record: dict[str, Any] | None = None
) -> RecountReport:
    """Recount a decision from its ballot record and from its stored ballots, and compare.

    :param record: a record saved earlier (e.g. downloaded at publication);
        ``None`` builds it now.
    :returns: the report; ``problems`` lists each disagreement: between the
        record's ballots or tables and its own totals, between the record and
        the stored ballots, between the participants and the ballots, and
        between the stored count and the digest logged at publication.
    """
    if record is None:
        record = ballot_record(decision, now)
    problems: list[str] = []
    option_ids = [int(o["id"]) for o in record["options"]]
    totals = record["totals"]
    form = record["form"]
    participants = len(record["participants"])
    if form in ("open", "ballots"):
        contents = [entry["ballot"] for entry in record["ballots"]]
        if len(contents) != participants:
            problems.append(
                f"the record lists {participants} participants but {len(contents)} ballots"
            )
        recounted = tally(
            record["method"],
            [OptionRef(o["id"], o["label"]) for o in record["options"]],
            contents,
            eligible=int(record["eligible"]),
            quorum=record["quorum"],
            counting=record["counting"],
            max_score=totals.get("max_score"),
            dots=totals.get("dots_per_organisation"),
        )
        if _plain(recounted.to_dict()) != totals:
            problems.append("the record's ballots do not give the record's totals")
        from_record = (recounted.winners, recounted.tie)
    elif form == "tables":
        tables = record["tables"]
        if int(tables["ballots"]) != participants:
            problems.append(
                f"the record lists {participants} participants but {tables['ballots']} ballots"
            )
        again = recounting.recount_tables(record["method"], option_ids, tables)
        problems += [f"the tables: {p}" for p in again.problems]
        if (again.winners, again.tie) != (totals["winners"], totals["tie"]):
            problems.append("the record's tables do not give the record's winners")
        from_record = (again.winners, again.tie)
    else:
        from_record = ([], False)
    stored = count(decision, fresh=True)
    if form in ("open", "ballots") and "rule" in record:
        problems += _verdict_problems(decision, record, recounted, stored)
    from_storage = (stored.winners, stored.tie)
    if from_storage != from_record:
        problems.append("the stored ballots give other winners than the record")
    if _plain(stored.to_dict()) != totals:
        problems.append("the stored ballots give other totals than the record")
    if stored.ballots_cast != participants:
        problems.append("the stored ballots are not as many as the record's participants")
    entry = _published_entry(decision.id)
    logged = (entry.data or {}).get("totals_digest") if entry else None
    if logged is not None and logged != totals_digest(stored):
        problems.append("the stored ballots give other totals than were published (event log)")
    latest = _published_entry(decision.id, amended=True)
    if latest is not None and (latest.data or {}).get("option") != decision.outcome_option_id:
        problems.append("the published option differs from the one logged at publication")
    return RecountReport(
        decision.id, form, from_record, from_storage, decision.outcome_option_id, problems
    )
