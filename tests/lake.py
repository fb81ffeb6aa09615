"""Helpers of the team-mode lake tests: settings for a node on a test database, and
batches of synthetic captures and articles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import settings as settings_mod
from pipeline.config.settings import Settings
from pipeline.core.records import Article, Fetched
from pipeline.store.records import Batch, CaptureRow

T0 = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def team_settings(pg_url: str, shared: Path, node: str, **more: object) -> Settings:
    return settings_mod.load([], {"warehouse.path": pg_url, "warehouse.data_path": str(shared),
                                  "team.node": node, **more}, environ={})


def article(n: int, body: str = "正文", when: dt.datetime = T0) -> Article:
    a = Article(url=f"https://www.163.com/dy/article/K{n:07d}.html", article_id=f"163:K{n:07d}",
                site="netease", title=f"标题{n}", body=f"{body}{n}", author="作者",
                source="网易科技", published_at=when.isoformat(), tags=["科技"])
    a.extractor = "netease"
    return a


def batch(ids: range, run_id: int, body: str = "正文", capture_base: int | None = None,
          when: dt.datetime = T0) -> Batch:
    """One capture and one article per id; capture ids run_id*1e6 + n unless given."""
    out = Batch()
    for n in ids:
        capture_id = (capture_base if capture_base is not None else run_id * 1_000_000) + n
        fetched = Fetched(url=f"https://www.163.com/dy/article/K{n:07d}.html", status=200,
                          body=f"<p>{body}{n}</p>".encode(), fetched_at=when)
        out.captures.append(CaptureRow.of(capture_id, run_id, "netease", fetched,
                                          warc_file=f"newsvault-n-1-x-{n:05d}.warc.gz",
                                          warc_offset=0, warc_length=10,
                                          record_type="response"))
        out.articles.append((article(n, body, when), capture_id, when))
    return out


ROOT_HINT = str(Path(__file__).resolve().parent.parent)  # for subprocesses: the repository
