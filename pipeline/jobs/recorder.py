"""The recorder: what a run writes, in the order that keeps it safe.

Every exchange is archived first (WARC) and gets a capture row; list items, articles and
frontier states collect in a batch; `flush()` syncs the archive to disk and only then
commits the batch, so no row ever points at a record that is not on disk.  The crawl,
`import-warc` and `reextract` all record through it, and `store_article` is the one place
that turns a fetched article page into a stored article (or a reason it was not).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.archive.writer import Seen, WarcArchive, WarcRef, recover
from pipeline.config.settings import Settings
from pipeline.core import faults
from pipeline.core.errors import WarehouseBusy, WriteError
from pipeline.core.records import Article, Fetched, Link
from pipeline.extract import extract
from pipeline.extract.health import Tally
from pipeline.jobs.refusal import refused
from pipeline.jobs.report import SiteReport
from pipeline.sources.base import Source
from pipeline.store.interfaces import Store
from pipeline.store.records import Batch, CaptureRow

log = logging.getLogger(__name__)

SKIP_REASONS = frozenset({"robots", "not-allowed-host", "offsite-redirect", "bad-url"})
GONE_STATUS = frozenset({404, 410})
STORED_STATUSES = frozenset({"ok", "paywall"})  # a paywalled page is stored, without body
COMMIT_GAP = 2.0  # seconds at least between two commits of full batches
BACKLOG = 8       # batches that may wait in memory (readers in, or a fast crawl)


class Recorder:
    def __init__(self, warehouse: Store, run_id: int, settings: Settings,
                 reports: dict[str, SiteReport], archive: WarcArchive | None = None) -> None:
        self.warehouse = warehouse
        self.run_id = run_id
        self.settings = settings
        self.batch_size = settings.crawl.batch_size
        self.max_attempts = settings.crawl.max_attempts
        self.reports = reports
        self.archive = archive
        self.reason = "refetch"  # why a known article is fetched again (the run sets it)
        self.batch = Batch()
        self._seq = 0
        self._sites: dict[str, str] = {}
        self.extracted: dict[str, Tally] = {}  # site -> pages read (drift guard)
        self.progress: Callable[[], str] | None = None  # the run's counts so far
        self._committed = 0.0  # when the last batch was committed (time.monotonic)
        self.feeds: dict[str, dict] = {}  # this run's feed texts, by article id

    @classmethod
    def for_run(cls, warehouse: Store, run_id: int, settings: Settings,
                reports: dict[str, SiteReport], config_digest: str) -> Recorder:
        """A recorder with the run's WARC archive (torn files of a killed run repaired)."""
        archive = None
        if settings.archive.enabled:
            folder = settings.archive_dir()
            try:
                recover(folder, settings.node())
            except OSError as exc:
                raise WriteError(f"cannot repair the archive in {folder}: "
                                 f"{exc.strerror or exc}; free space there (archive.dir) "
                                 "and run again") from exc
            seen = {url: Seen(digest, record_id, _warc_date(at), capture_id)
                    for url, digest, record_id, at, capture_id
                    in warehouse.revisits([])}
            archive = WarcArchive(folder, settings.archive.prefix,
                                  settings.archive.max_file_bytes,
                                  {"run": str(run_id), "config-digest": config_digest,
                                   "warehouse": _warehouse_label(settings)}, seen,
                                  node=settings.node())
        return cls(warehouse, run_id, settings, reports, archive)

    # captures --------------------------------------------------------------------------
    def capture(self, site: str | None, fetched: Fetched) -> int:
        """Record one exchange (archived when it got a response) or one failure."""
        self._seq += 1
        capture_id = self.run_id * 1_000_000 + self._seq
        archived = {}
        if self.archive is not None and fetched.status is not None:
            with self._archive_errors():
                ref = self.archive.write(fetched, capture_id)
            archived = {"warc_file": ref.file, "warc_offset": ref.offset,
                        "warc_length": ref.length, "warc_record_id": ref.record_id,
                        "record_type": ref.record_type, "payload_digest": ref.payload_digest,
                        "refers_to": ref.refers_to}
        self.batch.captures.append(CaptureRow.of(capture_id, self.run_id, site, fetched,
                                                 **archived))
        if fetched.body and self.settings.warehouse.store_bodies:
            self.batch.bodies.append((fetched.sha256, fetched.body))
        fetched.capture_id = capture_id
        return capture_id

    def capture_located(self, site: str | None, fetched: Fetched, ref: WarcRef) -> int:
        """Record an exchange that is archived already (a record of an imported file)."""
        self._seq += 1
        capture_id = self.run_id * 1_000_000 + self._seq
        self.batch.captures.append(CaptureRow.of(
            capture_id, self.run_id, site, fetched, warc_file=ref.file, warc_offset=ref.offset,
            warc_length=ref.length, warc_record_id=ref.record_id, record_type=ref.record_type,
            payload_digest=ref.payload_digest, refers_to=ref.refers_to))
        fetched.capture_id = capture_id
        return capture_id

    def ensure_captured(self, site: str | None, fetched: Fetched) -> int:
        return fetched.capture_id if fetched.capture_id is not None else self.capture(
            site, fetched)

    def preload_revisits(self, urls: list[str]) -> None:
        """Let re-fetches of these URLs become revisit records when nothing changed."""
        if self.archive is None or not urls:
            return
        for url, digest, record_id, at, capture_id in self.warehouse.revisits(urls):
            self.archive.seen.setdefault(url, Seen(digest, record_id, _warc_date(at),
                                                   capture_id))

    # discovery (pipeline.discover.lists.Ledger) ----------------------------------------------
    def known(self, ids: list[str]) -> set[str]:
        waiting = {link.article_id for link in self.batch.links}  # found, not committed yet
        return self.warehouse.known(ids) | (waiting & set(ids))

    def list_seen(self, site: str, list_name: str) -> bool:
        return any(s == site and name == list_name for s, name, _ in self.batch.listed) \
            or self.warehouse.list_seen(site, list_name)

    def known_before(self, site: str, list_name: str, ids: list[str],
                     horizon: int) -> set[str]:
        return self.warehouse.known_before(site, list_name, ids, horizon)

    def open_gap(self, site: str, list_name: str) -> tuple[int, dict | None] | None:
        return self.warehouse.open_gap(site, list_name)

    def record_list_page(self, site: str, fetched: Fetched, links: list[Link],
                         shown: tuple[str, list[str]] | None = None) -> None:
        """A list page: its new items join the frontier, and what it showed is
        remembered for its list (`shown`: the list's name and every id on the page)."""
        capture_id = self.ensure_captured(site, fetched)
        self.batch.links.extend(links)
        if shown is not None:
            name, ids = shown
            self.batch.listed.extend((site, name, article_id) for article_id in ids)
        for link in links:
            if link.feed_text:
                self.batch.feeds.append((link, capture_id))
                self.feeds[link.article_id] = {
                    "url": link.url, "title": link.title, "published_at": link.published_at,
                    "content": link.feed_text, "capture_id": capture_id,
                    "list_name": link.list_name}
        for link in links:
            if link.record is not None:
                self.article(link.record, capture_id, fetched)
        faults.checkpoint("list")
        self._due(listed=True)

    # articles ----------------------------------------------------------------------------
    def article(self, article: Article, capture_id: int | None, fetched: Fetched) -> None:
        self.article_at(article, capture_id, fetched.fetched_at)

    def article_at(self, article: Article, capture_id: int | None, at: dt.datetime) -> None:
        self.batch.articles.append((article, capture_id, at))
        if article.article_id and article.site:
            self._sites[article.article_id] = article.site

    def feed_item(self, article_id: str) -> dict | None:
        """The text a feed gave for an article, this run's or an earlier one's."""
        return self.feeds.get(article_id) or self.warehouse.feed_item(article_id)

    def cool_down(self, site: str, since: dt.datetime, until: dt.datetime, why: str) -> None:
        """Record that `site` is left alone until `until` (committed at once)."""
        self.batch.cooldowns.append((site, since, until, why))
        self.flush()

    def done(self, article_id: str, state: str, error: str | None) -> None:
        self.batch.done.append((article_id, state, error))
        self._due()

    def finished(self, kind: str, key: str) -> None:
        """A backfill unit's work is all in this batch (team mode: its lease ends with it)."""
        self.batch.finished.append((kind, key))

    def _due(self, listed: bool = False) -> None:
        """Commit when a batch is full (a list page's items: at once) and the last commit
        is COMMIT_GAP seconds old: each commit attaches the warehouse, so a fast crawl
        commits bigger batches rather than more of them.  While readers hold the file
        the batch waits in memory and grows; past BACKLOG batches the run waits for them
        (warehouse.lock_wait, then the spool)."""
        size = len(self.batch.done) + len(self.batch.articles)
        if size >= BACKLOG * self.batch_size:
            self.flush()
        elif (listed or size >= self.batch_size) and \
                time.monotonic() - self._committed >= COMMIT_GAP:
            self.flush(urgent=False)

    def extracted_page(self, site: str, article: Article) -> None:
        """Note an article page's extraction, whatever its status, for the run's health."""
        self.extracted.setdefault(site, Tally(site)).add(article)

    def record_health(self) -> None:
        """Write the run's extraction health per site (pipeline.extract.health)."""
        rows = [tally.health().as_row() for tally in self.extracted.values() if tally.pages]
        self.warehouse.write_health(self.run_id, rows)

    def flush(self, urgent: bool = True) -> None:
        """Commit the batch: the archive synced first, then one transaction.  Not
        `urgent`: when other processes hold the warehouse just now, keep it for later."""
        if not len(self.batch):
            return
        try:
            with self.warehouse.writing(wait=urgent) as store:
                if self.archive is not None:
                    with self._archive_errors():
                        self.archive.sync()  # records on disk before any row points at them
                batch, self.batch = self.batch, Batch()
                with store.transaction():  # one commit: the batch and the run's progress
                    result = store.write_batch(batch, self.run_id, self.max_attempts,
                                               self.reason)
                    self._count(result.states)
                    if self.progress is not None:
                        store.set_progress(self.run_id, self.progress())
                    store.heartbeat(self.run_id)
                self._committed = time.monotonic()
        except WarehouseBusy:
            if urgent:
                raise
            log.debug("readers hold the warehouse: %d rows wait for the next commit",
                      len(self.batch))

    def _count(self, states: dict[str, str]) -> None:
        for article_id, state in states.items():
            report = self.reports.get(self._sites.pop(article_id, ""))
            if report is not None:
                setattr(report, state, getattr(report, state) + 1)
                report.counters[f"article/{state}"] += 1

    @contextlib.contextmanager
    def _archive_errors(self) -> Iterator[None]:
        """A WARC write that fails (a full disk) stops the run with one clear reason;
        the torn file keeps its `.open` marker so the next run cuts the tail off."""
        try:
            yield
        except OSError as exc:
            assert self.archive is not None
            self.archive.broken = True
            raise WriteError(f"cannot write the archive in {self.archive.folder}: "
                             f"{exc.strerror or exc}; free space there (archive.dir) and run "
                             "again: what was stored is kept and the rest is fetched "
                             "again") from exc

    def close(self) -> None:
        """Commit what is left and close the archive.  After a failed archive write
        nothing more is committed: rows would point at records not known to be whole."""
        try:
            if self.archive is None or not self.archive.broken:
                self.flush()
                self.record_health()
        finally:
            if self.archive is not None:
                self.archive.close()


