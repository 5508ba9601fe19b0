"""Screenshots of the served pages for the README and docs: ``python scripts/screenshots.py [NAME…]``.

Starts ``kzlod serve`` on a free 127.0.0.1 port with the bundled graph, opens each page in Debian's
Chromium (driven by Playwright; ``KZLOD_CHROMIUM`` names another binary) and writes
``docs/screenshots/NAME.png`` (every page of :data:`PAGES`, or those named). Needs the test extras
(Playwright) and Chromium. A page that logs a script error, or whose policy blocks something, stops
the script: a screenshot shows a page as it works.
"""

from __future__ import annotations

import os
import shutil
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from servers import start_kzlod  # noqa: E402

#: name -> (path, the element to wait for, the element to bring to the top of the picture or None, and how
#: far to scroll back from there, in pixels).
PAGES = {
    "workbench": ("?example=entity&entity=kzd:russia", "#results[data-state=done]", "#results", 330),
    "results": ("?example=strained-relations", "#results[data-state=done]", "#downloads", 0),
    "did-you-mean": ("?query=" + urllib.parse.quote("SELECT ?state ?label WHERE {\n  ?state a kz:Stat ;\n"
                                                    "    rdfs:label ?label .\n}", safe=""),
                     "#unknown-terms:not([hidden])", None, 0),
    "source": ("source/foreign-policy#s17", "main", "#s17", 90),
    "search": ("search?q=Karabakh", "main", None, 0),
    "claims": ("claims?partner=kzd:armenia", "main", None, 0),
    "timeline": ("timeline", "main", None, 0),
    "map": ("map", "svg.relmap", "figure.map", 0),
    "entities": ("entities", "main", None, 0),
    "entity": ("id/armenia", "main", None, 0),
    "service": ("sparql", "main", None, 0),
    "not-found": ("id/russi", "main", None, 0),
}


def shoot(page, url: str, name: str, out: Path) -> None:
    path, ready, top, back = PAGES[name]
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and "404" not in msg.text and problems.append(msg.text))
    page.goto(url + path)
    page.wait_for_selector(ready, state="attached", timeout=30_000)
    if top:
        page.eval_on_selector(top, "el => el.scrollIntoView({block: 'start'})")
        page.evaluate("back => window.scrollBy(0, -back)", back)
    page.wait_for_timeout(500)
    if problems:
        raise SystemExit(f"{name}: {problems}")
    page.screenshot(path=str(out / f"{name}.png"))
    print(out / f"{name}.png")


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(PAGES))
    if unknown:
        raise SystemExit(f"no page named {', '.join(unknown)}: pick from {', '.join(PAGES)}")
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("KZLOD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    proc, url, _port = start_kzlod()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
            for name in names or PAGES:
                page = browser.new_page(viewport={"width": 1200, "height": 760})
                shoot(page, url, name, out)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main(sys.argv[1:])
