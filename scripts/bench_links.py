#!/usr/bin/env python3
"""Recall and precision of `newsvault links` on list pages with gold links.

    .venv/bin/python scripts/bench_links.py              # the bench's list pages + tests/pages
    .venv/bin/python scripts/bench_links.py --verbose    # also the misses and extras, by URL

Two sources of list pages, each scored the same way:

* the list pages of ../shared/bench's sites_dev set (`feeds/` with `feeds_gold/`, and the
  page URL from its SOURCES.tsv); any other set in the sites layout that has them too;
* the synthetic list pages under tests/pages/lists/ (written for the tests, one per list
  template of 36Kr and NetEase, 2012-2026), each with a `<name>.gold.json` beside it.

A page's gold is `items` (the list's articles: recall counts these) and `also_on_page`
(same-site links that are not list items: found ones are tolerated, neither right nor
wrong).  Links are compared by the site's article id (`163:<docid>`, `36kr:<id>`), or by
the URL without scheme when the site gives none.  Precision = found links that are
items or tolerated / found links.  Prints per page and pooled numbers (micro average
over links), and exits 0; without the kit folder only the synthetic pages are scored.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared/bench beside the repository (a worktree one level deeper finds it too)
KIT = next((p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent)
            if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared" / "bench")
SYNTHETIC = ROOT / "tests" / "pages" / "lists"
sys.path.insert(0, str(ROOT))

from pipeline.discover.links import links  # noqa: E402
from pipeline.sources import registry  # noqa: E402


@dataclass
class Score:
    """One list page: gold items found, links found, tolerated and wrong links."""

    name: str
    items: int
    hits: int
    found: int
    wrong: int
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hits / self.items if self.items else 1.0

    @property
    def precision(self) -> float:
        return (self.found - self.wrong) / self.found if self.found else 0.0


def key(url: str) -> str:
    source = registry.for_url(url)
    ref = source.identify(url) if source is not None else None
    if ref is not None:
        return ref.article_id
    return url.split("://", 1)[-1].split("#", 1)[0].lower()


def score(name: str, data: bytes, url: str, gold: dict) -> Score:
    items = {key(i["url"]): i["url"] for i in gold.get("items", [])}
    tolerated = {key(i["url"]) for i in gold.get("also_on_page", [])}
    try:
        found = {key(link.url): link.url for link in links(data, url)}
    except Exception as exc:  # a crash scores as nothing found
        print(f"  {name}: links() raised {type(exc).__name__}: {exc}", file=sys.stderr)
        found = {}
    wrong = [u for k, u in found.items() if k not in items and k not in tolerated]
    return Score(name, len(items), len(items.keys() & found.keys()), len(found), len(wrong),
                 misses=[u for k, u in items.items() if k not in found], extras=wrong)


def bench_pages() -> list[tuple[str, bytes, str, dict]]:
    """(name, bytes, page URL, gold) of every list page in the kit's sites-layout sets."""
    data_dir = KIT / "data"
    if not data_dir.is_dir():
        print(f"bench_links: no extraction kit at {KIT}; scoring synthetic pages only")
        return []
    pages = []
    for archive in sorted(data_dir.glob("*.tar.xz")):
        with tarfile.open(archive, "r:xz") as tar:
            files = {m.name.split("/", 1)[-1]: tar.extractfile(m).read()  # type: ignore[union-attr]
                     for m in tar if m.isfile() and ("feeds" in m.name or "SOURCES" in m.name)}
        urls = _source_urls(files.get("SOURCES.tsv", b""))
        for rel, raw in sorted(files.items()):
            if not rel.startswith("feeds_gold/"):
                continue
            gold = json.loads(raw)
            page = files.get("feeds/" + gold["file"].rsplit("/", 1)[-1])
            url = urls.get(gold["file"])
            if page is None or url is None:
                continue
            pages.append((f"{archive.name.split('.')[0]}/{Path(rel).stem}", page, url, gold))
    return pages


def _source_urls(tsv: bytes) -> dict[str, str]:
    """local_file -> article_url of the page (the list page's own URL)."""
    rows = csv.DictReader(io.StringIO(tsv.decode("utf-8")), delimiter="\t")
    return {row["local_file"]: row["article_url"].split()[0] for row in rows
            if row.get("kind") == "list" and row.get("article_url", "").startswith("http")}


def synthetic_pages() -> list[tuple[str, bytes, str, dict]]:
    pages = []
    for gold_path in sorted(SYNTHETIC.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text("utf-8"))
        page = gold_path.with_name(gold["file"])
        pages.append((f"tests/{page.name}", page.read_bytes(), gold["url"], gold))
    return pages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", action="store_true", help="list missed and extra links")
    args = ap.parse_args(argv)
    groups = {"bench": bench_pages(), "synthetic": synthetic_pages()}
    print("| page | items | found | recall | precision |")
    print("|---|---:|---:|---:|---:|")
    totals = {}
    for group, pages in groups.items():
        scores = [score(*page) for page in pages]
        for s in scores:
            print(f"| {s.name} | {s.items} | {s.found} | {s.recall:.3f} | {s.precision:.3f} |")
            if args.verbose:
                for url in s.misses:
                    print(f"    missed {url}")
                for url in s.extras:
                    print(f"    extra  {url}")
        totals[group] = scores
    print()
    for group, scores in totals.items():
        items = sum(s.items for s in scores)
        found = sum(s.found for s in scores)
        hits = sum(s.hits for s in scores)
        right = found - sum(s.wrong for s in scores)
        if not scores:
            continue
        print(f"{group}: {len(scores)} pages, {items} gold links: recall "
              f"{hits / max(items, 1):.3f}, precision {right / max(found, 1):.3f}; "
              f"worst page recall {min(s.recall for s in scores):.3f}, "
              f"precision {min(s.precision for s in scores):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
