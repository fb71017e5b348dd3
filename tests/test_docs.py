"""The README stays a first screen (under 12,000 characters, the two commands, two screenshots)
and every relative link in it and in docs/ reaches a file, and a heading where it names one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    lines = page.read_text(encoding="utf-8").splitlines()
    return {anchor(line.lstrip("#")) for line in lines if line.startswith("#")}


def test_readme_is_a_first_screen():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text) < 12_000
    first_screen = text[:2_500]
    assert "make run" in first_screen and "make test" in first_screen
    assert text.count("](docs/img/") == 2
    assert "## More documentation" in text


def _reaches(page: Path, target: str) -> bool:
    path, _, fragment = target.partition("#")
    file = (page.parent / path).resolve() if path else page
    if not file.exists():
        return False
    return not fragment or file.suffix != ".md" or fragment in anchors(file)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_reach_files_and_headings(page: Path):
    links = _LINK.findall(page.read_text(encoding="utf-8"))
    broken = [t for t in links if not re.match(r"[a-z]+:", t) and not _reaches(page, t)]
    assert not broken, broken
