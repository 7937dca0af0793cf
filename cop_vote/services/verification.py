"""``cop verify-log``: the event log protects the count, not only itself.

The hash chain (services/audit.py) shows that no entry was changed, removed
or reordered. That alone leaves the count unprotected: the ballots live in
their own table, and an empty log, or one cut short, is a valid chain. So the
check also replays the log against the tables it describes:

* every decision has its entries, and its stored status is the one its last
  lifecycle entry left (so an emptied or truncated log, or a decision whose
  status was edited, is caught); its electorate, close time, published option
  and statement, and its objections are the ones the log recorded;
* an open ballot: replaying each organisation's ballot entries gives exactly
  the stored ballot, version, content and receipt, and every version of its
  history;
* a secret ballot: the log holds no content, so replaying gives each
  organisation's version and whether it holds a ballot; once sealed, the
  sealing entry's count and digest must match the anonymous ballots, and no
  content or receipt may stand next to an organisation again;
* anchors: each published decision's anchor, and any given with ``--anchor``
  (e.g. the hash in the published mail, kept outside the database), must be
  in the chain. That detects a tail cut off, or the log rewritten and
  re-hashed, up to the last anchor kept elsewhere; what happened after the
  newest anchor, an anchor cannot cover.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Ballot, BallotChange, Decision, Elector, Event, Objection
from . import audit, sealing
from .timefmt import iso_utc

#: The entry of an organisation added to an open decision's electorate (services/latecomers.py).
ELECTOR_ADDED = "decision.elector_added"

#: The stored status each lifecycle entry leaves behind.
LIFECYCLE = {
    "decision.created": "draft",
    "decision.opened": "open",
    "decision.closed": "closed",
    "decision.published": "published",
    "decision.withdrawn": "withdrawn",
    "decision.reopened": "open",
    "decision.amended": "published",
}


@dataclass
class LogCheck:
    """The outcome of :func:`verify_log`: ``problems`` in words, first the chain's."""

    entries: int
    problems: list[str] = field(default_factory=list)
    broken_at: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the log is intact and agrees with the ballots."""
        return not self.problems


def _replay_ballots(
    decision: Decision,
    entries: list[Event],
    rows: list[Ballot],
    changes: list[BallotChange],
    problems: list[str],
) -> None:
    """Each organisation's ballot and its history against the ballot entries of the log."""
    secret = sealing.is_secret(decision)
    state: dict[int, dict[str, Any]] = {}
    logged_versions: dict[tuple[int, int], dict[str, Any]] = {}
    for entry in entries:
        if not entry.kind.startswith("ballot."):
            continue
        data = entry.data or {}
        org = data.get("organisation_id")
        if not isinstance(org, int):
            problems.append(
                f"decision {decision.id}: ballot entry {entry.id} names no organisation"
            )
            continue
        cast = entry.kind != "ballot.withdraw"
        state[org] = {**data, "cast": cast}
        if isinstance(data.get("version"), int):
            logged_versions[(org, data["version"])] = {**data, "cast": cast}
    stored = {row.organisation_id: row for row in rows}
    for org in sorted(set(state) | set(stored)):
        logged, row = state.get(org), stored.get(org)
        where = f"decision {decision.id}, organisation {org}"
        if logged is None:
            problems.append(f"{where}: a stored ballot that the log never recorded")
            continue
        if row is None:
            problems.append(f"{where}: a logged ballot that is not stored")
            continue
        if row.version != logged.get("version"):
            problems.append(
                f"{where}: stored version {row.version}, logged {logged.get('version')}"
            )
        if row.is_cast != logged["cast"]:
            problems.append(f"{where}: stored and logged disagree on whether a ballot is cast")
        if not secret and logged["cast"] and row.content != logged.get("ballot"):
            problems.append(f"{where}: the stored ballot differs from the logged one")
        if not secret and "receipt" in logged and row.receipt != logged["receipt"]:
            problems.append(f"{where}: the stored receipt differs from the logged one")
    organisation_of = {row.id: row.organisation_id for row in rows}
    for change in changes:
        org = organisation_of.get(change.ballot_id)
        where = f"decision {decision.id}, organisation {org}, version {change.version}"
        if org is None:
            continue
        logged = logged_versions.get((org, change.version))
        if logged is None:
            problems.append(
                f"{where}: a change in the ballot's history that the log never recorded"
            )
            continue
        if secret:
            continue
        if logged["cast"] and change.content != logged.get("ballot"):
            problems.append(f"{where}: the ballot's history differs from the log")
        if "receipt" in logged and change.receipt != logged["receipt"]:
            problems.append(f"{where}: a receipt in the ballot's history differs from the log")
    if secret and sealing.is_sealed(decision):
        linked = [r for r in rows if r.content is not None or r.receipt is not None]
        linked_changes = [c for c in changes if c.content is not None or c.receipt is not None]
        if linked or linked_changes:
            problems.append(
                f"decision {decision.id}: sealed, yet a ballot or its history holds a "
                "content or receipt next to its organisation again"
            )


