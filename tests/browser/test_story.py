"""The whole story in real Chromium, with JavaScript on and again off.

The facilitator drafts a ranked decision, opens it, reviews comments (flags
one, hides one), records a ballot given in the meeting, closes and publishes.
Three representatives of different organisations, one reading Dutch, one
English, cast ballots (one ranks by keyboard alone) and comment; one first
submits an empty ballot on a 320 px wide screen, and the error summary is in
view and has focus.

On every page: axe-core finds no violation of any impact, the page does not
scroll sideways at 320 px, and a screenshot is saved at 1280 and 320 px
(``tests/browser/screenshots/``, gitignored; CI keeps the folder).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cop_vote.extensions import db
from cop_vote.services import auth

pytestmark = pytest.mark.browser

AXE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
WIDE, NARROW = 1280, 320
HEIGHT = 900


class Story:
    """Checks and screenshots every page the story visits."""

    def __init__(self, server: Any, screenshots: Path, js: bool) -> None:
        self.server = server
        self.folder = screenshots
        self.js = js
        self.count = 0
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.checker: Any = None

    def context(self, browser: Any, *, width: int = WIDE, lang: str | None = None) -> Any:
        context = browser.new_context(
            base_url=self.server.url,
            java_script_enabled=self.js,
            viewport={"width": width, "height": HEIGHT},
            locale={"en": "en-GB", "nl": "nl-NL"}.get(lang or "nl", "nl-NL"),
        )
        context.set_default_timeout(15_000)
        return context

    def sign_in(self, context: Any, email: str, now: Any, lang: str) -> Any:
        """A page signed in as ``email`` by a sign-in link, reading ``lang``."""
        _person, secret = auth.issue_login_link(email, now, minutes=30)  # type: ignore[misc]
        db.session.commit()
        page = context.new_page()
        page.goto(f"/auth/link/{secret}?lang={lang}")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        assert "/auth/" not in page.url, page.url
        return page

    def check(self, page: Any, name: str, *, wide: bool = True) -> None:
        """axe-core, no sideways scrolling at 320 px, screenshots at 320 px and
        (unless ``wide`` is false) at 1280 px."""
        self.count += 1
        page.wait_for_load_state()
        lang = page.evaluate("document.documentElement.lang")
        label = f"{'js' if self.js else 'nojs'}-{self.count:02d}-{name}-{lang}"
        self.seen.append(f"{label} {page.url}")
        size = page.viewport_size
        violations = self.axe(page)
        for v in violations:
            targets = [n["target"] for n in v["nodes"]][:3]
            self.problems.append(f"{label}: axe {v['id']} ({v['impact']}) {targets}")
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
        widths = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if widths[0] > widths[1]:
            wide = page.evaluate(WIDEST)
            self.problems.append(f"{label}: scrolls sideways at 320 px {widths} {wide}")
        broken = page.evaluate(BROKEN_WORDS)
        if broken:
            self.problems.append(f"{label}: words broken inside a results table {broken}")
        clipped = page.evaluate(CLIPPED_CAPTIONS)
        if clipped:
            self.problems.append(f"{label}: captions beyond their scrolling box {clipped}")
        page.screenshot(path=str(self.folder / f"{label}-320.png"), full_page=True)
        page.set_viewport_size({"width": WIDE, "height": HEIGHT})
        if wide:
            page.screenshot(path=str(self.folder / f"{label}-1280.png"), full_page=True)
        page.set_viewport_size(size)

    def axe(self, page: Any) -> list[dict[str, Any]]:
        """axe-core's violations on the page.

        axe needs JavaScript. With the page's JavaScript off, the HTML exactly
        as that page has it is loaded at the same address in a page with
        JavaScript on, the site's scripts blocked and its style sheet served,
        and axe runs there: the same document and styles as without JavaScript.
        """
        if self.js:
            return run_axe(page)
        if self.checker is None:
            self.checker = page.context.browser.new_context(
                base_url=self.server.url, viewport=page.viewport_size
            )
        html = page.content()
        checker = self.checker.new_page()
        checker.set_viewport_size(page.viewport_size)
        checker.route("**/*.js", lambda route: route.abort())
        url = page.url.split("#", 1)[0]
        checker.route(url, lambda route: route.fulfill(body=html, content_type="text/html"))
        checker.goto(url)
        try:
            return run_axe(checker)
        finally:
            checker.close()

    def close(self) -> None:
        if self.checker is not None:
            self.checker.close()


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of any impact on ``page`` (JavaScript on)."""
    result = page.evaluate(
        "async (source) => {"
        " if (!window.axe) { (0, eval)(source); }"
        " const r = await window.axe.run(document, {resultTypes: ['violations']});"
        " return JSON.stringify(r.violations); }",
        AXE,
    )
    return list(json.loads(result))


