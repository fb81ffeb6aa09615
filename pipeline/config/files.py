"""Which config files are read, and reading one: UTF-8 TOML, named in every error."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.core.errors import ConfigError

DEFAULT_CONFIG_DIR = Path("configs")
ENV_CONFIG = "NEWSVAULT_CONFIG"
UTF8_BOM = b"\xef\xbb\xbf"


def config_files(config: Iterable[str | os.PathLike[str]] | None,
                  environ: Mapping[str, str]) -> list[Path]:
    if config is None:
        if environ.get(ENV_CONFIG):
            config = [p for p in environ[ENV_CONFIG].split(os.pathsep) if p]
        elif DEFAULT_CONFIG_DIR.is_dir():
            config = [DEFAULT_CONFIG_DIR]
        else:
            return []
    files: list[Path] = []
    for item in config:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(path.glob("*.toml")))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"config file {path} does not exist: give an existing .toml "
                              "file or folder to --config")
    return files


def read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    if data.startswith(UTF8_BOM):  # written by an editor that marks UTF-8 (Notepad)
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} on line "
                          f"{line}); TOML files must be UTF-8: save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file") from None
