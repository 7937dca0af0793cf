"""Real Chromium for the browser story (tests/browser/test_story.py).

Playwright for Python drives Debian's Chromium, launched by its path (no
browser download: ``playwright install`` is never run). Without Chromium or
Playwright the tests skip and say why; CI (``COP_FAIL_ON_SKIP=1``) fails then.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing).
CHROMIUM = os.environ.get("COP_CHROMIUM", "/usr/bin/chromium")
#: Screenshots of every page of the story at 1280 and 320 px (gitignored; CI keeps them).
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need Playwright for Python (requirements-dev.txt)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for screenshots, emptied once per session."""
    if SCREENSHOTS.exists():
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
