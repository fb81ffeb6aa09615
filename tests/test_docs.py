"""The README stays true: its commands, its settings reference, its exit codes."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.cli.main import EXIT_CODES, build_parser
from pipeline.config import settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_has_exactly_two_set_up_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert len(blocks) == 2
    assert "newsvault crawl" in blocks[0] and "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and "README.md" in ci
    assert "<!-- test-command" in README


def test_every_setting_is_in_the_readme_with_its_default():
    for key, default, _ in settings.reference():
        assert f"| `{key}` | `{default}` |" in README, key


def test_the_readme_settings_table_is_generated_from_the_registry():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "settings_table.py"),
                           "--check"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_every_command_is_documented():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for name in commands:
        assert f"newsvault {name}" in README, name


def test_every_exit_code_is_documented():
    for _, code in EXIT_CODES:
        assert f"| {code} |" in README
