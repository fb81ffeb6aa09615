"""The read commands on team mode: status, status --check, coverage, trend, export, search
and serve's pages answer on a team archive as they do on a DuckDB file holding the same
crawls (tests/teamreads.py builds both once for this module; `same` masks the times, ids
and durations each writer gave its own)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from pipeline.analyze.query import status
from pipeline.cli.main import main
from pipeline.config.settings import Settings
from pipeline.store import readers
from pipeline.store.team import schema
from pipeline.store.team.connect import connect
from pipeline.store.team.lake import Lake
from pipeline.web.app import create_app
from tests.lake import batch, team_settings
from tests.teamreads import EDITED_LINE, Pair, build, same
from tests.webapp import Live

pytestmark = pytest.mark.pg
KINDS = ("file", "team")


@pytest.fixture(scope="module")
def pair(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    name, url = pg_server.new_database()
    with pytest.MonkeyPatch.context() as mp:
        yield build(tmp_path_factory.mktemp("teamreads"), url, mp)
    readers.discard()
    pg_server.drop_database(name)


@pytest.fixture(scope="module")
def terms(pair: Pair) -> list[str]:
    """Two terms many articles of the archive mention."""
    with duckdb.connect(str(pair.folder / "news.duckdb"), read_only=True) as con:
        return [t for (t,) in con.execute(
            "SELECT term FROM term_daily GROUP BY term HAVING length(term) > 1 "
            "ORDER BY sum(articles) DESC, term LIMIT 2").fetchall()]


def run(pair: Pair, kind: str, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    code = main([*pair.args(kind), *args])
    out, err = capsys.readouterr()
    assert code == 0, f"{kind}: exit {code}: {err}"
    return out


def json_lines(out: str) -> list[Any]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# -------------------------------------------------------------------------- commands

def status_of(report: dict[str, Any]) -> dict[str, Any]:
    """Team mode spools nothing (its status lists no spool); its WARC files are named
    per node and process, so only the capture counts of `storage` compare."""
    report.pop("spool")
    report["storage"] = [{k: row[k] for k in ("responses", "revisits", "articles",
                                              "raw_payload_bytes")}
                         for row in report["storage"]]
    return report


def hits(out: str) -> list[Any]:
    """Results of equal score may come in another order (ties go to the higher doc
    number, and each writer numbers its docs): by score, then id."""
    return sorted(json_lines(out), key=lambda h: (-h["score"], h["article_id"]))


COMMANDS: dict[str, tuple[Callable[[list[str]], list[str]], Callable[[str], Any]]] = {
    "status": (lambda t: ["status", "--json"], lambda out: status_of(json.loads(out))),
    "status --check": (lambda t: ["status", "--check", "--json"], json.loads),
    "coverage": (lambda t: ["coverage", "--by", "week", "--json"], json_lines),
    "trend": (lambda t: ["trend", *t, "--by", "day", "--share", "--json"], json_lines),
    "trend --dedupe": (lambda t: ["trend", f"{t[0]}|{t[1]}", "--dedupe", "--json"],
                       json_lines),
    "search": (lambda t: ["search", t[0], "--limit", "50", "--json"], hits),
    "search, two words": (lambda t: ["search", " ".join(t), "--json"], hits),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_read_command_answers_on_team_mode_as_on_a_file(pair, terms, capsys, command):
    argv, parse = COMMANDS[command]
    file, team = (same(parse(run(pair, kind, capsys, *argv(terms)))) for kind in KINDS)
    assert file, "the file's answer is empty: the comparison would prove nothing"
    assert team == file


def rows_of(fmt: str, path: Path) -> list[Any]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
    if fmt == "jsonl":
        return json_lines(path.read_text("utf-8"))
    with duckdb.connect() as con:
        cursor = con.execute(f"SELECT * FROM read_parquet('{path}')")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, map(str, row), strict=True)) for row in cursor.fetchall()]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_an_export_from_team_mode_holds_the_files_rows(pair, capsys, fmt):
    """Rows come in the order each archive stores them: compared sorted (the header
    first)."""
    found = {}
    for kind in KINDS:
        out = pair.folder / f"export-{kind}.{fmt}"
        run(pair, kind, capsys, "export", "--format", fmt, "--out", str(out), "--force")
        rows = rows_of(fmt, out)
        head = rows[:1] if fmt == "csv" else []
        found[kind] = head + sorted(map(same, rows[len(head):]), key=repr)
    assert len(found["file"]) > 10
    assert found["team"] == found["file"]


# ----------------------------------------------------------------------------- serve

@pytest.fixture(scope="module")
def served(pair: Pair) -> Iterator[dict[str, Live]]:
    with Live(create_app(pair.settings("file"))) as file, \
            Live(create_app(pair.settings("team"))) as team:
        yield {"file": file, "team": team}


def page(live: Live, path: str) -> Any:
    answer = httpx.get(live.origin + path, timeout=60)
    assert answer.status_code == 200, (path, answer.text[:500])
    return answer.json()


def capture_of(live: Live, article_id: str) -> str:
    return f"/capture/{page(live, f'/a/{article_id}?format=json')['article']['capture_id']}"


PAGES: dict[str, Callable[[Pair, list[str], Live], str]] = {
    "/": lambda pair, t, live: "/?format=json",
    "/search": lambda pair, t, live: f"/search?q={t[0]}&format=json",
    "/a/<id>": lambda pair, t, live: f"/a/{pair.edited_id}?format=json",
    "/capture/<id>": lambda pair, t, live: capture_of(live, pair.edited_id) + "?format=json",
    "/trend": lambda pair, t, live: f"/trend?terms={','.join(t)}&by=day&share=1&format=json",
}


@pytest.mark.parametrize("path", PAGES)
def test_a_page_of_serve_shows_the_team_archive_as_the_file(pair, terms, served, path):
    file, team = (same(page(served[kind], PAGES[path](pair, terms, served[kind])))
                  for kind in KINDS)
    if path == "/search":  # ties in score: see `hits`
        for data in (file, team):
            data["results"]["hits"].sort(key=lambda h: (-h["score"], h["article_id"]))
    assert team == file


def test_the_article_page_on_team_mode_shows_the_edit(pair, served):
    data = page(served["team"], f"/a/{pair.edited_id}?format=json")
    (change,) = data["changes"]
    assert ["+", EDITED_LINE] in change["lines"]


# ---------------------------------------------------------------- team mode's own ways

@pytest.fixture
def small(pg_url: str, tmp_path: Path, workdir: Path) -> Iterator[Settings]:
    """A team warehouse with 3 articles and the control schema; settings to read it."""
    settings = team_settings(pg_url, tmp_path / "shared", "reader")
    with Lake.open(settings) as lake:
        lake.write_archive(batch(range(3), run_id=1), run_id=1)
    with connect(pg_url, autocommit=True) as con:
        schema.ensure(con)
    yield settings
    readers.discard()


@pytest.mark.parametrize(("beat_ago", "shown"), [(3600, "interrupted"), (1, "running")])
def test_a_running_team_run_is_judged_by_its_heartbeat(small, beat_ago, shown):
    """Not by a local lock file: the run may be on another node."""
    with connect(small.warehouse.path, autocommit=True) as con:
        con.execute("INSERT INTO nv_ctl.runs (run_id, node, pid, heartbeat_at) VALUES "
                    "(7, 'elsewhere', 1, now() - make_interval(secs => %s))", [beat_ago])
    (run,) = status(small).runs
    assert run["outcome"] == shown
    assert ("heartbeat stopped" in run["summary"]) == (shown == "interrupted")


@pytest.mark.parametrize("held", [False, True])
def test_a_running_team_run_whose_liveness_lock_is_free_is_interrupted_at_once(small, held):
    """Its heartbeat is fresh, but no session holds its liveness lock: its process died
    (the lock went with its connection), so `status` need not wait out team.lease_ttl."""
    from pipeline.store.team import runs as team_runs

    with connect(small.warehouse.path, autocommit=True) as holder:
        holder.execute("INSERT INTO nv_ctl.runs (run_id, node, pid, heartbeat_at, alive_lock) "
                       "VALUES (8, 'elsewhere', 1, now(), true)")
        if held:
            assert team_runs.hold_alive(holder, 8)
        (run,) = status(small).runs
    assert run["outcome"] == ("running" if held else "interrupted")
    assert ("connection to the team database closed" in run["summary"]) == (not held)


def test_a_kept_team_reader_sees_each_new_commit(small):
    """serve keeps one reader per thread; each window reads the latest snapshot."""
    def articles() -> int:
        with readers.reading(small) as reader:
            return reader.con.execute("SELECT count(*) FROM articles").fetchone()[0]

    assert articles() == 3
    with Lake.open(small) as lake:
        lake.write_archive(batch(range(3, 5), run_id=2), run_id=2)
    assert articles() == 5


def test_status_on_an_empty_team_database_says_to_crawl_first(pg_url, tmp_path, workdir,
                                                              monkeypatch, capsys):
    monkeypatch.setenv("NEWSVAULT_DATA_PATH", str(tmp_path / "shared"))
    assert main(["--warehouse", pg_url, "status"]) == 74
    err = capsys.readouterr().err
    assert "empty" in err and "newsvault crawl" in err and err.count("\n") == 1


@pytest.mark.parametrize("statement", [
    "INSERT INTO lake.main.lake_batches VALUES ('x', 'x', 1, 'x', 0, 0, now())",
    "DELETE FROM ctl.nv_ctl.runs",
    "UPDATE ctl.nv_ctl.frontier SET state = 'done'",
])
def test_a_team_reader_can_change_nothing(small, statement):
    with readers.reading(small) as reader, pytest.raises(duckdb.Error):
        reader.con.execute(statement)
