"""Screenshots of the served pages for the README: ``python scripts/screenshots.py``.

Starts ``kzlod serve`` on a free 127.0.0.1 port with the bundled graph, opens each page in Debian's
Chromium (driven by Playwright; ``KZLOD_CHROMIUM`` names another binary) and writes
``docs/screenshots/NAME.png``. Needs the test extras (Playwright) and Chromium.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from servers import start_kzlod  # noqa: E402

PAGES = {
    "workbench": ("?example=entity&entity=kzd:russia", ".yasr table, .yasr_results table"),
    "source": ("source/foreign-policy#s17", "main"),
    "search": ("search?q=Karabakh", "main"),
    "claims": ("claims?partner=kzd:armenia", "main"),
    "timeline": ("timeline", "main"),
}


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("KZLOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    proc, url, _port = start_kzlod()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1200, "height": 760})
            for name, (path, ready) in PAGES.items():
                page.goto(url + path)
                found = page.wait_for_selector(ready, timeout=30_000)
                if name == "workbench":  # the rows, with the end of the query above them
                    found.scroll_into_view_if_needed()
                    page.mouse.wheel(0, -250)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / f"{name}.png"))
                print(out / f"{name}.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
