"""The Markdown files link only to what is in the repository.

For README.md, every docs/**/*.md, bench/README.md and every other Markdown file of the
repository (tracked or new, never web/node_modules): each relative link or image resolves
to a file or folder of the repository, each ``#anchor`` into a Markdown file names one of
its headings (GitHub's slugs), and no text cites the reference material that lives
outside the repository.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]

MD_NAME = re.compile(r"[\w.-]+\.md\b")
PARENT_PATH = re.compile(r"(?:\.\./)+[\w.-]*")

SKIPPED_DIRS = {"node_modules", ".git", ".venv", ".crm", "build", "dist"}
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"  # [text], one level of nested brackets
    r"\(\s*(?:<([^>]*)>|([^\s)]+))"  # (target or (<target>
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"  # an optional title
)
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?", re.M)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"", re.I)
HTML_ANCHOR = re.compile(r"<a\b[^>]*?\b(?:name|id)=\"([^\"]+)\"", re.I)
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_files() -> list[Path]:
    """Every Markdown file of the repository: git's tracked and new files when git is
    there, else a walk that leaves out dependencies and build output."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.md"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        paths = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        paths = list(ROOT.rglob("*.md"))
    keep = {
        path
        for path in paths
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
    }
    return sorted(keep)


def prose(text: str) -> list[str]:
    """The lines of a Markdown text with fenced code blocks blanked (line numbers kept)."""
    lines = text.split("\n")
    fence: str | None = None
    for i, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                lines[i] = ""
        else:
            lines[i] = ""
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
    return lines


def without_code_spans(text: str) -> str:
    """``text`` with inline code replaced by spaces (newlines kept, so offsets hold)."""
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def heading_text(markdown: str) -> str:
    """What a heading shows: link text without its target, no code or emphasis marks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("`", "").replace("*", "").strip()


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (letters, digits,
    ``_`` and ``-`` stay), each space a ``-``."""
    kept = "".join(
        ch
        for ch in heading_text(heading).lower()
        if ch in " -_" or unicodedata.category(ch)[0] in "LNM"
    )
    return kept.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    """The anchors GitHub gives a Markdown file: one per heading (``-1``, ``-2`` for
    repeats) and every ``<a name>``/``<a id>``."""
    lines = prose(path.read_text(encoding="utf-8"))
    headings: list[str] = []
    for i, line in enumerate(lines):
        atx = ATX_HEADING.match(line)
        if atx:
            headings.append(atx.group(2) or "")
        elif (
            i > 0
            and SETEXT_UNDERLINE.match(line)
            and lines[i - 1].strip()
            and not lines[i - 1].lstrip().startswith(("|", "-", "*", "+", ">"))
            and not ATX_HEADING.match(lines[i - 1])
        ):
            headings.append(lines[i - 1])
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in headings:
        slug = github_slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    found.update(HTML_ANCHOR.findall("\n".join(lines)))
    return frozenset(found)


def links(path: Path) -> list[tuple[int, str]]:
    """Every link target of a Markdown file outside code, with its line number."""
    text = without_code_spans("\n".join(prose(path.read_text(encoding="utf-8"))))
    found: list[tuple[int, str]] = []
    for match in INLINE_LINK.finditer(text):
        target = match.group(1) if match.group(1) is not None else match.group(2)
        found.append((text.count("\n", 0, match.start()) + 1, target))
    for pattern in (REFERENCE_DEF, HTML_LINK):
        for match in pattern.finditer(text):
            found.append((text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def broken(path: Path, target: str) -> str | None:
    """Why a link target of ``path`` does not resolve, or None when it does (or is not a
    link into the repository: a URL, an e-mail address)."""
    if SCHEME.match(target) or target.startswith("//"):
        return None
    file_part, _, anchor = target.partition("#")
    file_part = unquote(file_part.split("?")[0])
    if not file_part:
        dest = path
    elif file_part.startswith("/"):
        dest = ROOT / file_part.lstrip("/")
    else:
        dest = path.parent / file_part
    dest = Path(_normalise(dest))
    if not dest.is_relative_to(ROOT):
        return "points outside the repository"
    if not dest.exists():
        return "no such file"
    is_markdown = dest.suffix == ".md" and dest.is_file()
    if anchor and is_markdown and unquote(anchor) not in anchors(dest):
        return f"no heading #{anchor} in {dest.relative_to(ROOT)}"
    return None


def _normalise(path: Path) -> str:
    """``path`` with ``..`` resolved lexically (no symlinks followed), so that a link out
    of the repository is seen as one."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if len(parts) > 1:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return str(Path(*parts))


FILES = markdown_files()


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_markdown_file_is_checked() -> None:
    names = {_id(path) for path in FILES}
    assert {"README.md", "bench/README.md", "docs/architecture.md"} <= names
    assert not [name for name in names if "node_modules" in name]


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_relative_links_resolve(path: Path) -> None:
    problems = [
        f"{_id(path)}:{line}: ({target}) {why}"
        for line, target in links(path)
        if (why := broken(path, target)) is not None
    ]
    assert not problems, "\n".join(problems)


def outside_citations(path: Path, line: str) -> list[str]:
    """What ``line`` of ``path`` names outside the repository: a Markdown file name that no
    Markdown file of the repository has, or a ``../`` path that leaves the repository."""
    names = {file.name for file in FILES}
    cited = [name for name in MD_NAME.findall(line) if name not in names]
    for parent in PARENT_PATH.findall(line):
        if not (path.parent / parent).resolve().is_relative_to(ROOT):
            cited.append(parent)
    return cited


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_nothing_cites_material_outside_the_repository(path: Path) -> None:
    problems = [
        f"{_id(path)}:{number}: cites {cited}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1)
        for cited in outside_citations(path, line)
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("From lead to customer: contacts and deals", "from-lead-to-customer-contacts-and-deals"),
        ("Where this differs from README.md, and why", "where-this-differs-from-readmemd-and-why"),
        ("Notifications: e-mail, in-app and webhooks", "notifications-e-mail-in-app-and-webhooks"),
        ("The `crm` command and [its flags](x.md)", "the-crm-command-and-its-flags"),
        ("Customer 360° view", "customer-360-view"),
        ("Memilih **prospek** yang tepat", "memilih-prospek-yang-tepat"),
    ],
)
def test_github_slugs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_links_and_anchors_are_read_as_github_does(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## Usage\n\n## Usage\n\n```bash\n# not a heading\n[x](missing.md)\n```\n"
        'See [`usage`](#usage-1), [the\ntitle](page.md#title "t"), `[y](gone.md)`.\n'
        '[ref]: other.md\n<a name="here"></a>\n',
        encoding="utf-8",
    )
    assert anchors(page) == {"title", "usage", "usage-1", "here"}
    assert links(page) == [(11, "#usage-1"), (11, "page.md#title"), (13, "other.md")]
