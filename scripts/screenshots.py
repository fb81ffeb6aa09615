#!/usr/bin/env python3
"""Screenshots of `newsvault serve`'s pages for the README, made in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--out docs]

Writes docs/serve-<page>.png: home, search, article, capture, trend.  The warehouse is
made as the web tests make theirs (tests/webapp.py: two crawls of the synthetic demo
sites, one story edited in between, so the article page shows a version diff); the
trend page is drawn over the small archive of tests/archive.py, whose articles span nine
weeks (the crawled ones are all of one day).  Needs Debian's chromium and
chromium-driver (`.ci/run` installs them) and, for legible Chinese, a CJK font such as
fonts-wqy-microhei or fonts-noto-cjk.  PNGs are reduced to a 64-colour palette to stay
small in the repository.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import settings as settings_mod  # noqa: E402
from pipeline.web.app import create_app  # noqa: E402
from tests import archive, webapp  # noqa: E402
from tests.chromium import chromium, missing  # noqa: E402

SIZE = (1280, 860)


def shoot(browser: object, url: str, path: Path) -> None:
    browser.get(url)  # type: ignore[attr-defined]
    time.sleep(0.4)  # the chart draws after load
    browser.save_screenshot(str(path))  # type: ignore[attr-defined]
    shrink(path)


def shrink(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNGs")
    args = parser.parse_args()
    problem = missing()
    if problem:
        print(f"screenshots: {problem}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="nv-shots-"))
    folder = webapp.build(work)
    trend_db = archive.build(work / "archive" / "news.duckdb")
    trend_settings = settings_mod.load([], {"warehouse.path": str(trend_db)}, environ={})
    with webapp.Live(create_app(folder.settings())) as live, \
            webapp.Live(create_app(trend_settings)) as trends, \
            chromium(work / "profile", SIZE) as browser:
        shots = [("home", live.origin + "/"),
                 ("search", live.origin + "/search?q=工程师 推理"),
                 ("article", f"{live.origin}/a/{folder.edited_id}"),
                 ("capture", f"{live.origin}/capture/{capture_of(live, folder.gbk_id)}"),
                 ("trend", trends.origin + "/trend?terms=智谱,MiniMax,DeepSeek&by=week")]
        for name, url in shots:
            path = out / f"serve-{name}.png"
            shoot(browser, url, path)
            print(f"{path}: {path.stat().st_size // 1024} KB")
    return 0


def capture_of(live: webapp.Live, article_id: str) -> int:
    import httpx

    return int(httpx.get(f"{live.origin}/a/{article_id}?format=json").json()["article"][
        "capture_id"])


if __name__ == "__main__":
    sys.exit(main())
