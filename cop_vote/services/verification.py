"""``cop verify-log``: the event log protects the count, not only itself.

The hash chain (services/audit.py) shows that no entry was changed, removed
or reordered. That alone leaves the count unprotected: the ballots live in
their own table, and an empty log, or one cut short, is a valid chain. So the
check also replays the log against the tables it describes:

* every decision has its entries, and its stored status is the one its last
  lifecycle entry left (so an emptied or truncated log, or a decision whose
  status was edited, is caught);
* an open ballot: replaying each organisation's ballot entries gives exactly
  the stored ballot, version and content;
* a secret ballot: the log holds no content, so replaying gives each
  organisation's version and whether it holds a ballot; once sealed, the
  sealing entry's count and digest must match the anonymous ballots;
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
from ..models import Ballot, Decision, Event
from . import audit, sealing

#: The stored status each lifecycle entry leaves behind.
LIFECYCLE = {
    "decision.created": "draft",
    "decision.opened": "open",
    "decision.closed": "closed",
    "decision.published": "published",
    "decision.withdrawn": "withdrawn",
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
    decision: Decision, entries: list[Event], rows: list[Ballot], problems: list[str]
) -> None:
    secret = sealing.is_secret(decision)
    state: dict[int, dict[str, Any]] = {}
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
        state[org] = {"version": data.get("version"), "cast": cast, "ballot": data.get("ballot")}
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
        if row.version != logged["version"]:
            problems.append(f"{where}: stored version {row.version}, logged {logged['version']}")
        if row.is_cast != logged["cast"]:
            problems.append(f"{where}: stored and logged disagree on whether a ballot is cast")
        if not secret and logged["cast"] and row.content != logged["ballot"]:
            problems.append(f"{where}: the stored ballot differs from the logged one")


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
        _replay_ballots(decision, entries, rows, check.problems)
        if sealing.is_sealed(decision):
            _check_sealed(decision, entries, rows, check.problems)
    return check