def _check_lifecycle(
    decision: Decision,
    entries: list[Event],
    electors: set[int],
    objections: list[Objection],
    problems: list[str],
) -> None:
    """The electorate, the close, the outcome and the objections against their entries."""
    where = f"decision {decision.id}"

    def last(*kinds: str) -> dict[str, Any] | None:
        found = [e for e in entries if e.kind in kinds]
        return dict(found[-1].data or {}) if found else None

    opened = last("decision.opened")
    if opened is not None and isinstance(opened.get("electorate"), list):
        # The electorate logged at opening, and each organisation added since.
        added = {e.data.get("organisation_id") for e in entries if e.kind == ELECTOR_ADDED}
        if set(opened["electorate"]) | added != electors:
            problems.append(
                f"{where}: the stored electorate differs from the one logged at opening and since"
            )
    closed = last("decision.closed")
    if closed is not None and decision.status in ("closed", "published"):
        if closed.get("closed_at") != iso_utc(decision.closed_at):
            problems.append(f"{where}: the stored close time differs from the logged one")
    # An amendment replaces the published option and statement (both logged).
    published = last("decision.published", "decision.amended")
    if published is not None and decision.status == "published":
        if published.get("option") != decision.outcome_option_id:
            problems.append(f"{where}: the published option differs from the one logged")
        digest = published.get("statement_digest")
        if digest is not None and digest != audit.text_digest(decision.outcome_statement):
            problems.append(f"{where}: the published statement differs from the one logged")
    withdrawn = last("decision.withdrawn")
    if withdrawn is not None and decision.status == "withdrawn":
        digest = withdrawn.get("statement_digest")
        if digest is not None and digest != audit.text_digest(decision.outcome_statement):
            problems.append(f"{where}: the withdrawal's statement differs from the one logged")
    logged = {
        e.data.get("objection"): e.data for e in entries if e.kind == "objection.lodged" and e.data
    }
    for objection in objections:
        data = logged.pop(objection.id, None)
        if data is None:
            problems.append(f"{where}: objection {objection.id} is not in the log")
            continue
        if data.get("organisation_id") != objection.organisation_id or (
            "text_digest" in data and data["text_digest"] != audit.text_digest(objection.text)
        ):
            problems.append(f"{where}: objection {objection.id} differs from the one logged")
    for objection_id in logged:
        problems.append(f"{where}: objection {objection_id} was logged but is not stored")


def _check_sealed(
    decision: Decision, entries: list[Event], rows: list[Ballot], problems: list[str]
) -> None:
    sealed = [e for e in entries if e.kind == "ballots.sealed"]
    contents = sealing.anonymous_contents(decision.id)
    cast = sum(1 for row in rows if row.is_cast)
    if len(contents) != cast:
        problems.append(
            f"decision {decision.id}: {cast} organisations cast a ballot, "
            f"but {len(contents)} sealed ballots are stored"
        )
    if not sealed:
        return  # sealed by the migration to revision 0004, before sealing was logged
    data = sealed[-1].data or {}
    if data.get("ballots") != len(contents) or data.get("digest") != sealing.contents_digest(
        contents
    ):
        problems.append(f"decision {decision.id}: the sealed ballots differ from those logged")


def verify_log(anchors: Iterable[str] = ()) -> LogCheck:
    """Check the chain, the anchors, and the ballots and statuses against the log.

    :param anchors: hashes kept outside the database (``--anchor``); each must
        be an entry of the chain.
    :returns: every problem found; none when the log and the count agree.
    """
    chain = audit.verify_chain()
    check = LogCheck(chain.entries, broken_at=chain.broken_at)
    if not chain.ok:
        check.problems.append(f"event {chain.broken_at}: {chain.reason}")
    hashes = set(db.session.execute(select(Event.hash)).scalars())
    for anchor in anchors:
        if anchor.strip().lower() not in hashes:
            check.problems.append(
                f"anchor {anchor.strip()[:16]}… is not in the log: the log was emptied, "
                "cut off or rewritten up to it"
            )
    by_subject: dict[str, list[Event]] = defaultdict(list)
    for entry in db.session.execute(
        select(Event).where(Event.subject.like("decision:%")).order_by(Event.id)
    ).scalars():
        by_subject[entry.subject].append(entry)
    ballots: dict[int, list[Ballot]] = defaultdict(list)
    for row in db.session.execute(select(Ballot)).scalars():
        ballots[row.decision_id].append(row)
    changes: dict[int, list[BallotChange]] = defaultdict(list)
    for change, decision_id in db.session.execute(
        select(BallotChange, Ballot.decision_id).join(Ballot, Ballot.id == BallotChange.ballot_id)
    ):
        changes[decision_id].append(change)
    electors: dict[int, set[int]] = defaultdict(set)
    for decision_id, organisation_id in db.session.execute(
        select(Elector.decision_id, Elector.organisation_id)
    ):
        electors[decision_id].add(organisation_id)
    objections: dict[int, list[Objection]] = defaultdict(list)
    for objection in db.session.execute(select(Objection)).scalars():
        objections[objection.decision_id].append(objection)
    for decision in db.session.execute(select(Decision).order_by(Decision.id)).scalars():
        entries = by_subject.get(f"decision:{decision.id}", [])
        lifecycle = [e for e in entries if e.kind in LIFECYCLE]
        if not lifecycle:
            check.problems.append(f"decision {decision.id}: not in the log")
            continue
        if LIFECYCLE[lifecycle[-1].kind] != decision.status:
            check.problems.append(
                f"decision {decision.id}: stored status {decision.status}, "
                f"the log says {LIFECYCLE[lifecycle[-1].kind]}"
            )
        if decision.published_log_hash and decision.published_log_hash not in hashes:
            check.problems.append(
                f"decision {decision.id}: its publication anchor is not in the log"
            )
        rows = ballots.get(decision.id, [])
        _replay_ballots(decision, entries, rows, changes.get(decision.id, []), check.problems)
        _check_lifecycle(
            decision,
            entries,
            electors.get(decision.id, set()),
            objections.get(decision.id, []),
            check.problems,
        )
        if sealing.is_sealed(decision):
            _check_sealed(decision, entries, rows, check.problems)
    return check
