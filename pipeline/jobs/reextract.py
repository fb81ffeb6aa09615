"""`reextract`: rebuild articles from the archive after an extractor change. No network.

Each article is read again from the capture it was extracted from (its WARC record, or
the `bodies` table for captures kept there), run through the current extractor, and
stored; when its text or metadata changes, the previous state goes to
`article_versions` (reason 'reextract').  By default only articles extracted by another
extractor version are done; `everything=True` does all.

In team mode the work is a shared job (pipeline.store.workunits): the candidates, in article
id order, are split into units that the nodes running `reextract` at once lease one at
a time, so each article is re-extracted by one node; each unit is committed, then
marked done.  Run again once the job is done, the default (articles of another
extractor version) finds nothing left; `--all` re-extracts everything again, as in the
file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.archive.reader import ArchiveDamaged, read_at, resolve
from pipeline.config.settings import Settings
from pipeline.core.errors import SourceError, UsageError
from pipeline.core.records import Article, Fetched, Request
from pipeline.extract import EXTRACTOR_VERSION, extract
from pipeline.jobs.recorder import Recorder
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.jobs.runs import begin
from pipeline.page.decode import decode
from pipeline.sources import registry
from pipeline.sources.base import ListResponse, Source
from pipeline.sources.lists import ListSettings
from pipeline.store.interfaces import Store
from pipeline.store.team.heartbeat import run_heartbeat
from pipeline.store.workunits import claimed_units, split


def reextract(settings: Settings, site: str | None = None, since: dt.datetime | None = None,
              everything: bool = False) -> RunReport:
    if site is not None and site not in registry.names():
        raise UsageError(f"--site {site!r} is not a site; known: {', '.join(registry.names())}")
    sites = [site] if site else registry.names()
    with begin(settings, "reextract", sites, reason="reextract") as (warehouse, recorder, run):
        reports = {s.site: s for s in run.sites}
        job = warehouse.open_job(_kind(site, since, everything), lambda: split(
            [row["article_id"] for row in warehouse.reextract_candidates(
                site, since, everything, EXTRACTOR_VERSION)]))
        if settings.team_mode():
            recorder.batch_size = 1 << 30  # one commit per unit, then the unit is done
        with run_heartbeat(settings, run.run_id):
            for unit in claimed_units(warehouse, job, str(run.run_id),
                                      settings.team.lease_ttl):
                for row in warehouse.reextract_candidates(
                        site, since, everything, EXTRACTOR_VERSION, unit.first, unit.last):
                    _redo(settings, warehouse, recorder, reports[row["site"]], row)
                recorder.flush()  # the unit's articles committed before it is done
                warehouse.unit_done(unit, run.run_id)
    return run


def _kind(site: str | None, since: dt.datetime | None, everything: bool) -> str:
    """The shared job: this extractor version over these candidates."""
    which = "all" if everything else "stale"
    return (f"reextract:{EXTRACTOR_VERSION}:{which}:{site or '*'}:"
            f"{since.isoformat() if since else '-'}")


def _redo(settings: Settings, warehouse: Store, recorder: Recorder, report: SiteReport,
          row: dict[str, Any]) -> None:
    try:
        fetched = _load(settings, warehouse, row)
    except (ArchiveDamaged, UsageError) as exc:
        report.failed += 1
        report.counters["fail/archive"] += 1
        report.note_error(f"{row['article_id']}: {exc}")
        return
    if fetched is None:
        report.skipped += 1
        report.counters["skip/not-archived"] += 1
        return
    source = registry.get(row["site"])
    article = (_from_list(source, row, fetched) if row["purpose"] in ("list", "backfill-list")
               else extract(fetched.body, row["url"], content_type=fetched.content_type))
    if article is None or article.status not in ("ok", "feed"):
        report.skipped += 1
        report.counters[f"skip/{article.status if article else 'not-in-list'}"] += 1
        return
    article.article_id, article.site, article.url = row["article_id"], row["site"], row["url"]
    article.kind = row["kind"]
    report.fetched += 1
    recorder.article(article, row["capture_id"], fetched)
    if len(recorder.batch.articles) >= recorder.batch_size:
        recorder.flush()


def _load(settings: Settings, warehouse: Store, row: dict[str, Any]) -> Fetched | None:
    if row["warc_file"]:
        path = resolve(settings.archive_dir(), row["warc_file"])
        fetched = read_at(path, row["warc_offset"]).fetched
    elif row["body_sha256"]:
        body = warehouse.stored_body(row["body_sha256"])
        if body is None:
            return None
        fetched = Fetched(url=row["capture_url"], status=200, body=body,
                          headers=[("Content-Type", row["content_type"] or "")])
    else:
        return None
    if fetched is not None:
        fetched.fetched_at = row["fetched_at"]
    return fetched


def _from_list(source: Source, row: dict[str, Any], fetched: Fetched) -> Article | None:
    """A newsflash, or an article stored from its feed's text, is re-read from the list
    page that carried it."""
    kind = source.list_kind_for(row["capture_url"]) or ""
    lst = ListSettings("reextract", kind, row["capture_url"])
    text = decode(fetched.body, fetched.content_type).text
    try:
        page = source.parse_list(ListResponse(lst, Request(row["capture_url"]), fetched, text))
    except SourceError:
        return None
    for link in page.links:
        if link.article_id != row["article_id"]:
            continue
        if link.record is not None:
            return link.record
        if link.feed_text:  # an article stored from its feed's text (its page refused)
            return source.feed_article(row["url"], {
                "title": link.title, "published_at": link.published_at,
                "content": link.feed_text, "list_name": "feed"}, "re-read from the feed")
    return None
