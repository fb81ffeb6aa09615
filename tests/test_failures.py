"""Truthful failure: a run that fails is recorded as failed with its reason, exits with
the documented code and one line; a run whose process died shows as interrupted at
once; `status --check` flags both; nothing stored is lost and the next run is clean."""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.cli.main import main
from tests.clirun import error_line, process_configs
from tests.db import rows
from tests.fakesites import Fake36Kr, FakeNetEase

ROOT = Path(__file__).resolve().parent.parent
WARCIO = str(Path(sys.executable).parent / "warcio")


@pytest.fixture
def sites(kr: Fake36Kr, ne: FakeNetEase) -> tuple[Fake36Kr, FakeNetEase]:
    kr.publish(articles=3, flashes=3)
    ne.publish("tech", 6)
    return kr, ne


def expected_ids(kr: Fake36Kr, ne: FakeNetEase) -> list[str]:
    ids = [f"36kr:{s.id}" for s in kr.articles + kr.flashes]
    ids += [f"163:{s.id}" for group in ne.stories.values() for s in group]
    return sorted(ids)


def crawl_process(config: Path, fault: str | None = None, *args: str,
                  file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """`newsvault crawl` in a child process; `file_limit`: no file may be written past
    that many bytes (RLIMIT_FSIZE: a write beyond fails with EFBIG, as on a full disk)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEWSVAULT_FAULT", None)
    if fault:
        env["NEWSVAULT_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "pipeline", *process_configs(config),
                           "--warehouse", "news.duckdb", "crawl", "-q", *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=None if file_limit is None else _limited(file_limit))


def _limited(size: int) -> Callable[[], None]:
    def limit() -> None:  # in the child, before it runs Python
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills it
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def status_json(capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def check_lines(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["--warehouse", "news.duckdb", "status", "--check"])
    return code, capsys.readouterr().out.splitlines()


@pytest.mark.slow
def test_a_full_archive_disk_fails_the_run_with_exit_74_and_the_next_run_recovers(
        config, sites, capsys):
    kr, ne = sites
    done = crawl_process(config, "archive:6:full")
    assert done.returncode == 74, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("newsvault: cannot write the archive in warc")
    assert "No space left on device" in done.stderr
    (outcome, code, error, detail), = rows("SELECT outcome, exit_code, error, error_detail "
                                           "FROM runs")
    assert (outcome, code) == ("failed", 74)
    assert error.startswith("cannot write the archive") and "OSError" in detail
    code, lines = check_lines(capsys)
    assert code == 1
    assert any(line.startswith("FAIL") and "last run" in line and "failed" in line
               for line in lines)

    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert sorted(r[0] for r in rows("SELECT article_id FROM articles")) == expected_ids(kr, ne)
    assert [r[0] for r in rows("SELECT outcome FROM runs ORDER BY run_id")] == ["failed", "ok"]
    files = sorted(str(p) for p in Path("warc").glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *files], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check_lines(capsys)[0] == 0


@pytest.mark.slow
@pytest.mark.parametrize("limit", [64_000, 1_000_000])
def test_a_warehouse_that_cannot_grow_fails_the_run_loses_nothing_and_the_next_run_recovers(
        config, sites, capsys, limit):
    """A real failed write, not an injected one: the second crawl may write no file past
    `limit` bytes (the warehouse is already several MB, so its WAL, a checkpoint, DuckDB's
    spill file or the new WARC file hits it first, wherever that happens)."""
    kr, ne = sites
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    before = rows("SELECT article_id, content_hash FROM articles ORDER BY 1")
    kr.publish(articles=20, flashes=5)
    ne.publish("tech", 30)
    done = crawl_process(config, file_limit=limit)
    assert done.returncode == 74, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.splitlines()[-1]  # before it, at most a warning of unindexed terms
    assert last.startswith("newsvault: ") and "File too large" in last, done.stderr
    assert "free space" in last  # what to do, whichever file it was
    assert all("not indexed" in line for line in done.stderr.splitlines()[:-1])
    after = dict(rows("SELECT article_id, content_hash FROM articles"))
    assert all(after.get(aid) == digest for aid, digest in before)  # nothing lost or changed
    outcomes = [r[0] for r in rows("SELECT outcome FROM runs ORDER BY run_id")]
    assert outcomes[0] == "ok" and outcomes[1] in ("failed", "running")  # never "ok"
    code, lines = check_lines(capsys)
    assert code == 1 and any(line.startswith("FAIL") for line in lines)

    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert sorted(r[0] for r in rows("SELECT article_id FROM articles")) == expected_ids(kr, ne)
    assert rows("SELECT article_id FROM articles GROUP BY 1 HAVING count(*) > 1") == []
    files = sorted(str(p) for p in Path("warc").glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *files], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check_lines(capsys)[0] == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_lock_file_that_cannot_be_written_gives_one_line_and_exit_74(config, sites,
                                                                     capsys):
    Path("full.toml").write_text('[crawl]\nlock_file = "/dev/full"\n')
    code = main(["--config", str(config), "--config", "full.toml", "--warehouse",
                 "news.duckdb", "crawl", "-q"])
    assert code == 74
    assert error_line(capsys).startswith("newsvault: cannot write the run lock /dev/full")


def test_an_unexpected_error_is_recorded_as_failed_with_its_traceback(config, sites, capsys,
                                                                     monkeypatch):
    from pipeline.jobs import crawl as crawl_mod

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the list reader broke")

    monkeypatch.setattr(crawl_mod, "discover", broken)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 1
    line = error_line(capsys)
    assert "RuntimeError: the list reader broke" in line and "recorded as failed" in line
    (outcome, code, error, detail), = rows("SELECT outcome, exit_code, error, error_detail "
                                           "FROM runs")
    assert (outcome, code, error) == ("failed", 1, "RuntimeError: the list reader broke")
    assert detail.startswith("Traceback") and "broken" in detail
    code, lines = check_lines(capsys)
    assert code == 1
    assert "FAIL netease last run: crawl run" in "\n".join(lines)
    assert any("failed: RuntimeError: the list reader broke" in line for line in lines)


@pytest.mark.slow
def test_a_killed_run_shows_interrupted_before_the_next_crawl(config, sites, capsys):
    done = crawl_process(config, "commit:3")
    assert done.returncode == -signal.SIGKILL
    assert rows("SELECT outcome FROM runs") == [("running",)]  # as the process left it
    run = status_json(capsys)["runs"][0]
    assert run["outcome"] == "interrupted" and "process is gone" in run["summary"]
    code, lines = check_lines(capsys)
    assert code == 1
    assert sum(line.startswith("FAIL") and "interrupted" in line for line in lines) == 2
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    assert [r[0] for r in rows("SELECT outcome FROM runs ORDER BY run_id")] == [
        "interrupted", "ok"]


def test_per_site_lines_agree_with_the_summary(config, sites, capsys):
    sites[1].publish("tech", 1)  # 7 articles: the last batch is not full
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl"]) == 0
    captured = capsys.readouterr()
    site_lines = [line for line in captured.err.splitlines()
                  if re.match(r"(36kr|netease) (ok|partial|failed): ", line)]
    assert len(site_lines) == 2
    for line in site_lines:
        assert line in captured.out  # the same counts, pending included
    assert "netease ok: 7 new" in captured.out


def test_reextract_summary_does_not_say_fetched(config, sites, capsys):
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "reextract",
                 "--all"]) == 0
    out = capsys.readouterr().out
    assert "fetched" not in out and "re-extracted" in out


def test_a_process_holding_the_file_is_named_by_its_command(config, sites, capsys):
    script = ("import duckdb, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
              "from pipeline.store.lock import RunLock; RunLock(Path('news.duckdb.lock'), 'crawl')"
              ".acquire(); con = duckdb.connect('news.duckdb'); print('ready', flush=True); "
              "sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script, str(ROOT)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "ready"
        Path("wait.toml").write_text("[warehouse]\nlock_wait = 0.2\n")
        assert main(["--config", "wait.toml", "--warehouse", "news.duckdb", "sql",
                     "SELECT 1"]) == 75
        line = error_line(capsys)
        assert f"in use by newsvault crawl (PID {holder.pid}, started 20" in line
        assert "python" not in line
    finally:
        holder.kill()
        holder.communicate()


def test_import_warc_summary_does_not_say_fetched(config, sites, capsys):
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    capsys.readouterr()
    files = [str(p) for p in sorted(Path("warc").glob("*.warc.gz"))]
    assert main(["--warehouse", "imported.duckdb", "import-warc", *files]) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert "fetched" not in summary and "netease ok: 6 new, 0 updated, 6 read from WARC" in summary
