"""The declared rule, the results by kind and the declared interests in the
meeting pack's files and print page (CSV, XLSX, DOCX through
:func:`cop_vote.services.exports.count_table_rows` and
:func:`~cop_vote.services.exports.count_lines`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .exports import Table
    from .meeting_pack import MeetingPack

#: English words of the tables below; a page passes its reader's (web/exports.py).
RULE_WORDS: dict[str, str] = {
    "by_kind": "Results by kind of organisation",
    "kind": "kind of organisation",
    "ballots_of": "ballots cast",
    "leading": "leading within the kind",
    "leads_here": "does the overall winner lead here?",
    "too_few": "too few ballots to show",
    "counts": "{group} (counts for the double majority)",
    "yes": "yes",
    "no": "no",
    "interests": "Declared interests",
    "interest": "interest",
    "of_eligible": "{cast} of {eligible}",
    "interest_declared": "interest declared by {names}",
    "kind_diaspora": "diaspora organisations",
    "kind_ngo": "NGOs",
    "kind_knowledge": "knowledge institutions",
    "kind_facilitator": "facilitating organisations",
    "kind_government": "government bodies",
    "kind_other": "other organisations",
}


def rule_lines(pack: MeetingPack, say: Callable[[str], str] = str) -> list[str]:
    """The declared majority rule and double majority in sentences (``[]``: the
    method's own rule, or results not visible)."""
    if pack.rules is None:
        return []
    lines = [say(pack.rules.sentence)] if pack.rules.sentence is not None else []
    if pack.rules.double_majority:
        groups = ", ".join(say(g) for g in pack.rules.double_majority)
        lines.append(say("Double majority among: ") + groups + ".")
    return lines


def interest_note(pack: MeetingPack, option_id: object, words: Mapping[str, str]) -> str:
    """``" (interest declared by Oxfam Novib)"`` beside an option's count; ``""`` for none."""
    if pack.rules is None or not isinstance(option_id, int):
        return ""
    declared = pack.rules.interests.get(option_id, [])
    if not declared:
        return ""
    w = {**RULE_WORDS, **words}
    return (
        " ("
        + w["interest_declared"].format(
            names=", ".join(i.organisation_name or "" for i in declared)
        )
        + ")"
    )


def rule_tables(
    pack: MeetingPack, words: Mapping[str, str], labels: Mapping[int, str]
) -> list[Table]:
    """The results by kind and the declared interests as tables (``[]`` when
    there are none or the results are not visible)."""
    from .exports import Table

    w = {**RULE_WORDS, **words}
    rules = pack.rules
    if rules is None:
        return []
    tables: list[Table] = []
    if rules.by_kind:
        rows = [[w["kind"], w["ballots_of"], w["leading"], w["leads_here"]]]
        for row in rules.by_kind:
            group = w.get(f"kind_{row.kind}", row.kind)
            if rules.counts(row.kind):
                group = w["counts"].format(group=group)
            cast = w["of_eligible"].format(cast=row.ballots, eligible=row.eligible)
            if not row.shown:
                rows.append([group, cast, w["too_few"], ""])
            else:
                leading = ", ".join(labels.get(o, str(o)) for o in row.winners)
                rows.append([group, cast, leading, w["yes"] if row.leads else w["no"]])
        tables.append(Table(w["by_kind"], rows))
    declared = [i for option in pack.decision.options for i in rules.interests.get(option.id, [])]
    if declared:
        rows = [[w["option"], w["organisation"], w["interest"]]]
        rows += [[labels.get(i.option_id, ""), i.organisation_name or "", i.text] for i in declared]
        tables.append(Table(w["interests"], rows))
    return tables
