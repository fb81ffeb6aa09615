"""A team archive of fake NetEase article pages, written straight into the lake (no
crawl): each page archived as a WARC record under the shared data path with its capture
row, and its article, as if an older extractor had stored it.  `reextract` reads the
records back and extracts them for real.  Used by the team reextract tests and
scripts/bench_reextract_team.py (20,000 articles in about a minute, where crawling them
takes many).

    ids = page_archive(settings, 200)                      # stored by extractor "0-old"
    ids = page_archive(settings, 200, extracted=True)      # by this one, as it extracts
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from unittest import mock

from pipeline.archive.writer import WarcArchive
from pipeline.config.settings import Settings
from pipeline.core.records import Article, Fetched
from pipeline.demo.netease import FakeNetEase
from pipeline.demo.stories import Story
from pipeline.extract import extract
from pipeline.store.records import Batch, CaptureRow
from pipeline.store.team import lake as lake_module
from pipeline.store.team.lake import Lake

OLD_VERSION = "0-old"
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def page_archive(settings: Settings, count: int, *, extracted: bool = False,
                 batch: int = 500, run_id: int = 1,
                 progress: Callable[[int], None] | None = None) -> list[str]:
    """Store `count` article pages and their articles; returns the article ids.
    `extracted`: the articles are what this extractor makes of the pages (a reextract
    finds them unchanged); otherwise the story's own text, by extractor OLD_VERSION."""
    site = FakeNetEase()
    stories = site.publish("tech", count)
    ids: list[str] = []
    folder = settings.archive_dir()
    folder.mkdir(parents=True, exist_ok=True)
    warc = WarcArchive(folder, "pages", settings.archive.max_file_bytes, {}, node="builder")
    with Lake.open(settings) as lake, mock.patch.object(
            lake_module, "EXTRACTOR_VERSION",
            lake_module.EXTRACTOR_VERSION if extracted else OLD_VERSION):
        for start in range(0, len(stories), batch):
            out = Batch()
            for n, story in enumerate(stories[start:start + batch], start):
                ids.append(_add(out, warc, site, story, (run_id * 1_000_000 + n, run_id),
                                extracted))
            warc.sync()
            lake.write_archive(out, run_id)
            if progress is not None:
                progress(len(ids))
    warc.close()
    return ids


def _add(out: Batch, warc: WarcArchive, site: FakeNetEase, story: Story,
         ids: tuple[int, int], extracted: bool) -> str:
    capture_id, run_id = ids
    url = site.url(story)
    reply = site.article_reply(story)
    fetched = Fetched(url=url, status=200, body=reply.payload(), fetched_at=T0,
                      headers=[("Content-Type", reply.content_type or "")])
    ref = warc.write(fetched, capture_id)
    out.captures.append(CaptureRow.of(
        capture_id, run_id, "netease", fetched, warc_file=ref.file, warc_offset=ref.offset,
        warc_length=ref.length, warc_record_id=ref.record_id, record_type=ref.record_type,
        payload_digest=ref.payload_digest))
    if extracted:
        article = extract(fetched.body, url, content_type=reply.content_type)
    else:
        article = Article(url=url, title=story.title, body=story.body,
                          published_at=story.published.isoformat(), source=story.source)
        article.extractor = "netease"
    article.article_id, article.site, article.url = f"163:{story.id}", "netease", url
    out.articles.append((article, capture_id, T0))
    return article.article_id
