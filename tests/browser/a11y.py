"""Accessibility helpers for the browser tests: axe-core inside Chromium, signed-in contexts.

axe-core comes from the npm registry (`make axe`, pinned in the Makefile) into var/node,
which git ignores; a missing copy fails the test with the command to run instead of
skipping, so an accessibility check can never silently stop running.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks, heading
# order, one main, unique landmark names, …): they catch what the level tags do not.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

_RUN_AXE = """
async ([tags, disabled]) => {
  const rules = {};
  for (const id of disabled) rules[id] = { enabled: false };
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    rules,
    resultTypes: ["violations", "incomplete"],
  });
  const nodes = (list) => list.map((node) => ({
    target: node.target.join(" "),
    html: node.html.slice(0, 200),
    summary: node.failureSummary || [...node.any, ...node.all].map((c) => c.message).join("; "),
  }));
  return {
    version: axe.version,
    passes: result.passes.map((rule) => rule.id),
    incomplete: result.incomplete.map((rule) => ({ id: rule.id, nodes: nodes(rule.nodes) })),
    inapplicable: result.inapplicable.map((rule) => rule.id),
    violations: result.violations.map((rule) => ({
      id: rule.id, impact: rule.impact, help: rule.help, nodes: nodes(rule.nodes),
    })),
  };
}
"""


def axe_path() -> Path:
    if not AXE_JS.is_file():
        pytest.fail(
            f"axe-core is missing ({AXE_JS.relative_to(ROOT)}): run `make axe` "
            "(or `make test`, which runs it) to install it from the npm registry"
        )
    return AXE_JS


def run_axe(page, *, disabled: tuple[str, ...] = ()) -> dict:
    """axe's results for the page as it is now (it is injected once per document)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(axe_path()))
    return page.evaluate(_RUN_AXE, [AXE_TAGS, list(disabled)])


def describe(name: str, violations: list[dict]) -> str:
    lines = []
    for rule in violations:
        lines.append(f"{name}: {rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"][:6]:
            lines.append(f"    {node['target']}  {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


class AxeReport:
    """Results per page for one colour scheme; written to test-artifacts/accessibility/."""

    def __init__(self, scheme: str):
        self.scheme = scheme
        self.pages: dict[str, dict] = {}

    def check(self, page, name: str, *, disabled: tuple[str, ...] = ()) -> None:
        page.wait_for_load_state("load")
        result = run_axe(page, disabled=disabled)
        ran = (
            len(result["passes"])
            + len(result["incomplete"])
            + len(result["inapplicable"])
            + len(result["violations"])
        )
        self.pages[name] = {
            "url": page.url,
            "axe": result["version"],
            "rules_run": ran,
            "applicable": ran - len(result["inapplicable"]),
            "passed": len(result["passes"]),
            # What axe could not decide (text over a video or a gradient, say): kept for a
            # person to look at, not counted as a violation.
            "needs_review": result["incomplete"],
            "violations": result["violations"],
            "disabled": list(disabled),
        }

    def failures(self) -> str:
        return "\n".join(
            describe(f"[{self.scheme}] {name}", entry["violations"])
            for name, entry in self.pages.items()
            if entry["violations"]
        )

    def save(self) -> Path:
        folder = ARTIFACTS / "accessibility"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"axe-{self.scheme}.json"
        path.write_text(json.dumps(self.pages, indent=2))
        return path

    def table(self) -> str:
        rows = [f"axe-core, {self.scheme} mode: page, rules run, applicable, passed, violations"]
        for name, entry in self.pages.items():
            excluded = f"  (excluded: {', '.join(entry['disabled'])})" if entry["disabled"] else ""
            rows.append(
                f"  {name}: {entry['rules_run']} run, {entry['applicable']} applicable, "
                f"{entry['passed']} passed, {len(entry['violations'])} violations{excluded}"
            )
        return "\n".join(rows)


def session_cookie(user, live_server) -> dict:
    """A session cookie for `user`, for a browser context on the live server."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def new_page(browser, live_server, *, user=None, **options):
    """A page in a fresh context (signed in as `user` when given); close its context."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    if user is not None:
        context.add_cookies([session_cookie(user, live_server)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def fill_sign_up(page, *, email: str, password: str, name="Dr. New Coach", again=None) -> None:
    """Fills allauth's sign-up form (our certificate name field included)."""
    page.fill("input[name=email]", email)
    page.fill("input[name=certificate_name]", name)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password if again is None else again)
