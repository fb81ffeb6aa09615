"""A settings field: default, help text and bounds in the dataclass field's metadata."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, help: str, *, minimum: float | None = None,
            choices: tuple[str, ...] | None = None) -> Any:
    """A registry entry: default value, help text and simple bounds."""
    meta = {"help": help, "minimum": minimum, "choices": choices}
    return field(default=default, metadata=meta)
