"""The docs a newcomer reads: a short README that points to a guide per audience, and links that lead somewhere
(every relative link names a file of the repository, and every #anchor a heading of its file)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")
README_MAX_LINES = 250


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes of a file's headings: lower case, punctuation dropped, spaces as hyphens."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower())
            found.add(heading.replace(" ", "-"))
    return found


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):  # http:, https:, mailto:
            continue
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        if not linked.exists() or (anchor and linked.suffix == ".md" and anchor not in anchors(linked)):
            broken.append(f"{path.relative_to(root)}: {target}")
    return broken


def test_every_relative_link_of_the_docs_leads_to_a_file_and_heading_that_exist():
    assert [broken for path in documents() for broken in broken_links(path)] == []


def test_a_link_to_a_missing_heading_is_found_broken(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[here](#title) [there](#nowhere) [gone](missing.md)\n", encoding="utf-8")
    assert broken_links(page, tmp_path) == ["page.md: #nowhere", "page.md: missing.md"]


def test_the_readme_is_short_and_points_to_a_guide_for_each_audience():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for guide in ("operators", "deployment", "residents-and-line", "staff", "settings", "figures", "development"):
        assert f"(docs/{guide}.md)" in readme, guide
    assert "make run" in readme and "make test" in readme
