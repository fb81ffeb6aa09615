"""Team mode's archive data in DuckLake (issue 16 point 3), on a real PostgreSQL: created
race-free, append-only batches, `articles` as the latest state, and a batch that meets a
commit conflict retried whole and applied exactly once."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipeline.core.errors import WarehouseError
from pipeline.store.interfaces import ArchiveData
from pipeline.store.team.lake import Lake
from pipeline.store.team.session import lake_migrations
from tests.lake import ROOT_HINT, batch, team_settings

pytestmark = pytest.mark.pg


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return tmp_path / "shared"


@pytest.fixture
def lake(pg_url: str, shared: Path):
    with Lake.open(team_settings(pg_url, shared, "node-a")) as opened:
        yield opened


def rows(lake: Lake, sql: str) -> list[tuple]:
    return lake.con.execute(sql).fetchall()


def test_three_processes_attaching_an_empty_database_at_once_all_succeed(pg_url, shared):
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {ROOT_HINT!r})
        from pathlib import Path
        from pipeline.store.team.lake import Lake
        from tests.lake import team_settings
        with Lake.open(team_settings({pg_url!r}, Path({str(shared)!r}), sys.argv[1])) as lake:
            print(lake.con.execute("SELECT count(*) FROM lake_schema").fetchone()[0])
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code, f"node-{n}"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for n in range(3)]
    outcomes = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [rc for rc, _, _ in outcomes] == [0, 0, 0], [err for _, _, err in outcomes]
    with Lake.open(team_settings(pg_url, shared, "node-x")) as lake:
        assert rows(lake, "SELECT version, count(*) FROM lake_schema GROUP BY ALL "
                          "ORDER BY version") == [(v, 1) for v, _, _ in lake_migrations()]
    assert list((shared / "lake").iterdir()) is not None  # the data path was made


def test_a_batch_stores_captures_and_articles_and_says_what_is_new(lake):
    result = lake.write_archive(batch(range(3), run_id=1), run_id=1)
    assert result.states == {f"163:K{n:07d}": "new" for n in range(3)}
    assert rows(lake, "SELECT count(*), count(DISTINCT node) FROM captures") == [(3, 1)]
    assert rows(lake, "SELECT count(*) FROM articles") == [(3,)]


def test_articles_shows_the_latest_state_and_versions_keep_the_replaced_one(lake):
    lake.write_archive(batch(range(2), run_id=1), run_id=1)
    first_seen = rows(lake, "SELECT first_seen_at FROM articles WHERE article_id = '163:K0000000'")
    edited = batch(range(1), run_id=2, body="改过的正文")
    edited.articles += batch(range(1, 2), run_id=2).articles  # same text, a new capture
    result = lake.write_archive(edited, run_id=2, reason="refetch")
    assert result.states == {"163:K0000000": "updated", "163:K0000001": "unchanged"}
    assert rows(lake, "SELECT article_id, body, capture_id FROM articles ORDER BY 1") == [
        ("163:K0000000", "改过的正文0", 2_000_000), ("163:K0000001", "正文1", 2_000_001)]
    assert rows(lake, "SELECT first_seen_at FROM articles "
                      "WHERE article_id = '163:K0000000'") == first_seen
    assert rows(lake, "SELECT article_id, body, reason, replaced_by FROM article_versions") == [
        ("163:K0000000", "正文0", "refetch", 2_000_000)]
    assert rows(lake, "SELECT count(*) FROM article_states") == [(4,)]


def test_a_refetch_of_the_same_capture_adds_no_state(lake):
    lake.write_archive(batch(range(2), run_id=1), run_id=1)
    again = batch(range(2), run_id=1)
    again.captures.clear()
    assert lake.write_archive(again, run_id=1).count("unchanged") == 2
    assert rows(lake, "SELECT count(*) FROM article_states") == [(2,)]


def test_a_duplicate_from_an_expired_lease_is_absorbed_by_the_view(pg_url, shared, lake):
    with Lake.open(team_settings(pg_url, shared, "node-b")) as other:
        lake.write_archive(batch(range(3), run_id=1), run_id=1)
        other.write_archive(batch(range(3), run_id=2), run_id=2)  # fetched again elsewhere
        assert rows(other, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [
            (3, 3)]
        assert rows(other, "SELECT DISTINCT run_id FROM articles") == [(2,)]


def test_each_batch_is_tagged_with_its_node_and_id(lake):
    lake.write_archive(batch(range(2), run_id=7), run_id=7, batch_id="node-a:7:b1")
    assert rows(lake, "SELECT batch_id, node, run_id, kind, captures, states "
                      "FROM lake_batches") == [("node-a:7:b1", "node-a", 7, "archive", 2, 2)]
    (author, message), = rows(lake, "SELECT author, commit_message FROM nv.snapshots() "
                                    "WHERE commit_message IS NOT NULL")
    assert (author, message) == ("node-a", "archive node-a:7:b1")


def overlap(lake: Lake, other: Lake) -> None:
    """While `lake`'s first attempt is open, `other` commits a batch of its own: the
    next snapshot id `lake` was about to take is gone."""
    def commit_first(attempt: int) -> None:
        if attempt == 1:
            other.write_archive(batch(range(100, 103), run_id=2), run_id=2)
    lake.before_commit = commit_first


@pytest.mark.parametrize("table", ["captures", "article_states", "lake_batches"])
def test_overlapping_batches_without_ducklake_retries_both_land_exactly_once(
        pg_url, shared, lake, table):
    lake.con.execute("SET ducklake_max_retry_count = 0")
    with Lake.open(team_settings(pg_url, shared, "node-b")) as other:
        other.con.execute("SET ducklake_max_retry_count = 0")
        overlap(lake, other)
        result = lake.write_archive(batch(range(3), run_id=1), run_id=1)
    assert lake.retries == 1
    assert result.count("new") == 3
    assert rows(lake, f"SELECT node, count(*) FROM {table} GROUP BY ALL ORDER BY 1") == [
        ("node-a", 3 if table != "lake_batches" else 1),
        ("node-b", 3 if table != "lake_batches" else 1)]


def test_a_conflict_past_the_last_try_keeps_duckdbs_whole_reason(pg_url, shared, lake):
    lake.con.execute("SET ducklake_max_retry_count = 0")
    lake.max_tries = 1
    with Lake.open(team_settings(pg_url, shared, "node-b")) as other:
        overlap(lake, other)
        with pytest.raises(WarehouseError) as failed:
            lake.write_archive(batch(range(3), run_id=1), run_id=1)
    message = str(failed.value)
    assert "\n" not in message
    assert "Failed to commit DuckLake transaction" in message
    assert "ducklake_snapshot_pkey" in message  # the reason, from the error's later lines
    assert rows(lake, "SELECT count(*) FROM captures WHERE node = 'node-a'") == [(0,)]


class LostReply:
    """A session whose first COMMIT lands but reports a failure (the reply was lost)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con, self.lost = con, False

    def commit(self) -> None:
        self._con.commit()
        if not self.lost:
            self.lost = True
            raise duckdb.TransactionException("Failed to commit DuckLake transaction: "
                                              "server closed the connection unexpectedly")

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def test_a_batch_whose_commit_landed_unseen_is_not_applied_again(lake):
    lake.con = LostReply(lake.con)  # type: ignore[assignment]
    result = lake.write_archive(batch(range(3), run_id=1), run_id=1)
    assert lake.con.lost and lake.retries == 1
    assert result.count("new") == 3
    assert rows(lake, "SELECT count(*) FROM captures") == [(3,)]
    assert rows(lake, "SELECT count(*) FROM article_states") == [(3,)]
    assert rows(lake, "SELECT count(*) FROM lake_batches") == [(1,)]


