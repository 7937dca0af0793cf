"""The facilitator's download of the network's backup.

The same file as ``flask cop export`` (:mod:`services.backup`), less the
ballots of secret decisions that are still open: until the cut at close those
link an organisation to its choice, which only the server may hold. The page
and the file both say what was left out.
"""

from __future__ import annotations

import json

from flask import Response
from flask.typing import ResponseReturnValue

from .. import clock
from ..services import backup
from . import bp
from .admin import _page, facilitator_required


@bp.get("/admin/backup")
@facilitator_required
def admin_backup() -> ResponseReturnValue:
    """What the backup holds and leaves out, with the download button."""
    return _page(
        "admin/backup.html",
        left_out=backup.secret_open_decisions(),
        excluded=sorted(backup.EXCLUDED_TABLES),
    )


@bp.get("/admin/backup/download")
@facilitator_required
def admin_backup_download() -> ResponseReturnValue:
    """The backup as a JSON file, without the ballots of open secret decisions."""
    now = clock.now()
    body = json.dumps(backup.export(now, backup.secret_open_ballots()), ensure_ascii=False)
    name = f"cop-vote-backup-{now:%Y-%m-%d}.json"
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
