"""The meeting pack's follow-up in the reader's language, for its files (CSV,
Word, Excel): the changes made after opening (as the decision page's notes
say them) and the meetings with the decision on their agenda, with their
follow-up actions (as the print page lists them)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..change_text import change_text
from ..content import shown
from ..services import change_notes
from ..services.exports import Table, local_text
from ..services.meeting_pack import MeetingPack


def follow_up_tables(pack: MeetingPack, zone: str) -> list[Table]:
    """The change notes (when, what) and the meetings' actions (meeting,
    action, owner, due, done), each a :class:`Table` with a heading row;
    a part with nothing in it is left out. Times in ``zone``."""
    tables: list[Table] = []
    notes = change_notes.notes_of([pack.decision.id])[pack.decision.id]
    if notes:
        rows = [[_("changed on"), _("change")]]
        rows += [[local_text(note.at, zone), change_text(note)] for note in notes]
        tables.append(Table(_("Changes since opening"), rows))
    if pack.meetings:
        rows = [[_("meeting"), _("follow-up action"), _("owner"), _("due"), _("done")]]
        for meeting in pack.meetings:
            name = f"{shown(meeting, 'title')} ({meeting.held_on.isoformat()})"
            if not meeting.actions:
                rows.append([name, _("No follow-up actions."), "", "", ""])
            for action in meeting.actions:
                rows.append(
                    [
                        name,
                        shown(action, "text"),
                        action.owner_name if action.owner else _("nobody named"),
                        action.due_on.isoformat() if action.due_on else "",
                        local_text(action.done_at, zone) if action.done_at else _("open"),
                    ]
                )
        tables.append(Table(_("Meetings and follow-up actions"), rows))
    return tables