def test_health_rows_are_added_with_their_node(lake):
    lake.write_health(5, [{"site": "netease", "pages": 10, "empty_share": 0.0,
                           "no_title_share": 0.1, "no_date_share": 0.0, "noise_share": 0.0,
                           "generic_share": 0.0, "blocked_share": 0.0}])
    assert rows(lake, "SELECT run_id, site, pages, node FROM extraction_health") == [
        (5, "netease", 10, "node-a")]


def test_revisits_give_the_last_response_of_each_url(lake):
    lake.write_archive(batch(range(2), run_id=1), run_id=1)
    lake.write_archive(batch(range(1), run_id=2), run_id=2)
    found = {url: capture for url, _, _, _, capture in
             lake.revisits(["https://www.163.com/dy/article/K0000000.html"])}
    assert found == {"https://www.163.com/dy/article/K0000000.html": 2_000_000}


def test_a_reader_of_an_empty_database_is_told_to_crawl_first(pg_url, shared):
    with pytest.raises(WarehouseError, match=r"empty .*run `newsvault crawl` first"):
        Lake.open(team_settings(pg_url, shared, "reader"), read_only=True)


def test_bodies_are_kept_once_and_read_back_when_store_bodies_is_on(pg_url, shared):
    settings = team_settings(pg_url, shared, "node-a", **{"warehouse.store_bodies": True})
    with Lake.open(settings) as lake:
        first = batch(range(2), run_id=1)
        first.bodies = [(c.body_sha256, f"<p>正文{n}</p>".encode())
                        for n, c in enumerate(first.captures)]
        lake.write_archive(first, run_id=1)
        lake.write_archive(first, run_id=1)  # the same bodies again
        sha = first.captures[0].body_sha256
        assert lake.stored_body(sha) == "<p>正文0</p>".encode()
        assert rows(lake, "SELECT count(*), count(DISTINCT sha256) FROM bodies") == [(2, 2)]
        assert lake.stored_body("0" * 64) is None


