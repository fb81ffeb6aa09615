"""A config tree: files and overrides merged, each key's origin kept, and sections
coerced into their dataclasses with errors that name the file and the key.

The settings registry (settings.py) says which sections there are; this module knows
only how a dataclass field's type hint and metadata (minimum, choices) check a value.
"""

from __future__ import annotations

import dataclasses
import difflib
import typing
from collections.abc import Iterable
from typing import Any

from pipeline.core.errors import ConfigError
from pipeline.core.utf8 import not_utf8
from pipeline.sources.lists import ListSettings


class ConfigTree:
    """Merges config trees, remembers where each key came from, builds sections."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}
        self.origin: dict[str, str] = {}

    def merge(self, data: dict[str, Any], origin: str) -> None:
        self._merge(self.tree, data, origin, "")

    def _merge(self, tree: dict[str, Any], data: dict[str, Any], origin: str,
               prefix: str) -> None:
        for key, value in data.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict) and isinstance(tree.get(key, {}), dict):
                self._merge(tree.setdefault(key, {}), value, origin, dotted + ".")
            else:
                tree[key] = value
            self.origin[dotted] = origin

    def set(self, key: str, value: Any, origin: str) -> None:
        node = self.tree
        for part in key.split(".")[:-1]:
            node = node.setdefault(part, {})
        node[key.split(".")[-1]] = value
        self.origin[key] = origin

    def where(self, key: str) -> str:
        while key:
            if key in self.origin:
                return self.origin[key]
            key = key.rsplit(".", 1)[0] if "." in key else ""
        return "settings"

    def unknown(self, dotted: str, key: str, known: Iterable[str], what: str = "key") -> str:
        known = list(known)
        hint = difflib.get_close_matches(key, known, n=1)
        tip = f" (did you mean '{hint[0]}'?)" if hint else f"; known: {', '.join(known)}"
        return f"{self.where(dotted)}: unknown {what} '{dotted}'{tip}"

    def section(self, cls: type, data: Any, prefix: str) -> Any:
        if not isinstance(data, dict):
            raise ConfigError(f"{self.where(prefix)}: '{prefix}' must be a table, got {data!r}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for key, raw in data.items():
            dotted = f"{prefix}.{key}"
            if key not in fields:
                raise ConfigError(self.unknown(dotted, key, fields))
            values[key] = self.coerce(fields[key], hints[key], raw, dotted)
        return cls(**values)

    def coerce(self, f: dataclasses.Field[Any], hint: Any, raw: Any, dotted: str) -> Any:
        where = self.where(dotted)
        value = self.convert(hint, raw, dotted)
        minimum = f.metadata.get("minimum")
        if (minimum is not None and isinstance(value, int | float) and value < minimum
                and not (dotted.startswith("sites.") and f.name == "min_interval"
                         and value == -1.0)):  # a site's "use fetch.min_interval"
            raise ConfigError(f"{where}: {dotted} must be at least {minimum}, got {raw!r}")
        choices = f.metadata.get("choices")
        if choices and isinstance(value, tuple):  # a list: each item one of the choices
            for item in value:
                if item not in choices:
                    raise ConfigError(f"{where}: {dotted} items must be among "
                                      f"{', '.join(choices)}, got {item!r}")
        elif choices and value not in choices:
            raise ConfigError(f"{where}: {dotted} must be one of {', '.join(choices)}, "
                              f"got {raw!r}")
        return value

    def convert(self, hint: Any, raw: Any, dotted: str) -> Any:
        def bad(expected: str) -> ConfigError:
            return ConfigError(f"{self.where(dotted)}: {dotted} must be {expected}, got {raw!r}")

        if hint is bool:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.lower() in _BOOL_WORDS:
                return _BOOL_WORDS[raw.lower()]
            raise bad("true or false")
        if hint is int:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
                return int(raw)
            raise bad("a whole number")
        if hint is float:
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                return float(raw)
            if isinstance(raw, str):
                try:
                    return float(raw)
                except ValueError:
                    pass
            raise bad("a number")
        if hint is str:
            if isinstance(raw, str):
                return self.utf8(raw, dotted)
            raise bad("a string")
        if typing.get_origin(hint) is tuple:
            item = typing.get_args(hint)[0]
            if isinstance(raw, str) and item is str:
                raw = [raw]
            if not isinstance(raw, list | tuple):
                raise bad("a list")
            if item is ListSettings:
                return tuple(self.list_entry(x, f"{dotted}[{i}]") for i, x in enumerate(raw))
            return tuple(self.convert(item, x, dotted) for x in raw)
        raise bad(str(hint))  # pragma: no cover - a registry field of an unsupported type

    def utf8(self, raw: str, dotted: str) -> str:
        """A string from the command line or the environment may carry bytes that are not
        UTF-8 (Python keeps them as lone surrogates); DuckDB and HTTP cannot take them."""
        shown = not_utf8(raw)
        if shown is not None:
            raise ConfigError(f"{self.where(dotted)}: {dotted} '{shown}' is not valid UTF-8; "
                              "use a name made of UTF-8 characters")
        return raw

    def list_entry(self, raw: Any, dotted: str) -> ListSettings:
        entry = self.section(ListSettings, raw, dotted)
        for required in ("name", "kind", "url"):
            if not getattr(entry, required):
                raise ConfigError(f"{self.where(dotted)}: {dotted} needs '{required}'")
        return entry


_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
