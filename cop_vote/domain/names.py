"""Names at the time of the act (issue 11, part 5): the rule, and signatures.

A record of a past act shows the names of its time, so that a later rename of
a person or an organisation does not rewrite history. Each act's row keeps
them, written by the act's one write path (models, migration 0016):

* a comment: its author's name and organisation's short name when written
  (``Comment.author_name``, ``organisation_short_name``), on the decision
  page, the review pages, the API, the meeting pack and its files;
* a ballot: its organisation's name and who cast or recorded it, at its last
  write (``Ballot.organisation_name``, ``cast_by_name``,
  ``recorded_by_name``), in the ballot record, the published ballots, the
  pack, the exports and the API's ballot object;
* an objection: the organisation and person who lodged it;
* a proposed option: the organisation credited (``Option.proposed_by_name``);
* a declared interest: the declaring organisation;
* a meeting's attendance and follow-up actions: the organisation as it was
  when its attendance was recorded, the owner when it was made owner.

Live lists show the names of now: the people and organisations pages, an
organisation's own page, the electorate and participation of a decision
(who may vote and who did), pickers in forms, and the audit trail, which is
read from the event log: the log stores ids, never names.

Erasing a person empties their names of the time too (``""``): a comment is
then signed "former representative of <organisation of the time>", never
``" (ADPC)"``.
"""

from __future__ import annotations

#: How a comment by an erased person is signed when no translation is given.
FORMER = "former representative of {organisation}"


def signature(name: str | None, organisation: str | None, former: str = FORMER) -> str:
    """``name (organisation)``, ``name`` alone without an organisation, and for
    an erased person (no name) ``former`` with the organisation filled in
    (``""`` with neither)."""
    if not name:
        return former.format(organisation=organisation) if organisation else ""
    return f"{name} ({organisation})" if organisation else name