@pytest.mark.parametrize("everything,expected", [(False, 1), (True, 3)])
def test_reextract_candidates_come_from_the_current_states(lake, everything, expected):
    lake.write_archive(batch(range(3), run_id=1), run_id=1)
    lake.con.execute("BEGIN")  # one article's latest state by an older extractor
    lake.con.execute("INSERT INTO article_states SELECT * REPLACE ('old' AS extractor_version,"
                     " now() AS stored_at) FROM article_states WHERE article_id = '163:K0000002'")
    lake.con.execute("COMMIT")
    from pipeline.extract import EXTRACTOR_VERSION

    found = lake.reextract_candidates(None, None, everything, EXTRACTOR_VERSION)
    assert len(found) == expected
    assert all(row["warc_file"] and row["capture_url"] for row in found)


def test_three_nodes_writing_at_once_land_every_batch_exactly_once(pg_url, shared, lake):
    """Three processes, DuckLake's own retries off: their lost races for the next
    snapshot are retried whole by the lake writer."""
    procs = [subprocess.Popen([sys.executable, str(Path(ROOT_HINT) / "tests" / "lakeproc.py"),
                               pg_url, str(shared), f"node-{n}", str(n + 1), "6"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(3)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.communicate(timeout=60)
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outcomes = [(p.communicate(timeout=300), p.returncode) for p in procs]
    assert [code for _, code in outcomes] == [0, 0, 0], [err for (_, err), _ in outcomes]
    assert all(out.strip().isdigit() for (out, _), _ in outcomes)  # their retry counts
    assert rows(lake, "SELECT count(*), count(DISTINCT capture_id) FROM captures") == [
        (180, 180)]
    assert rows(lake, "SELECT node, count(*) FROM lake_batches GROUP BY ALL ORDER BY 1") == [
        ("node-0", 6), ("node-1", 6), ("node-2", 6)]
    assert rows(lake, "SELECT count(*), count(DISTINCT article_id) FROM articles") == [
        (180, 180)]


def protocol_methods(protocol: type) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if callable(member) and not name.startswith("_")}


@pytest.mark.parametrize("name", sorted(protocol_methods(ArchiveData)))
def test_the_lake_implements_every_archive_data_method(name):
    expected = protocol_methods(ArchiveData)[name]
    got = inspect.signature(getattr(Lake, name))
    assert list(got.parameters)[:len(expected.parameters)] == list(expected.parameters)


def test_an_error_inside_a_batch_leaves_nothing_and_the_next_batch_lands(lake):
    def broken(attempt: int) -> None:
        raise KeyError("a bug in the middle of a batch")

    lake.before_commit = broken
    with pytest.raises(KeyError):
        lake.write_archive(batch(range(3), run_id=1), run_id=1)
    lake.before_commit = None
    lake.write_archive(batch(range(3, 5), run_id=1), run_id=1)
    assert rows(lake, "SELECT count(*) FROM captures") == [(2,)]
    assert rows(lake, "SELECT count(*) FROM lake_batches") == [(1,)]
