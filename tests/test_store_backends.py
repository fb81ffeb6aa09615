"""Both backends answer the frontier's questions alike: the DuckDB file (Warehouse) and
team mode (TeamStore: PostgreSQL control state beside the DuckLake archive).

`known`: listed or stored (warehouse/queries/known_ids.sql). `open_gap`: the rule of the
file's view open_gaps (warehouse/migrations/0008_coverage.sql): a list's possible gap is
closed by a later run of the list that read back to items it showed before the gap's
run, or by a later run that ended ok and stored archived captures (purpose 'backfill')
of the site.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.config.settings import WarehouseSettings
from pipeline.core.records import Fetched
from pipeline.discover.lists import ListOutcome
from pipeline.jobs.report import RunReport, SiteReport
from pipeline.store.records import Batch, CaptureRow
from pipeline.store.warehouse import Warehouse
from tests.lake import team_settings
from tests.test_warehouse import batch_with

SITE, LIST = "netease", "tech"


def file_store(tmp_path: Path) -> Warehouse:
    return Warehouse.open(WarehouseSettings(path=str(tmp_path / "w.duckdb")))


def team_store(tmp_path: Path, pg_url: str) -> Any:
    from pipeline.store.team.control import PgControl
    from pipeline.store.team.lake import Lake
    from pipeline.store.team.store import TeamStore

    settings = team_settings(pg_url, tmp_path / "shared", "n1")
    control = PgControl.open(settings)
    try:
        return TeamStore(control, Lake.open(settings, ids=control))
    except BaseException:
        control.close()
        raise


@pytest.fixture(params=["file", "team"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    opened = (file_store(tmp_path) if request.param == "file" else
              team_store(tmp_path, request.getfixturevalue("pg_url")))
    yield opened
    opened.close()


class Runs:
    """Runs recorded through the Store calls, in order; their ids as the backend gives."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.captures = 0

    def run(self, lists: list[ListOutcome] = (), command: str = "crawl",  # type: ignore[assignment]
            outcome: str | None = None, archived: tuple[str, ...] = ()) -> int:
        """One run with these list outcomes, storing an archived capture of each site in
        `archived`; ends with its report's outcome, or `outcome`."""
        run_id = self.store.new_run_id()
        self.store.start_run(run_id, [SITE], "n1", 1, "", command)
        for site in archived:
            self.captures += 1
            fetched = Fetched(url=f"https://web.archive.org/web/1/{site}/{self.captures}",
                              status=200, body=b"<p>archived</p>", purpose="backfill")
            self.store.write_archive(Batch(captures=[
                CaptureRow.of(run_id * 1000 + self.captures, run_id, site, fetched)]), run_id)
        report = RunReport(run_id, [SiteReport(SITE, lists=list(lists))], command=command)
        self.store.finish_run(run_id, outcome or report.outcome,
                              0 if outcome in (None, "ok") else 1, report.summary,
                              [s.row() for s in report.sites], report.counters())
        return run_id


def gap(resume: dict | None = None) -> ListOutcome:
    return ListOutcome(SITE, LIST, kind="jsonp", pages=3, cut=True, gap=True, resume=resume)


def read_back(horizon: int, reached: bool = True) -> ListOutcome:
    return ListOutcome(SITE, LIST, kind="jsonp", pages=2, reached_known=reached,
                       horizon_run=horizon)


# Each case: what the runs were, and which run's gap stays open (None: all closed).
def no_later_run(r: Runs) -> int | None:
    return r.run([gap()])


def a_later_read_back_over_it(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run([read_back(horizon=first)])
    return None


def a_later_read_back_short_of_it(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run([read_back(horizon=first + 1)])  # stopped at items shown after the gap's run
    return first


def a_later_read_that_reached_nothing_known(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run([read_back(horizon=first, reached=False)])
    return first


def a_later_ok_backfill_with_captures_of_the_site(r: Runs) -> int | None:
    r.run([gap()])
    r.run(command="backfill", archived=(SITE,))
    return None


def a_later_ok_backfill_that_stored_nothing(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run(command="backfill")
    return first


def a_later_ok_backfill_of_another_site(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run(command="backfill", archived=("36kr",))
    return first


def a_later_failed_backfill_with_captures(r: Runs) -> int | None:
    first = r.run([gap()])
    r.run(command="backfill", outcome="failed", archived=(SITE,))
    return first


def a_crawl_that_stored_archived_captures(r: Runs) -> int | None:
    r.run([gap()])
    r.run(archived=(SITE,))  # backfill.on_refusal: the crawl's run stored them
    return None


def a_backfill_between_two_gaps(r: Runs) -> int | None:
    r.run([gap()])
    r.run(command="backfill", archived=(SITE,))
    return r.run([gap()])


def an_earlier_backfill(r: Runs) -> int | None:
    r.run(command="backfill", archived=(SITE,))
    return r.run([gap()])


CASES = [no_later_run, a_later_read_back_over_it, a_later_read_back_short_of_it,
         a_later_read_that_reached_nothing_known, a_later_ok_backfill_with_captures_of_the_site,
         a_later_ok_backfill_that_stored_nothing, a_later_ok_backfill_of_another_site,
         a_later_failed_backfill_with_captures, a_crawl_that_stored_archived_captures,
         a_backfill_between_two_gaps, an_earlier_backfill]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__)
def test_a_gap_is_open_or_closed_alike_on_both_backends(store, case):
    stays_open = case(Runs(store))
    found = store.open_gap(SITE, LIST)
    assert (found[0] if found else None) == stays_open


def test_paging_over_a_gap_resumes_where_the_latest_read_stopped_short(store):
    runs = Runs(store)
    first = runs.run([gap(resume={"page": 4})])
    assert store.open_gap(SITE, LIST) == (first, {"page": 4})
    short = dataclasses.replace(read_back(horizon=first + 1), resume={"page": 6})
    runs.run([short])  # went on over the gap, stopped short again
    assert store.open_gap(SITE, LIST) == (first, {"page": 6})


def test_known_is_listed_or_stored_alike_on_both_backends(store):
    listed, stored = "163:AAAAAAAA0001899O", "163:BBBBBBBB0001899O"
    runs = Runs(store)
    run_id = runs.run()
    store.add_links(batch_with(listed, "一").links, run_id)
    archived = batch_with(stored, "二")  # stored without a frontier row: import-warc,
    store.write_archive(Batch(captures=archived.captures, bodies=archived.bodies,  # migrate-to
                              articles=archived.articles), run_id)
    assert store.known([listed, stored, "163:CCCCCCCC0001899O"]) == {listed, stored}
    assert store.known([]) == set()


def test_a_list_knows_what_it_showed_before_a_run_alike_on_both_backends(store):
    runs = Runs(store)
    first, second = runs.run(), runs.run()
    store.record_frontier(Batch(listed=[(SITE, LIST, "163:A"), (SITE, LIST, "163:B")]),
                          first, 1)
    store.record_frontier(Batch(listed=[(SITE, LIST, "163:B"), (SITE, LIST, "163:C"),
                                        (SITE, "other", "163:D")]), second, 1)
    ids = ["163:A", "163:B", "163:C", "163:D"]
    assert store.known_before(SITE, LIST, ids, second) == {"163:A", "163:B"}
    assert store.known_before(SITE, LIST, ids, second + 1) == {"163:A", "163:B", "163:C"}
    assert store.list_seen(SITE, LIST) and not store.list_seen(SITE, "never")
