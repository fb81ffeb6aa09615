#!/usr/bin/env python3
"""Extraction benchmark: the project's extractor and trafilatura default, side by side.

    .venv/bin/python scripts/bench.py                    # every set of ../shared/bench
    .venv/bin/python scripts/bench.py --set sites_dev --set cx_netease_silver
    .venv/bin/python scripts/bench.py --json bench.json  # the numbers as JSON as well

It runs the extraction yardstick in ../shared/bench (its loader, metric and noise list,
imported from the kit folder) over each set, calling both extractors on the same page
bytes in the same process, and prints per set: mean and median F1 (or snippet passes),
NetEase noise pages (noise.py's strings; cx_netease_silver, the NetEase pages of
daniel_zh and sites_dev), title/published_at/author/source exactness on sites_dev, and
speed (median and p95 ms per page, and the median over NetEase article pages).  Timing
is `time.perf_counter()` around one call, after one untimed warm-up call per extractor,
as the kit's run.py does.  When the kit folder is missing it says so and exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# ../shared/bench beside the repository (a worktree one level deeper finds it too)
DEFAULT_KIT = next((p / "shared" / "bench" for p in (ROOT.parent, ROOT.parent.parent)
            if (p / "shared" / "bench").is_dir()), ROOT.parent / "shared" / "bench")
OURS = "pipeline.extract.bench_adapter:extract"
TRAFILATURA = "adapters:trafilatura_default"
META_FIELDS = ("title", "published", "author", "source")

Extractor = Callable[[bytes, "str | None"], Any]


@dataclass
class Row:
    """One page run through one extractor."""

    set: str
    id: str
    netease: bool
    ms: float
    text: str
    f1: float | None = None
    passed: bool | None = None
    noise: list[str] = field(default_factory=list)
    meta_ok: dict[str, bool] = field(default_factory=dict)
    extractor: str = ""
    cpu_ms: float = 0.0  # CPU time of the call (steadier than wall time on a busy machine)
    generic: bool = False  # the page took our generic path (pages of no known site)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    kit = Path(args.kit).resolve()
    if not (kit / "run.py").exists():
        print(f"bench: no extraction kit at {kit} (it lives in ../shared/bench beside the "
              "repository); nothing to measure")
        return 0
    sys.path[:0] = [str(kit), str(ROOT)]
    benchsets, score, noise = (importlib.import_module(m) for m in
                               ("benchsets", "score", "noise"))
    extractors = {"ours": _load(args.ours), "trafilatura": _load(TRAFILATURA)}
    names = benchsets.SETS if not args.set or "all" in args.set else args.set
    results: dict[str, dict[str, list[Row]]] = {}
    for name in names:
        pages = benchsets.load(name)[: args.limit]
        results[name] = _run_both(extractors, pages, score, noise)
        print(f"  {name}: {len(pages)} pages done", file=sys.stderr, flush=True)
    report = summarise(results)
    print(render(report, args.ours))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kit", default=str(DEFAULT_KIT), help="the bench folder")
    ap.add_argument("--set", action="append", help="a set name (repeatable); default all")
    ap.add_argument("--limit", type=int, help="first N pages of each set")
    ap.add_argument("--ours", default=OURS, help="MODULE:FUNCTION of the extractor under test")
    ap.add_argument("--json", help="also write the summary here")
    return ap.parse_args(argv)


def _load(spec: str) -> Extractor:
    module, _, name = spec.partition(":")
    function = getattr(importlib.import_module(module), name)
    warm = ("<html><head><title>预热</title></head><body><article><p>"
            + "这是一个预热用的段落，不计时。" * 20 + "</p></article></body></html>").encode()
    with contextlib.suppress(Exception):  # the warm-up only loads lazy imports
        function(warm, None)
    return function


def _run_both(extractors: dict[str, Extractor], pages: list[dict], score: Any,
              noise: Any) -> dict[str, list[Row]]:
    """Every page through both extractors, one right after the other (in turns, which
    goes first), so a busy machine slows both alike."""
    rows: dict[str, list[Row]] = {label: [] for label in extractors}
    labels = list(extractors)
    for number, page in enumerate(pages):
        for label in labels if number % 2 == 0 else labels[::-1]:
            rows[label].append(_one(extractors[label], page, score, noise))
        generic = rows["ours"][-1].extractor.startswith("generic")
        for label in labels:
            rows[label][-1].generic = generic
    return rows


def _one(function: Extractor, page: dict, score: Any, noise: Any) -> Row:
    """One page through one extractor, timed and scored."""
    started, cpu = time.perf_counter(), time.process_time()
    try:
        out = function(page["html"], page["url"])
    except Exception:  # a crash scores as empty output, as in the kit's run.py
        out = ""
    ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu) * 1000
    record = out if isinstance(out, dict) else {"text": out}
    text = record.get("text") or ""
    row = Row(page["set"], page["id"], _is_netease(page), ms, text,
              extractor=str(record.get("extractor") or ""), cpu_ms=cpu_ms)
    if page["snippets"]:
        snip = page["snippets"]
        row.passed = score.snippets(text, snip["with"], snip["without"])["passed"]
    else:
        row.f1 = score.prf(text, page["gold"])[2]
        gold = page["gold"] + "\n" + "\n".join(page["gold_variants"].values())
        row.noise = [s for s in noise.NETEASE_STRINGS if row.netease
                     and noise.matcher(s)(text) and not noise.matcher(s)(gold)]
    if page.get("meta"):
        row.meta_ok = {f: _same(f, record.get(f), page["meta"].get(f)) for f in META_FIELDS
                       if isinstance(out, dict)}
    return row


def _is_netease(page: dict) -> bool:
    domain = (page.get("domain") or "").lower()
    return (page["set"] == "cx_netease_silver" or domain.endswith("163.com")
            or domain == "netease")


def _same(name: str, ours: Any, gold: Any) -> bool:
    if name == "published" and ours and gold:
        ours, gold = str(ours), str(gold)  # to the minute, with the same offset
        return ours[:16] == gold[:16] and ours[-6:] == gold[-6:]
    return (ours or None) == (gold or None)


# ------------------------------------------------------------------------------ report

def summarise(results: dict[str, dict[str, list[Row]]]) -> dict[str, Any]:
    report: dict[str, Any] = {"sets": {}, "netease": {}}
    for name, by_label in results.items():
        report["sets"][name] = {label: _set_summary(rows) for label, rows in by_label.items()}
    for label in ("ours", "trafilatura"):
        rows = [r for by in results.values() for r in by.get(label, []) if r.netease]
        report["netease"][label] = {"pages": len(rows), "p50_ms": _quantile(
            [r.ms for r in rows], 0.5)}
    return report


def _set_summary(rows: list[Row]) -> dict[str, Any]:
    ms = [r.ms for r in rows]
    generic = [r for r in rows if r.generic]
    out: dict[str, Any] = {"pages": len(rows), "p50_ms": _quantile(ms, 0.5),
                           "p95_ms": _quantile(ms, 0.95), "pages_per_s": _rate(ms),
                           "generic_pages": len(generic),
                           "generic_pages_per_s": _rate([r.ms for r in generic]),
                           "generic_pages_per_cpu_s": _rate([r.cpu_ms for r in generic])}
    if rows and rows[0].passed is not None:
        out["passed"] = sum(bool(r.passed) for r in rows)
        return out
    f1 = [r.f1 or 0.0 for r in rows]
    out.update(mean_f1=statistics.fmean(f1), median_f1=statistics.median(f1))
    netease = [r for r in rows if r.netease]
    if netease:
        out.update(netease_pages=len(netease),
                   netease_noise_pages=sum(bool(r.noise) for r in netease),
                   netease_mean_f1=statistics.fmean(r.f1 or 0.0 for r in netease),
                   netease_p50_ms=_quantile([r.ms for r in netease], 0.5))
    with_meta = [r for r in rows if r.meta_ok]
    for name in META_FIELDS if with_meta else ():
        out[f"{name}_exact"] = sum(r.meta_ok[name] for r in with_meta) / len(with_meta)
    return out


def _rate(ms: list[float]) -> float:
    """Pages per second of one process: pages / the sum of per-call times."""
    return len(ms) / (sum(ms) / 1000) if ms and sum(ms) else float("nan")


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else float("nan")


def render(report: dict[str, Any], ours: str) -> str:
    lines = [f"ours = {ours}; trafilatura = kit adapter trafilatura_default", "",
             "| set | pages | mean F1 ours / traf | median F1 ours / traf | NetEase noise pages"
             " ours / traf | p50 ms ours / traf | p95 ms ours / traf |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, by in report["sets"].items():
        o, t = by["ours"], by["trafilatura"]
        if "passed" in o:
            quality = f"pass {o['passed']} / {t['passed']}", "-"
        else:
            quality = (f"{o['mean_f1']:.3f} / {t['mean_f1']:.3f}",
                       f"{o['median_f1']:.3f} / {t['median_f1']:.3f}")
        noise = (f"{o['netease_noise_pages']}/{o['netease_pages']} / "
                 f"{t['netease_noise_pages']}/{t['netease_pages']}"
                 if "netease_pages" in o else "-")
        lines.append(f"| {name} | {o['pages']} | {quality[0]} | {quality[1]} | {noise} | "
                     f"{o['p50_ms']:.1f} / {t['p50_ms']:.1f} | "
                     f"{o['p95_ms']:.1f} / {t['p95_ms']:.1f} |")
    lines += _site_lines(report), "", _speed_lines(report), ""
    n_o, n_t = report["netease"]["ours"], report["netease"]["trafilatura"]
    if n_o["pages"]:
        lines.append(f"NetEase article pages ({n_o['pages']}, all sets): median "
                     f"{n_o['p50_ms']:.1f} ms ours vs {n_t['p50_ms']:.1f} ms trafilatura "
                     f"({n_t['p50_ms'] / max(n_o['p50_ms'], 1e-9):.1f}x)")
    return "\n".join(lines)


def _speed_lines(report: dict[str, Any]) -> str:
    """Pages per second, ours against trafilatura on the same pages in the same run: all
    pages of each set, and the pages that took our generic path (no known site)."""
    lines = ["| set | pages/s ours / traf (ratio) | generic-path pages | generic pages/s ours"
             " / traf (ratio) | generic pages per CPU s ours / traf (ratio) |",
             "|---|---:|---:|---:|---:|"]
    for name, by in report["sets"].items():
        o, t = by["ours"], by["trafilatura"]
        rates = [_ratio(o, t, key) if o["generic_pages"] else "-" for key in
                 ("generic_pages_per_s", "generic_pages_per_cpu_s")]
        lines.append(f"| {name} | {_ratio(o, t, 'pages_per_s')} | {o['generic_pages']} | "
                     f"{rates[0]} | {rates[1]} |")
    return "\n".join(lines)


def _ratio(ours: dict[str, Any], traf: dict[str, Any], key: str) -> str:
    return f"{ours[key]:.1f} / {traf[key]:.1f} ({ours[key] / traf[key]:.2f}x)"


def _site_lines(report: dict[str, Any]) -> str:
    site = report["sets"].get("sites_dev")
    if not site or "title_exact" not in site["ours"]:
        return ""
    o = site["ours"]
    exact = ", ".join(f"{f} {o[f + '_exact']:.0%}" for f in META_FIELDS)
    return (f"\nsites_dev metadata exact (ours; published to the minute): {exact}; "
            f"NetEase pages mean F1 {o.get('netease_mean_f1', float('nan')):.3f}")


if __name__ == "__main__":
    sys.exit(main())
