"""`newsvault config`: the effective settings, or the reference of every key."""

from __future__ import annotations

import argparse
import json

from pipeline.cli.exits import EXIT_OK
from pipeline.cli.options import Commands, load_settings
from pipeline.config import settings as settings_mod


def register(commands: Commands) -> None:
    p = commands.add("config", run, help="show settings",
                     description="Show the effective settings (or every key with its "
                                 "default and help, with --reference).")
    p.add_argument("--reference", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.reference:
        for key, default, text in settings_mod.reference():
            print(f"{key} = {default}\n    {text}")
        return EXIT_OK
    settings = load_settings(args)
    print(json.dumps({"files": list(settings.files), **settings_mod.as_dict(settings)},
                     ensure_ascii=False, indent=1, default=str))
    return EXIT_OK
