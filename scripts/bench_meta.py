#!/usr/bin/env python3
"""Metadata of the generic path, counted on ../shared/bench (no gold exists for it).

    .venv/bin/python scripts/bench_meta.py

Prints counts only, never page text:
  * over the Chinese pages of daniel_zh and immortal_autumn_zh that take the generic
    path: titles still carrying a site part after a separator, pages without a title,
    authors and sources (来源) filled;
  * NetEase article pages run through the generic path instead of their profile: how
    often the publish time equals the profile's (exact on sites_dev's gold) to the
    minute and to the day, and the source (来源) the profile's;
  * daniel_zh generic pages against the day in their file name (the day they were
    saved): published that day or up to two days before, on another day, or none.
When the kit folder is missing it says so and exits 0.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared/bench beside the repository (a worktree one level deeper finds it too)
KIT = next((p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent)
            if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared" / "bench")
SEPARATOR = re.compile(r"[_|｜]|\s[-–—]\s|(?<![0-9A-Za-z])-(?![0-9A-Za-z])")


def main() -> int:
    if not (KIT / "benchsets.py").exists():
        print(f"bench_meta: no extraction kit at {KIT}; nothing to measure")
        return 0
    sys.path[:0] = [str(KIT), str(ROOT)]
    benchsets = importlib.import_module("benchsets")
    from pipeline.extract import extract
    from pipeline.extract.generic import extract_generic
    from pipeline.page.decode import decode
    from pipeline.page.parsed import Page

    fields: Counter[str] = Counter()
    netease: Counter[str] = Counter()
    crawl_day: Counter[str] = Counter()
    for name in ("daniel_zh", "immortal_autumn_zh", "cx_netease_silver", "sites_dev"):
        for page in benchsets.load(name):
            article = extract(page["html"], page["url"])
            if article.extractor.startswith("netease") and article.published_at:
                decoded = decode(page["html"], None)
                other = extract_generic(Page(page["url"] or article.url, decoded.text,
                                             decoded))
                generic = other.published_at or ""
                netease["same minute" if generic[:16] == article.published_at[:16] else
                        "same day" if generic[:10] == article.published_at[:10] else
                        "other or none"] += 1
                if article.source:
                    netease["source same" if other.source == article.source else
                            "source other or none"] += 1
            if name not in ("daniel_zh", "immortal_autumn_zh") \
                    or not article.extractor.startswith("generic"):
                continue
            fields["pages"] += 1
            fields["title with a site part"] += bool(article.title
                                                     and SEPARATOR.search(article.title))
            fields["no title"] += not article.title
            fields["author filled"] += bool(article.author)
            fields["source filled"] += bool(article.source)
            if name == "daniel_zh":
                crawl_day[_against_day(page["id"], article.published_at)] += 1
    print("generic path, daniel_zh + immortal_autumn_zh:", dict(fields))
    print("NetEase pages through the generic path, publish time vs profile:", dict(netease))
    print("daniel_zh generic pages, publish day vs saved day:", dict(crawl_day))
    return 0


def _against_day(page_id: str, published: str | None) -> str:
    if not published:
        return "none"
    saved = dt.date(int(page_id[:4]), int(page_id[4:6]), int(page_id[6:8]))
    days = (saved - dt.date.fromisoformat(published[:10])).days
    return "same day" if days == 0 else "1-2 days before" if 0 < days <= 2 else "other"


if __name__ == "__main__":
    sys.exit(main())
