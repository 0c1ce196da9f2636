"""Write one benchmark's section of docs/benchmarks.md, leaving the other sections alone."""

from __future__ import annotations

from pathlib import Path


def record_section(path: Path, section: str, report: str) -> None:
    """Replace (or append) the `## ...` section titled `section` with `report`."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    body = f"{section}\n\n{report}"
    start = text.find(section)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        following = text.find("\n## ", start + len(section))
        rest = text[following + 1 :] if following != -1 else ""
        text = text[:start] + body + ("\n" + rest if rest else "")
    path.write_text(text, encoding="utf-8")