async def store_article(source: Source, item: dict, fetched: Fetched, recorder: Recorder,
                        report: SiteReport) -> None:
    """Turn a fetched article page into a stored article, or record why it is not one."""
    article_id, url = item["article_id"], item["url"]
    capture_id = recorder.ensure_captured(source.name, fetched)
    if fetched.error == "blocked":  # a challenge or risk page (pipeline.jobs.refusal)
        refused(source, item, fetched.detail or "blocked", recorder, report)
        return
    if not fetched.ok:
        if fetched.error in SKIP_REASONS:
            report.skipped += 1
            report.counters[f"skip/{fetched.error}"] += 1
            recorder.done(article_id, "skipped", fetched.detail or fetched.error)
            return
        report.failed += 1
        report.counters[f"fail/{fetched.error}"] += 1
        report.note_error(fetched.detail or str(fetched.error))
        recorder.done(article_id, "failed" if fetched.status in GONE_STATUS else "retry",
                      fetched.detail or fetched.error)
        return
    report.fetched += 1
    faults.checkpoint("extract")
    try:
        article = await asyncio.get_running_loop().run_in_executor(
            _extractor_thread(), functools.partial(extract, fetched.body, url,
                                                   content_type=fetched.content_type))
    except Exception as exc:  # an extractor bug must not stop the crawl
        log.exception("extracting %s failed", url)
        report.failed += 1
        report.counters["fail/extract-crash"] += 1
        recorder.done(article_id, "retry", f"extractor crashed: {type(exc).__name__}: {exc}")
        return
    recorder.extracted_page(source.name, article)
    if article.status not in STORED_STATUSES:
        retry = article.status == "blocked"
        why = article.provenance.get("status", article.status)
        if retry:
            report.failed += 1
            report.note_error(f"{url}: {why}")
            report.counters["block/article"] += 1
            report.observe(True, f"{url}: {why}")
        else:
            report.skipped += 1
        report.counters[f"{'fail' if retry else 'skip'}/{article.status}"] += 1
        recorder.done(article_id, "retry" if retry else "skipped", why)
        return
    report.observe(False)
    if article.status != "ok":
        report.counters[f"article/status/{article.status}"] += 1
    article.article_id, article.site, article.url = article_id, source.name, url
    article.kind = item.get("kind") or article.kind
    recorder.article(article, capture_id, fetched)
    recorder.done(article_id, "done", None)


@functools.cache
def _extractor_thread() -> concurrent.futures.ThreadPoolExecutor:
    """One thread extracts, off the event loop: more would not run in parallel (the GIL)
    and each would grow its own malloc arena, so memory would creep up over a long run."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1,
                                                 thread_name_prefix="newsvault-extract")


def _warc_date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def _warehouse_label(settings: Settings) -> str:
    """How the warcinfo record names the warehouse; a team URI without its password."""
    if settings.team_mode():
        from pipeline.store.team.connect import shown  # psycopg: team mode only

        return shown(settings.warehouse.path)
    return settings.warehouse.attach or Path(settings.warehouse.path).name
