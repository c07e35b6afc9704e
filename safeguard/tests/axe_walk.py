"""Running axe-core (https://github.com/dequelabs/axe-core, from npm: ``package.json``) in a Playwright page and
reading its results, for ``test_accessibility_axe.py``.

axe-core is injected as a script tag from ``node_modules/axe-core/axe.min.js``. The portal's Content-Security-Policy
(``script-src 'self'``) blocks an injected inline script, so the browser context that uses this is opened with
Playwright's ``bypass_csp=True``: the policy is not enforced in that context. The pages carry no inline script of
their own (``test_browser_csp.py`` checks the policy in a context that enforces it), so what axe sees is the page a
user sees.
"""

import dataclasses
from pathlib import Path

from django.conf import settings

AXE_JS = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the conformance target of issue 15 (axe's own tag names).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Runs in the page: axe over the whole document, WCAG rules only; each violation with its rule, impact, help text and
# the CSS selector of every element that fails it (the first 20; axe lists all, a long table would flood the report).
_RUN = """
async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact || "",
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 20).map((n) => n.target.map((t) => Array.isArray(t) ? t.join(" >>> ") : t).join(" ")),
    summary: (v.nodes[0] && v.nodes[0].failureSummary || "").split("\\n").slice(0, 3).join(" "),
  }));
}
"""


@dataclasses.dataclass(frozen=True)
class Violation:
    """One axe rule failed on one page scanned as one persona.

    ``targets`` are CSS selectors of the failing elements (at most 20; ``nodes`` is how many failed in all);
    ``summary`` is axe's explanation for the first of them (e.g. the contrast ratio it measured)."""

    persona: str
    url_name: str
    url: str
    rule: str
    impact: str
    help: str
    nodes: int
    targets: tuple
    summary: str

    def describe(self):
        targets = ", ".join(self.targets)
        more = f" (+{self.nodes - len(self.targets)} more)" if self.nodes > len(self.targets) else ""
        return (
            f"[{self.impact}] {self.rule} on {self.url_name} ({self.url}) as {self.persona}: {self.help}. "
            f"Elements: {targets}{more}. {self.summary}"
        )


def scan(page, *, persona, url_name):
    """The WCAG violations axe finds on what ``page`` shows now, as ``Violation`` rows (an empty list when clean).

    Injects axe-core into the page first (the page's context must have ``bypass_csp=True``); raises Playwright's
    ``Error`` if the page is gone or the script cannot run."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(_RUN, WCAG_TAGS)
    return [
        Violation(
            persona=persona,
            url_name=url_name,
            url=page.url,
            rule=item["rule"],
            impact=item["impact"],
            help=item["help"],
            nodes=item["nodes"],
            targets=tuple(item["targets"]),
            summary=item["summary"],
        )
        for item in found
    ]