#: The elements wider than the viewport, to say what widens a page.
WIDEST = """() => {
  const w = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > w + 1)
    .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
}"""


#: Words of up to 12 characters split over two lines in a results table (a
#: table of several figures per row scrolls in its box instead); a line may
#: end after a hyphen, a dash or a slash.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('table.results th, table.results td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.visually-hidden')) continue;
      for (const m of node.data.matchAll(/[^\\s\\-\u2013\u2014\\/]+/g)) {
        if (m[0].length > 12) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken.slice(0, 10);
}"""


#: Captions of tables in a scrolling box that reach beyond the box's visible width.
CLIPPED_CAPTIONS = """() => [...document.querySelectorAll('.table-wrap caption')]
  .filter(c => c.getBoundingClientRect().right >
               c.closest('.table-wrap').getBoundingClientRect().right + 1)
  .map(c => c.textContent.trim().slice(0, 60))"""


def focused(page: Any) -> dict[str, Any]:
    """What has focus: its id, classes, and the id of the nearest region with one."""
    return dict(
        page.evaluate(
            """() => { const a = document.activeElement;
            const r = a && a.closest('[id]');
            return {id: a ? a.id : '', cls: a ? a.className : '', tag: a ? a.tagName : '',
                    region: r ? r.id : '', text: a ? a.textContent.trim().slice(0, 80) : ''}; }"""
        )
    )


def in_view(page: Any, selector: str) -> bool:
    box = page.evaluate(
        """(selector) => { const b = document.querySelector(selector).getBoundingClientRect();
        return [b.top, b.bottom, window.innerHeight]; }""",
        selector,
    )
    # A fragment scroll can leave the target a fraction of a pixel above the top.
    return bool(box[0] > -1 and box[0] < box[2])


def posting(page: Any) -> Any:
    """Wait for what a POST brings: a new page without JavaScript (or a
    non-htmx form), htmx's answer with it."""
    if page.evaluate("typeof window.htmx") == "undefined":
        return page.expect_navigation()
    return page.expect_response(lambda r: r.request.method == "POST")


