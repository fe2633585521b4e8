"""axe-core in the browser tests: WCAG 2.2 AA and best practice; serious or critical fails.

axe-core comes from node_modules (`npm install`; a devDependency in package.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def run_axe(page) -> list[dict]:
    """The page's violations (skips the test if axe-core is not installed)."""
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed at {AXE}: run `npm install`")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async (tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}")
            lines.append(f"        {node['html'][:300]}")
    return "\n".join(lines)


def assert_no_serious_violations(page, output_dir: Path, name: str = "axe-violations") -> None:
    """Run axe-core, keep every violation as `<name>.json` in the test's output folder, print
    them, and fail on the serious or critical ones."""
    violations = run_axe(page)
    (output_dir / f"{name}.json").write_text(json.dumps(violations, indent=2))
    if violations:
        print(describe(violations))  # shown with -s, or under "Captured stdout" on failure
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "axe-core found serious or critical problems:\n" + describe(blocking)
