"""An article's versions side by side: what changed from each state to the next (difflib).

States run oldest first: the rows of `article_versions` (each replaced at
`replaced_at`, for `reason`), then the current article.  Each change lists the metadata
fields that differ and a line diff of the title and body (difflib.unified_diff, three
lines of context), as (op, text) pairs: op is '+', '-', ' ' or '@' for a hunk header.
"""

from __future__ import annotations

import difflib
import itertools
from typing import Any

FIELDS = ("title", "author", "source", "published_at", "extractor", "extractor_version")


def changes(versions: list[dict[str, Any]], current: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per replacement: from a state to the state that replaced it."""
    states = [*versions, current]
    out = []
    for before, after in itertools.pairwise(states):
        out.append({
            "replaced_at": before.get("replaced_at"),
            "reason": before.get("reason"),
            "from_capture": before.get("capture_id"),
            "to_capture": after.get("capture_id"),
            "fields": [{"field": name, "before": before.get(name), "after": after.get(name)}
                       for name in FIELDS if before.get(name) != after.get(name)],
            "lines": line_diff(_text(before), _text(after)),
        })
    return out


def line_diff(before: str, after: str) -> list[tuple[str, str]]:
    lines = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        op = "@" if line.startswith("@@") else line[:1]
        lines.append((op, line if op == "@" else line[1:]))
    return lines


def _text(state: dict[str, Any]) -> str:
    return f"{state.get('title') or ''}\n\n{state.get('body') or ''}"
