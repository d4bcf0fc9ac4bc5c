"""The checks every page a browser journey visits must pass, and the defects already known.

`check_page(page, name)` runs axe-core (WCAG 2.2 AA: no serious or critical violation), looks
for Content-Security-Policy violations (the `securitypolicyviolation` events and the console's
reports), measures sideways scrolling at 375 px wide, and keeps a screenshot of each width.

`KNOWN_ISSUES` lists the failures already reported (issue 14 section 5), by page name, with the
numbers measured when they were listed. A failure does not stop the journey. At its end, a test with
new failures fails, listing them all; one with only known failures is reported as XFAIL with the measured numbers (tests/browser/conftest.py), so the defect stays
visible. A listed failure that no longer happens fails the test: take it off the list.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

#: WCAG 2.2 AA, as issue 14 asks
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
ARTEFACTS = Path(os.environ.get("SARA_ARTEFACTS") or "test-artefacts/browser")

#: Collects the page's CSP violations from before its first script runs (Playwright adds init
#: scripts outside the page's CSP, so this needs no nonce).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
    + (e.sourceFile ? ' at ' + e.sourceFile + ':' + e.lineNumber : ''));
});
"""

#: Known failures, by the page names the journeys give check_page: {check: why}. A check is
#: "scroll" (sideways scrolling at 375 px), "axe:<rule id>" or "csp".
KNOWN_ISSUES: dict[str, dict[str, str]] = {}

_axe = Axe()


@dataclass
class Finding:
    """One failed check on one page."""

    page: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.page}: {self.check}: {self.detail}"


@dataclass
class Checker:
    """The checks of one test: where its screenshots go, and what it found."""

    test_name: str
    steps: int = 0
    known: list[Finding] = field(default_factory=list)
    #: Failures not in KNOWN_ISSUES: the journey goes on, and the test fails at its end with all
    new: list[Finding] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return ARTEFACTS / _file_name(self.test_name)

    def check_page(self, page, name: str) -> None:
        """Every check on the page as it is now. A failure not in KNOWN_ISSUES fails the test
        once the journey is over (so one run shows every page's failures)."""
        self.steps += 1
        page.wait_for_load_state("load")
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = self.folder / f"{self.steps:02d}-{_file_name(name)}"
        page.screenshot(path=f"{stem}.png", full_page=True)
        findings = [*axe_findings(page, name), *csp_findings(page, name)]
        findings += scroll_findings(page, name, f"{stem}-375px.png")
        _record(self.folder, name, findings)
        self._judge(page.url, name, findings, checks=None)

    def require(self, name: str, check: str, ok: bool, detail: str) -> None:
        """A journey's own check (such as "fold": the status above the fold on a phone), judged
        against KNOWN_ISSUES as check_page's are."""
        findings = [] if ok else [Finding(name, check, detail)]
        self._judge(name, name, findings, checks={check})

    def _judge(self, where: str, name: str, findings: list[Finding], checks) -> None:
        known = {check: why for check, why in KNOWN_ISSUES.get(name, {}).items()
                 if checks is None or check in checks}
        new = [finding for finding in findings if finding.check not in known]
        self.known += [finding for finding in findings if finding.check in known]
        for check in known:
            if not any(finding.check == check for finding in findings):
                new.append(Finding(name, check, "listed in KNOWN_ISSUES but no longer happens: "
                                                "take it off the list"))
        self.new += [Finding(finding.page, finding.check, f"{finding.detail} ({where})")
                     for finding in new]


def axe_findings(page, name: str) -> list[Finding]:
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                      "resultTypes": ["violations"]})
    findings = []
    for violation in results.response["violations"]:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        findings.append(Finding(name, f"axe:{violation['id']}",
                                f"{violation['impact']}, {len(targets)} element(s): "
                                f"{violation['help']}; {', '.join(targets[:5])}"))
    return findings


def axe_violations(page, rules: list[str]) -> list[dict]:
    """The page's violations of the named axe rules, whatever their impact (such as "region",
    moderate, which check_page does not fail on): each {"id", "impact", "targets"}."""
    results = _axe.run(page, options={"runOnly": {"type": "rule", "values": rules},
                                      "resultTypes": ["violations"]})
    return [{"id": violation["id"], "impact": violation["impact"],
             "targets": [" ".join(map(str, node["target"])) for node in violation["nodes"]]}
            for violation in results.response["violations"]]


def csp_findings(page, name: str) -> list[Finding]:
    events = page.evaluate("window.__cspViolations || []")
    console = getattr(page, "_sara_csp_console", [])
    messages = [*events, *console]
    console.clear()
    return [Finding(name, "csp", "; ".join(messages))] if messages else []


def scroll_findings(page, name: str, screenshot: str) -> list[Finding]:
    """The page resized to a phone's 375 px: is it wider than the screen?"""
    before = page.viewport_size or DESKTOP
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=screenshot)
        if width <= PHONE["width"]:
            return []
        widest = page.evaluate(WIDEST_ELEMENTS)
        return [Finding(name, "scroll", f"scrollWidth {width} px > 375 px; widest: {widest}")]
    finally:
        page.set_viewport_size(before)


#: The elements that reach furthest right, for the report (the three outermost culprits)
WIDEST_ELEMENTS = """
(() => {
  const limit = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const right = el.getBoundingClientRect().right;
    if (right > limit + 1 && !wide.some((w) => w.el.contains(el))) wide.push({el, right});
  }
  return wide.slice(0, 3).map(({el, right}) => {
    const cls = el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/)[0] : '';
    return el.tagName.toLowerCase() + cls + ' ' + Math.round(right) + 'px';
  }).join(', ');
})()
"""


def watch_console(page) -> None:
    """Keep the console's CSP reports on the page, for csp_findings."""
    reports: list[str] = []
    page._sara_csp_console = reports

    def on_console(message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            reports.append(message.text)

    page.on("console", on_console)


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)


def _record(folder: Path, name: str, findings: list[Finding]) -> None:
    """Every page's findings in one file per test, known or not, for the artefacts."""
    with open(folder / "findings.jsonl", "a") as out:
        out.write(json.dumps({"page": name, "findings": [f.__dict__ for f in findings]}) + "\n")
