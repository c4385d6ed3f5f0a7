"""``report.html`` in headless Chromium (Debian's ``chromium``, driven by Playwright): it
loads with no console message of level error or warning and no page error, every plot is
an SVG the browser lays out at a visible size, the screenshot is not blank, the page
makes no network request at all, and a hostile diff's script never runs.

The real report is ``experiment-demo/analysis/report.html`` (the README's demo run, then
``aiopt analyze experiment-demo``) when it exists, or the file named by
``AIOPT_REPORT_UNDER_TEST``; the synthetic one is rendered here from a known experiment.
Without Chromium or Playwright the tests skip, unless ``AIOPT_REQUIRE_BROWSER=1`` (CI):
then they fail, so CI cannot pass without opening the report.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness.analysis.analyze import analyze_experiment
from aiopt_harness.analysis.experiment_data import load_experiment
from aiopt_harness.analysis.report_html import render_report

from .synthetic_experiment import write_experiment
from .test_report_html import ATTACK, _rules, _runs

REQUIRED = os.environ.get("AIOPT_REQUIRE_BROWSER") == "1"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if REQUIRED:
    import playwright.sync_api as playwright_api

    assert CHROMIUM is not None, "AIOPT_REQUIRE_BROWSER=1 but no chromium on PATH"
else:
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="unavailable: playwright is not installed"
    )
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="unavailable: no chromium on PATH (apt-get install chromium)"
)
REPO = Path(__file__).resolve().parents[2]


def _real_report() -> Path | None:
    named = os.environ.get("AIOPT_REPORT_UNDER_TEST")
    if named:
        return Path(named)
    demo = REPO / "experiment-demo" / "analysis" / "report.html"
    return demo if demo.exists() else None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            launched.close()


def _open(browser: Any, report: Path, screenshot: Path) -> dict[str, Any]:
    """Load ``report`` and return what the page did: console messages, page errors,
    network requests other than the file itself, the plots' laid-out sizes, the page's
    ``window.pwned``, and the screenshot's spread of pixel values."""
    from matplotlib.image import imread

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    seen: dict[str, Any] = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    url = report.resolve().as_uri()
    page.on("request", lambda r: r.url != url and seen["requests"].append(r.url))
    page.goto(url, wait_until="load")
    seen["plots"] = page.eval_on_selector_all(
        "figure svg",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " return [r.width, r.height, e.querySelectorAll('path, line, rect, text, use').length]; })",
    )
    seen["figures_in_source"] = report.read_text().count("<figure>")
    seen["pwned"] = page.evaluate("() => window.pwned === undefined ? null : window.pwned")
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    pixels = imread(str(screenshot))
    seen["pixel_spread"] = float(pixels.max() - pixels.min())
    seen["screenshot_height"] = pixels.shape[0]
    return seen


def _assert_clean(seen: dict[str, Any]) -> None:
    bad = [(kind, text) for kind, text in seen["console"] if kind in ("error", "warning")]
    assert bad == [], bad
    assert seen["errors"] == []
    assert seen["requests"] == []
    assert len(seen["plots"]) == seen["figures_in_source"] > 0
    for width, height, marks in seen["plots"]:
        assert width > 100 and height > 100 and marks > 5, seen["plots"]
    assert seen["pixel_spread"] > 0.5  # something is drawn: not a blank page
    assert seen["screenshot_height"] > 900  # the full page, not only the viewport


def test_synthetic_report_with_a_hostile_diff(browser: Any, tmp_path: Path) -> None:
    root = write_experiment(tmp_path / "exp", _runs(ATTACK), iterations=3)
    result = analyze_experiment(load_experiment(root), root / "analysis", _rules, None, say=print)
    report = tmp_path / "report.html"
    report.write_text(render_report(result))
    seen = _open(browser, report, tmp_path / "synthetic.png")
    _assert_clean(seen)
    assert seen["pwned"] is None  # the diff's <script> stayed text
    # 5 plots for the one task, the performance profiles across tasks unavailable (1 task)
    assert len(seen["plots"]) == 5


@pytest.mark.skipif(_real_report() is None, reason="no real report: run the demo and analyze")
def test_real_experiment_report(browser: Any, tmp_path: Path) -> None:
    report = _real_report()
    assert report is not None
    shot = Path(os.environ.get("AIOPT_REPORT_SCREENSHOT", tmp_path / "real.png"))
    seen = _open(browser, report, shot)
    _assert_clean(seen)
    assert seen["pwned"] is None
