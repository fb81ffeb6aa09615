"""`import-warc`: ingest any standard WARC file as if its records had been crawled.

Records of known sites become captures (pointing into the given file, which must stay
where it is), their list pages yield frontier items and newsflashes, their article pages
become articles, exactly as in a crawl.  Records of other sites, requests, metadata and
revisits whose original is not in the file are counted and skipped.  A truncated or
corrupt file keeps every good record before the damage; the report names the offset.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.archive.reader import ArchiveDamaged, Record, iter_file, read_at, stored_name
from pipeline.archive.writer import WarcRef, payload_digest
from pipeline.config.settings import Settings
from pipeline.core.errors import SourceError, UsageError
from pipeline.core.records import Fetched, Link, Request
from pipeline.jobs.recorder import Recorder, store_article
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.jobs.runs import begin
from pipeline.page.decode import decode
from pipeline.sources import registry
from pipeline.sources.base import ListResponse, Source
from pipeline.sources.lists import ListSettings


@dataclass
class FileOutcome:
    path: str
    records: int = 0
    imported: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    error: str | None = None

    def line(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        text = (f"{self.path}: {self.records} records, {self.imported} imported"
                + (f", skipped {skipped}" if skipped else ""))
        return text + (f"; {self.error}" if self.error else "")


def import_warc(settings: Settings, files: list[str | Path]) -> tuple[RunReport,
                                                                     list[FileOutcome]]:
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    outcomes: list[FileOutcome] = []
    originals: dict[str, tuple[Path, int]] = {}  # response record id -> where it is
    with begin(settings, "import-warc", registry.names(), reason="import") as (
            _, recorder, report):
        reports = {site.site: site for site in report.sites}
        for path in paths:
            outcomes.append(asyncio.run(_import_file(path.resolve(), recorder, reports,
                                                     originals)))
            recorder.flush()
        report.problems.extend(o.error for o in outcomes if o.error)
    return report, outcomes


async def _import_file(path: Path, recorder: Recorder, reports: dict[str, SiteReport],
                       originals: dict[str, tuple[Path, int]]) -> FileOutcome:
    outcome = FileOutcome(str(path))
    try:
        for record in iter_file(path):
            outcome.records += 1
            why = await _import_record(path, record, originals, recorder, reports)
            if why:
                outcome.skipped[why] += 1
            else:
                outcome.imported += 1
    except ArchiveDamaged as exc:
        outcome.error = (f"{exc}; the {outcome.imported} good records before it were imported")
    return outcome


async def _import_record(path: Path, record: Record, originals: dict[str, tuple[Path, int]],
                         recorder: Recorder, reports: dict[str, SiteReport]) -> str | None:
    """Import one record; returns why it was skipped, or None."""
    if record.type not in ("response", "revisit") or record.fetched is None:
        return f"{record.type} records"
    source = registry.for_url(record.url)
    if source is None:
        return "other sites"
    fetched = record.fetched
    if record.type == "revisit":
        where = originals.get(record.refers_to or "")
        if where is None:
            return "revisits without their original"
        fetched.body = read_at(*where).fetched.body  # type: ignore[union-attr]
    else:
        originals[record.record_id] = (path, record.offset)
    fetched.purpose = _purpose(source, record.url)
    ref = WarcRef(stored_name(recorder.settings.archive_dir(), path), record.offset,
                  record.length, record.record_id, record.type,
                  record.payload_digest or payload_digest(fetched.body))
    recorder.capture_located(source.name, fetched, ref)
    report = reports[source.name]
    if fetched.purpose == "article":
        await _import_article(source, fetched, recorder, report)
    elif fetched.purpose == "list":
        _import_list(source, fetched, recorder, report)
    return None


def _purpose(source: Source, url: str) -> str:
    from urllib.parse import urlsplit

    if urlsplit(url).path == "/robots.txt":
        return "robots"
    ref = source.identify(url)
    if ref is not None and ref.kind in ("article", "newsflash"):
        return "article"
    kind = source.list_kind_for(url)
    return "list" if kind in source.list_kinds and kind != "html" else "other"


async def _import_article(source: Source, fetched: Fetched, recorder: Recorder,
                          report: SiteReport) -> None:
    ref = source.identify(fetched.url)
    assert ref is not None
    recorder.batch.links.append(Link(fetched.url, ref.article_id, source.name, ref.kind))
    item = {"article_id": ref.article_id, "url": fetched.url, "kind": ref.kind}
    await store_article(source, item, fetched, recorder, report)


def _import_list(source: Source, fetched: Fetched, recorder: Recorder,
                 report: SiteReport) -> None:
    kind = source.list_kind_for(fetched.url) or ""
    lst = ListSettings("import", kind, fetched.url)
    text = decode(fetched.body, fetched.content_type).text
    try:
        page = source.parse_list(ListResponse(lst, Request(fetched.url), fetched, text))
    except SourceError as exc:
        report.counters[f"list/error/{exc.reason}"] += 1
        return
    known = recorder.known([link.article_id for link in page.links])
    new = [link for link in page.links if link.article_id not in known]
    report.counters["list/new"] += len(new)
    recorder.record_list_page(source.name, fetched, new)
