"""Regenerate the configuration table in README.md from the settings registry.

    python scripts/settings_table.py          # rewrite the table in place
    python scripts/settings_table.py --check  # exit 1 when the README is out of date

The table sits between the markers `<!-- settings-table -->` and
`<!-- /settings-table -->`; tests/test_docs.py runs the check.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import settings  # noqa: E402

START, END = "<!-- settings-table -->", "<!-- /settings-table -->"


def table() -> str:
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key, default, text in settings.reference():
        escaped = text.replace("|", "\\|")
        rows.append(f"| `{key}` | `{default}` | {escaped} |")
    return "\n".join(rows)


def render(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main(argv: list[str]) -> int:
    path = ROOT / "README.md"
    current = path.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print("README.md configuration table is out of date: run "
                  "python scripts/settings_table.py", file=sys.stderr)
            return 1
        return 0
    path.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
