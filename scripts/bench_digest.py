#!/usr/bin/env python3
"""One sha256 over the extraction output of every page of the bench (../shared/bench).

    .venv/bin/python scripts/bench_digest.py            # every set, excluded pages too
    .venv/bin/python scripts/bench_digest.py --per-set  # one digest per set as well

Each page goes through `pipeline.extract.extract(html, url)`; its Article, as JSON
with sorted keys, is hashed after the set name and the page id, pages in the kit's order.
Two trees that print the same digest extract every page byte-identically (a restructure
must not change it).  When the kit folder is missing it says so and exits 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KIT = next((p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent)
                    if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared" / "bench")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kit", default=str(DEFAULT_KIT), help="the bench folder")
    ap.add_argument("--per-set", action="store_true", help="print each set's digest too")
    args = ap.parse_args(argv)
    kit = Path(args.kit).resolve()
    if not (kit / "benchsets.py").exists():
        print(f"bench_digest: no extraction kit at {kit}; nothing to digest")
        return 0
    sys.path[:0] = [str(kit), str(ROOT)]
    benchsets = importlib.import_module("benchsets")
    extract = importlib.import_module("pipeline.extract").extract
    print(f"extractor: {sys.modules['pipeline'].__file__}", file=sys.stderr)
    total, pages = hashlib.sha256(), 0
    for name in benchsets.SETS:
        one = hashlib.sha256()
        for page in benchsets.load(name, exclude=False):
            article = extract(page["html"], page["url"])
            out = json.dumps(dataclasses.asdict(article), sort_keys=True, ensure_ascii=False,
                             default=str)
            line = f"{name}\t{page['id']}\t{out}\n".encode()
            total.update(line)
            one.update(line)
            pages += 1
        if args.per_set:
            print(f"{name}: {one.hexdigest()}")
    print(f"{pages} pages: {total.hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
