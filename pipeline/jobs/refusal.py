"""Refusals: challenge and risk pages, the feeds' text meanwhile, the site's cooldown.

    judge_refusal(source, fetched)      an article page that is a challenge or risk page
                                        becomes a failure with reason 'blocked'
    refused(source, item, why, ...)     count it, store the feed's text when a feed
                                        carried the article (status 'feed'), mark the
                                        frontier item 'refused' (tried again later)
    cool_down / cooling                 leave the site alone for sites.<name>.cooldown
                                        minutes, across runs (table site_cooldowns)
    store_untried                       pages a left site did not try: their feeds' text

newsvault never defeats an access control: a refused page is reported and waits; the
text comes from the site's own feeds (team notes, sites-2026.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

from pipeline.config.settings import SiteSettings
from pipeline.core.records import Article, Fetched, utcnow
from pipeline.jobs.report import SiteReport
from pipeline.page.decode import decode
from pipeline.sources.base import Source

if TYPE_CHECKING:
    from pipeline.jobs.recorder import Recorder

log = logging.getLogger(__name__)


def refused(source: Source, item: dict, why: str, recorder: Recorder,
            report: SiteReport) -> None:
    """A challenge or risk page instead of the article: counted, the feed's text stored
    when a feed carried it (status 'feed'), the page tried again on later runs."""
    report.counters["block/article"] += 1
    report.observe(True, why)
    recorder.extracted_page(source.name, Article(url=item["url"], status="blocked",
                                                 extractor=source.name,
                                                 provenance={"status": why}))
    if from_feed(source, item, recorder, why):
        report.counters["refused/feed"] += 1
    else:
        report.failed += 1
        report.counters["fail/blocked"] += 1
        report.note_error(why)
    recorder.done(item["article_id"], "refused", "blocked")


def from_feed(source: Source, item: dict, recorder: Recorder, why: str) -> bool:
    """Store an article from the text its feed carried, if one did (never over a page
    already stored: a re-fetch that is refused keeps the stored page)."""
    if item.get("refetches"):
        return False
    feed = recorder.feed_item(item["article_id"])
    article = source.feed_article(item["url"], feed, why) if feed else None
    if article is None or not article.body:
        return False
    article.article_id, article.site, article.url = item["article_id"], source.name, item["url"]
    article.kind = item.get("kind") or article.kind
    recorder.article_at(article, feed["capture_id"], utcnow())
    return True


def judge_refusal(source: Source, fetched: Fetched) -> None:
    """An article page that is a challenge or risk page is a refusal: its capture says
    so (error 'blocked'), and the crawl neither extracts nor stores it."""
    if fetched.status != 200 or fetched.error is not None or not fetched.body:
        return
    reason = source.blocked(decode(fetched.body, fetched.content_type).text)
    if reason:
        fetched.error = "blocked"
        fetched.detail = f"{fetched.url} answered with a {reason}"


def cooling(source: Source, site: SiteSettings, recorder: Recorder,
            report: SiteReport) -> bool:
    """A site cooling down from an earlier run is skipped: nothing is fetched from its
    hosts (not even feeds), and the run does not count it as a failure."""
    if site.cooldown <= 0:
        return False
    current = recorder.warehouse.cooldown(source.name, utcnow())
    if current is None:
        return False
    report.cooling_until, report.cooling_since_start = current[0], True
    report.counters["cooldown/skipped"] += 1
    log.warning("%s", report.line())
    return True


def cool_down(source: Source, site: SiteSettings, recorder: Recorder, report: SiteReport,
              why: str) -> None:
    """After a challenge or risk page the site is left alone for sites.<name>.cooldown
    minutes, across runs; the rest of this run fetches nothing more from it."""
    if site.cooldown <= 0 or report.cooling_until is not None:
        return
    now = utcnow()
    report.cooling_until = now + dt.timedelta(minutes=site.cooldown)
    report.counters["cooldown/begun"] += 1
    recorder.cool_down(source.name, now, report.cooling_until, why)
    log.warning("%s: cooling down until %s after %s", source.name,
                report.cooling_until.isoformat(timespec="minutes"), why)


def store_untried(source: Source, queue: asyncio.Queue[dict], recorder: Recorder,
                  report: SiteReport) -> None:
    """The pages a site left for the run did not get to: their feeds' text meanwhile
    (they stay pending, untried)."""
    while not queue.empty():
        item = queue.get_nowait()
        if from_feed(source, item, recorder, "not tried: the site was left for the run"):
            report.counters["untried/feed"] += 1
