"""The code's shape: small modules and functions, one CLI module per command."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import pipeline
import pipeline.cli
from pipeline.cli.main import COMMANDS, build_parser

ROOT = Path(pipeline.__file__).parent
SOURCES = sorted(ROOT.rglob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}",
             node.end_lineno - node.lineno + 1)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(ROOT.parent)): n for p in SOURCES
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines():
    long = {name: n for path in SOURCES for name, n in _functions(path)
            if n > MAX_FUNCTION_LINES}
    assert long == {}


def _command_modules() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(pipeline.cli.__path__):
        module = importlib.import_module(f"pipeline.cli.{info.name}")
        if hasattr(module, "register"):
            names.append(module.__name__)
    return sorted(names)


def test_every_command_module_is_registered():
    assert sorted(m.__name__ for m in COMMANDS) == _command_modules()


@pytest.mark.parametrize("module", COMMANDS, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_a_command_module_holds_its_parser_and_its_handler(module):
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    handled = [name for name, parser in subparsers.choices.items()
               if parser.get_default("handler") is module.run]
    assert handled == [module.__name__.rsplit(".", 1)[1].replace("_", "-")]
