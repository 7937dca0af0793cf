"""Your personal API tokens on the profile page: make one (shown once), revoke one.

The profile lists your live tokens by label and creation time (their secrets
are never shown again), each with a revoke button: a plain POST with CSRF, no
JavaScript. The API offers the same: ``POST /api/v1/me/tokens``,
``GET /api/v1/me/tokens`` and ``DELETE /api/v1/me/tokens/<id>``.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..clock import now
from ..domain.errors import InvalidInput
from ..extensions import db
from ..i18n import translate
from ..services import auth as auth_service
from . import bp
from .forms import TokenForm
from .views import _me, _profile


@bp.post("/profile/token")
def profile_token() -> ResponseReturnValue:
    """Create a personal API token and show it once."""
    viewer = _me()
    form = TokenForm()
    if not form.validate_on_submit():
        return _profile(status=400, token_form=form)
    try:
        _row, token = auth_service.issue_own_api_token(viewer, now(), label=form.label.data or "")
    except InvalidInput as error:
        db.session.rollback()
        form.label.errors = [translate(m) for m in error.fields.values()] or [error.message]
        return _profile(status=400, token_form=form)
    db.session.commit()
    return _profile(token=token)


@bp.post("/profile/tokens/<int:token_id>/revoke")
def profile_token_revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of your API tokens: scripts using it stop at once (404 if not yours).

    The form's CSRF token is checked before the view, like every POST.
    """
    revoked = auth_service.revoke_own_api_token(_me(), token_id, now())
    db.session.commit()
    label = revoked.label or _("(no label)")
    flash(_("The API token “%(label)s” is revoked.", label=label), "success")
    return redirect(url_for("web.profile", _anchor="token-heading"), 303)