def submit(page: Any, form: str, button: str = "button[type=submit]") -> None:
    """Click a form's button and wait for the page (or htmx's update) to settle."""
    target = page.locator(f"{form} {button}").first
    boosted = target.evaluate("b => Boolean(b.closest('[hx-post]'))")
    with posting(page) if boosted else page.expect_navigation():
        target.click()
    page.wait_for_load_state()
    page.wait_for_timeout(150)  # htmx settles 20 ms after the swap


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_the_whole_story(
    app: Any,
    network: dict[str, Any],
    make_org: Any,
    live_server: Any,
    clock: Any,
    chromium: Any,
    screenshots: Path,
    js: bool,
) -> None:
    # An organisation without a representative online gives its ballot in the meeting.
    make_org("ghana-union", kind="diaspora", name="Ghana Union Nederland", short_name="GUN")
    people = network["people"]
    now = clock.now
    story = Story(live_server, screenshots, js)
    mode = "JS" if js else "no-JS"

    # --- the facilitator drafts and opens (English with JavaScript, Dutch without) ---
    fac_lang = "en" if js else "nl"
    fac_context = story.context(chromium, lang=fac_lang)
    fac = story.sign_in(fac_context, people["facilitator"].email, now, fac_lang)
    fac.goto("/admin")
    story.check(fac, "admin")
    fac.goto("/admin/decisions")
    story.check(fac, "admin-decisions")
    fac.goto("/admin/decisions/new")
    story.check(fac, "draft-method")
    # The method step: only the chosen method's fields follow.
    fac.check("#method-ranked")
    submit(fac, "main form")
    assert "method=ranked" in fac.url, fac.url
    story.check(fac, "draft-form")
    # Saving without a title: the summary at the top has focus, in view.
    submit(fac, "main form", "#submit")
    assert focused(fac)["id"] == "error-summary", (mode, focused(fac))
    assert in_view(fac, "#error-summary")
    assert fac.title().startswith("Error:" if fac_lang == "en" else "Fout:"), fac.title()
    assert fac.locator('#error-summary a[href="#title"]').count() == 1
    story.check(fac, "draft-error")
    title = f"Vorm van samenwerking ({mode})"
    fac.fill("#title", title)
    fac.fill("#description", "Welke vorm geven we onze samenwerking? " + "samenwerkingsverband" * 4)
    labels = ["Netwerk", "Platform", "Stichting"]
    for n, label in enumerate(labels):
        fac.fill(f"#options-{n}-label", label)
    closes = (now + timedelta(days=14)).strftime("%Y-%m-%dT17:00")
    fac.fill("#closes_at", closes)
    submit(fac, "main form", "#submit")
    match = re.search(r"/admin/decisions/(\d+)", fac.url)
    assert match, fac.url
    decision_id = int(match.group(1))
    story.check(fac, "admin-decision-draft")
    fac.goto(f"/admin/decisions/{decision_id}/open")
    story.check(fac, "open-confirm")
    submit(fac, "main form")
    story.check(fac, "admin-decision-open")
    decision_url = f"/decisions/{decision_id}"

    # --- three representatives: Dutch, English, and one on a 320 px phone ---
    reps = []
    for key, lang, width in (("adpc", "nl", WIDE), ("oxfam1", "en", WIDE), ("stro", "nl", NARROW)):
        context = story.context(chromium, width=width, lang=lang)
        page = story.sign_in(context, people[key].email, now, lang)
        reps.append((key, lang, context, page))

    # Amina (ADPC, Dutch) ranks by keyboard alone.
    _key, _lang, _ctx, amina = reps[0]
    amina.goto("/")
    story.check(amina, "home")
    amina.goto(decision_url)
    story.check(amina, "decision")
    rank_by_keyboard(amina, ["2", "1", "3"])
    after_write(amina, js, "ballot", story)
    story.check(amina, "decision-cast")

    # Idris (Oxfam Novib, English) ranks with the mouse, then comments.
    _key, _lang, _ctx, idris = reps[1]
    idris.goto(decision_url)
    assert idris.evaluate("document.documentElement.lang") == "en"
    ranks = idris.locator("#ballot-choices select")
    for n in range(ranks.count()):
        ranks.nth(n).select_option(str(n + 1))
    submit(idris, "form.ballot-form", "button[value=cast]")
    after_write(idris, js, "ballot", story)
    idris.fill("#comment-body", "We prefer a light network: no new legal entity.")
    submit(idris, "#comment-form")
    after_write(idris, js, "comments", story)
    story.check(idris, "decision-commented")

    # Marieke (STRO, Dutch) on a phone: an empty ballot first, then a real one.
    _key, _lang, _ctx, marieke = reps[2]
    marieke.goto(decision_url)
    submit(marieke, "form.ballot-form", "button[value=cast]")
    assert in_view(marieke, "#ballot-error-summary"), f"{mode}: error summary out of view"
    active = focused(marieke)
    assert active["id"] == "ballot-error-summary", (mode, active)
    assert marieke.title().startswith("Fout:"), marieke.title()
    story.check(marieke, "ballot-error-320")
    marieke.select_option("#ballot-choices select >> nth=2", "1")
    submit(marieke, "form.ballot-form", "button[value=cast]")
    after_write(marieke, js, "ballot", story)
    assert not marieke.title().startswith("Fout:"), marieke.title()
    # An empty comment: the summary again; then two comments to review.
    submit(marieke, "#comment-form")
    assert focused(marieke)["id"] == "comment-error-summary", (mode, focused(marieke))
    assert in_view(marieke, "#comment-error-summary")
    story.check(marieke, "comment-error-320")
    marieke.fill("#comment-body", "Een stichting geeft migrantenorganisaties een gelijke stem.")
    submit(marieke, "#comment-form")
    after_write(marieke, js, "comments", story)
    marieke.fill("#comment-body", "Dit is een opmerking die de facilitator verbergt.")
    submit(marieke, "#comment-form")
    after_write(marieke, js, "comments", story)
    story.check(marieke, "decision-commented-320")
    if js:
        polling_keeps_focus(amina, f"{decision_url}/participation")
    else:
        amina.goto(f"{decision_url}/participation")
    story.check(amina, "participation")

    # --- the facilitator reviews: flags one comment, hides another ---
    fac.goto(f"/admin/decisions/{decision_id}/review")
    story.check(fac, "review-queue")
    review(fac, js, "Een stichting", "flagged", story, note="Bespreken in de vergadering.")
    review(fac, js, "verbergt", "hidden", story, reason="Niet over dit besluit.")
    story.check(fac, "review-done")
    filter_queue(fac, js, "flagged")
    story.check(fac, "review-filtered")

    # --- a ballot given in the meeting, recorded by the facilitator ---
    fac.goto(f"/admin/decisions/{decision_id}/record")
    story.check(fac, "record-form")
    fac.select_option("#record-organisation", "ghana-union")
    submit(fac, "form.choose-organisation")
    story.check(fac, "record-ballot-form")
    fac.fill("#record-given-by", "Kofi Mensah")
    fac.locator("#ballot-choices select").first.select_option("1")
    submit(fac, "form.ballot-form", "button[value=cast]")
    story.check(fac, "record-done")
    assert fac.locator(".error-summary").count() == 0, fac.content()[:2000]

    # --- close and publish ---
    fac.goto(f"/admin/decisions/{decision_id}/close")
    story.check(fac, "close-confirm")
    submit(fac, "main form")
    fac.goto(f"/admin/decisions/{decision_id}/publish")
    story.check(fac, "publish-form")
    # Publishing without a statement: the summary has focus, in view.
    submit(fac, "main form")
    assert focused(fac)["id"] == "error-summary", (mode, focused(fac))
    assert in_view(fac, "#error-summary")
    assert fac.title().startswith("Error:" if fac_lang == "en" else "Fout:"), fac.title()
    story.check(fac, "publish-error")
    fac.fill("#statement", "Het netwerk kiest een platform; de stichting volgt later.")
    submit(fac, "main form")
    story.check(fac, "admin-decision-published")

    # --- everyone reads the outcome, in their own language ---
    for _key, lang, _ctx, page in reps[:2]:
        page.goto(f"{decision_url}/outcome")
        assert page.evaluate("document.documentElement.lang") == lang
        story.check(page, "outcome")
        page.goto(f"{decision_url}/results")
        story.check(page, "results")
    idris.goto(decision_url)
    story.check(idris, "decision-published")

    for _key, _lang, context, _page in reps:
        context.close()
    fac_context.close()
    story.close()
    assert live_server.server_errors() == []
    assert story.problems == [], "\n".join(story.problems + ["", "pages:"] + story.seen)


