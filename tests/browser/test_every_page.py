"""Every page of the demo network in real Chromium, for each role.

The story (``test_story.py``) walks the facilitator's and the members' path
through one decision; this walks every HTML page a role can open in the
seeded demo network (every GET route of the app, filled with the network's
identifiers, as the security-header and language walks do), so a page added
later is checked without anyone listing it: axe-core finds no violation of
any impact, and the page does not scroll sideways at 320 px. A screenshot at
320 px is kept of each (``tests/browser/screenshots/``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from cop_vote.extensions import db
from tests.seed import seed
from tests.web.test_security_headers import get_urls

from .test_story import Story

pytestmark = pytest.mark.browser

#: Not pages: the API, files, sign-in steps (walked by the story), probes.
SKIP = ("/api/", "/static/", "/auth/", "/calendar/", "/healthz", "/readyz")


@pytest.mark.parametrize(
    ("role", "lang", "js"),
    # (An observer sees a part of the representative's pages.)
    [("facilitator", "en", True), ("representative", "nl", False)],
    ids=["facilitator-en-js", "representative-nl-nojs"],
)
def test_every_page_passes_axe_and_reflows(
    app: Any,
    clock: Any,
    live_server: Any,
    chromium: Any,
    screenshots: Any,
    role: str,
    lang: str,
    js: bool,
) -> None:
    seeded = seed(app, clock.now)
    urls = [u for u in get_urls(app, seeded, "unused") if not u.startswith(SKIP)]
    person = seeded.people[role]
    db.session.commit()
    story = Story(live_server, screenshots, js)
    context = story.context(chromium, lang=lang)
    page = story.sign_in(context, person.email or "", clock.now, lang)
    checked = []
    for url in urls:
        # Downloads (CSV, Word, calendar files) and pages the role may not
        # open are asked for without opening them in the tab.
        answer = page.request.get(url, max_redirects=0)
        kind = answer.headers.get("content-type", "")
        if answer.status != 200 or not kind.startswith("text/html"):
            continue
        page.goto(url)
        name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"
        story.check(page, f"{role}-{name}", wide=False)
        checked.append(url)
    context.close()
    assert len(checked) >= (40 if role == "facilitator" else 12), checked
    assert not story.problems, "\n".join(story.problems)
