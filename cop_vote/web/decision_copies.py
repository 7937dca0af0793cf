"""New drafts from a decision (duplicate) or from a built-in template.

Both are plain POST buttons with a CSRF token (no JavaScript): "Duplicate as a
new draft" on the facilitator's decision page, and one button per template on
the first step of a new draft (``/admin/decisions/new``). Each calls the one
service the API calls too (``services/decision_copies.py``), commits once and
opens the new draft's page.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from .. import clock
from ..content import reader_language
from ..domain.errors import InvalidInput
from ..extensions import db
from ..i18n import translate
from ..services import decision_copies
from . import bp
from .admin import _actor, facilitator_required
from .admin_drafts import _method_step


def _opened(decision_id: int, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("web.admin_decision", decision_id=decision_id), 303)


@bp.post("/admin/decisions/<int:decision_id>/duplicate")
@facilitator_required
def admin_decision_duplicate(decision_id: int) -> ResponseReturnValue:
    """Duplicate a decision, whatever its status, as a new draft."""
    copy = decision_copies.duplicate_decision(_actor(), decision_id, clock.now())
    return _opened(copy.id, _("Draft “%(title)s” made from a copy.", title=copy.title))


@bp.post("/admin/decisions/from-template")
@facilitator_required
def admin_decision_from_template() -> ResponseReturnValue:
    """Draft a decision from a built-in template, in the facilitator's language."""
    try:
        draft = decision_copies.draft_from_template(
            _actor(), request.form.get("template", ""), reader_language(), clock.now()
        )
    except InvalidInput as error:
        db.session.rollback()
        message = translate(error.fields.get("template", error.message))
        return _method_step(400, template_error=message)
    return _opened(draft.id, _("Draft “%(title)s” made from a template.", title=draft.title))
