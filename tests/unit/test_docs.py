"""The docs resolve: every "docs/reference.md §N" the code cites names a section of it, and every
relative link of the README and docs/ names a file of the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CITATION = re.compile(r"docs/reference\.md (§\d+(?:\.\d+)?(?:,? §\d+(?:\.\d+)?)*)")
LINK = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")


def tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split()]


def test_every_cited_section_of_the_reference_exists() -> None:
    headings = {
        match.group(1)
        for match in re.finditer(r"^#{2,3} (\d+(?:\.\d+)?)[. ]", (ROOT / "docs" / "reference.md").read_text(), re.M)
    }
    cited: dict[str, set[str]] = {}
    for path in tracked("emulator", "tests", "tools", "compose", "scripts", "Dockerfile"):
        if path.suffix in (".py", ".yaml", ".sh", "") and path.is_file():
            for match in CITATION.finditer(path.read_text(errors="replace")):
                for section in re.findall(r"§(\d+(?:\.\d+)?)", match.group(1)):
                    cited.setdefault(section, set()).add(str(path.relative_to(ROOT)))
    assert len(cited) > 10, "the code cites the reference"
    missing = {section: places for section, places in cited.items() if section not in headings}
    assert not missing, missing


def test_the_readme_and_docs_link_only_to_files_that_exist() -> None:
    broken = []
    for page in [ROOT / "README.md", *tracked("docs")]:
        for target in LINK.findall(page.read_text()):
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} → {target}")
    assert not broken, broken
