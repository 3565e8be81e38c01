"""docs/performance.md is shared by several benchmarks: each owns one `## ` section."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def write_section(heading: str, text: str, *, doc: Path = DOC) -> None:
    """Replace (or add) the section that starts with ``heading``, keeping every other one."""
    existing = doc.read_text(encoding="utf-8") if doc.exists() else "# Performance\n"
    lines = existing.splitlines()
    try:
        start = lines.index(heading)
    except ValueError:
        body = existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        kept_after = "\n".join(lines[end:])
        body = "\n".join(lines[:start]).rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n"
        if kept_after:
            body += "\n" + kept_after.rstrip("\n") + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(body, encoding="utf-8")