def rank_by_keyboard(page: Any, ranks: list[str]) -> None:
    """Reach the ranking with Tab from the top of the page, choose each rank by
    typing it, and cast with Enter: no mouse."""
    page.keyboard.press("Tab")  # the skip link
    for _ in range(200):
        page.keyboard.press("Tab")
        if (focused(page)["id"] or "").startswith("rank-"):
            break
    else:
        raise AssertionError("Tab never reached the ranking")
    for n, rank in enumerate(ranks):
        if n:
            page.keyboard.press("Tab")
        assert focused(page)["id"].startswith("rank-"), focused(page)
        page.keyboard.type(rank)
    for _ in range(5):
        page.keyboard.press("Tab")
        if focused(page)["tag"] == "BUTTON":
            break
    assert focused(page)["text"], focused(page)
    with posting(page):
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.wait_for_timeout(150)
    values = page.evaluate(
        "[...document.querySelectorAll('#ballot-choices select')].map(s => s.value)"
    )
    assert values == ranks, values


def filter_queue(page: Any, js: bool, status: str) -> None:
    """Filter the review queue: with htmx the queue is replaced in place and
    focus goes to its heading; without, the filtered page loads."""
    page.select_option("#filter-status", status)
    button = page.locator("form.review-filters button[type=submit]")
    if js:
        with page.expect_response(lambda r: "status=" + status in r.url):
            button.click()
        page.wait_for_timeout(150)
        assert focused(page)["id"] == "queue-title", focused(page)
    else:
        with page.expect_navigation():
            button.click()
    assert page.locator(".review-list > li").count() == 1


def polling_keeps_focus(page: Any, url: str) -> None:
    """The participation panel polls every 30 s; the update moves no focus."""
    page.clock.install()
    page.goto(url)
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    before = focused(page)
    assert before["tag"] == "A", before
    with page.expect_response(lambda r: "/participation" in r.url and r.request.method == "GET"):
        page.clock.run_for("00:31")
    page.wait_for_timeout(150)
    page.clock.run_for(100)  # htmx settles after 20 ms of the page's (fake) clock
    page.wait_for_timeout(50)
    assert focused(page) == before


def after_write(page: Any, js: bool, region: str, story: Story) -> None:
    """After a successful write: the status message is shown, and with htmx it
    is in the region's live region (which existed before) and has focus."""
    if js:
        status = page.locator(f"#{region}-status .notice")
        assert status.count() == 1, page.locator(f"#{region}").inner_html()[:1000]
        active = focused(page)
        assert active["region"] == f"{region}-status", active
        assert page.locator(f"#{region}-status").get_attribute("role") == "status"
    else:
        assert page.locator("#messages .flash").count() == 1, page.url
    assert page.locator(".error-summary").count() == 0, page.content()[:3000]


def review(
    page: Any, js: bool, text: str, action: str, story: Story, *, note: str = "", reason: str = ""
) -> None:
    """Tick the comment that contains ``text`` and apply ``action`` to it."""
    item = page.locator(".review-list > li", has_text=text)
    item.locator("input[type=checkbox]").check()
    page.select_option("#action", action)
    if note:
        page.fill("#note", note)
    if reason:
        page.fill("#reason", reason)
    submit(page, "#review-queue form")
    if js:
        active = focused(page)
        assert active["region"] == "review-queue-status", active
    state = page.locator(".review-list > li", has_text=text).locator(".review-state")
    assert state.count() == 1
    assert page.locator(".error-summary").count() == 0
