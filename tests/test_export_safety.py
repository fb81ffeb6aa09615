"""Exports never destroy: no overwriting of what is not an earlier export (unless --force),
never the warehouse, its WAL, the archive or the spool (even with --force), nothing left
behind by a killed export that the next one does not remove, one file mode for all."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.analyze.export_target import clean_stale
from tests.clirun import error_line, nv

ROOT = Path(__file__).resolve().parent.parent
WARC = b"WARC/1.1\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n"


def digest(path: Path) -> str:
    if path.is_dir():
        return "|".join(f"{p.relative_to(path)}:{digest(p)}" for p in sorted(path.rglob("*"))
                        if p.is_file())
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path = Path(".")) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".nvexport-" in p.name)


# ------------------------------------------------------------------ existing targets

@pytest.mark.parametrize("name,partition", [("notes.csv", False), ("notes", True)])
def test_an_existing_file_or_folder_is_refused_naming_it(archive, capsys, name, partition):
    target = Path(name)
    if partition:
        target.mkdir()
        (target / "mine.txt").write_text("my notes", encoding="utf-8")
    else:
        target.write_text("my notes", encoding="utf-8")
    before = digest(target)
    capsys.readouterr()
    args = ["--format", "parquet", "--partition"] if partition else ["--format", "csv"]
    assert nv("export", *args, "--out", name) == 2
    line = error_line(capsys)
    assert f"--out {name}: that" in line and "exists" in line and "--force" in line
    assert digest(target) == before and leftovers() == []


@pytest.mark.parametrize("name,partition", [("notes.csv", False), ("notes", True)])
def test_force_replaces_what_is_not_an_export(archive, name, partition):
    target = Path(name)
    if partition:
        target.mkdir()
        (target / "mine.txt").write_text("my notes", encoding="utf-8")
    else:
        target.write_text("my notes", encoding="utf-8")
    args = ["--format", "parquet", "--partition"] if partition else ["--format", "csv"]
    assert nv("export", *args, "--out", name, "--force") == 0
    assert not (target / "mine.txt").exists() if partition else \
        target.read_text("utf-8").startswith("article_id,")
    assert leftovers() == []


@pytest.mark.parametrize("fmt,extra", [("csv", []), ("csv", ["--excel"]), ("jsonl", []),
                                       ("parquet", []), ("parquet", ["--partition"])])
def test_an_earlier_export_is_replaced_without_force(archive, fmt, extra):
    assert nv("export", "--format", fmt, *extra, "--out", "out", "--site", "36kr") == 0
    first = digest(Path("out"))
    assert nv("export", "--format", fmt, *extra, "--out", "out") == 0
    assert digest(Path("out")) != first
    assert nv("export", "--format", fmt, *extra, "--out", "out") == 0  # and again
    assert leftovers() == []


def test_an_export_changed_since_is_no_longer_ours(archive, capsys):
    assert nv("export", "--format", "csv", "--out", "x.csv") == 0
    with Path("x.csv").open("a", encoding="utf-8") as fh:
        fh.write("my own line\r\n")  # the analyst edited the export
    before = digest(Path("x.csv"))
    capsys.readouterr()
    assert nv("export", "--format", "csv", "--out", "x.csv") == 2
    assert "is not an earlier newsvault export" in error_line(capsys)
    assert digest(Path("x.csv")) == before


def test_a_manifest_that_names_another_file_proves_nothing(archive, capsys):
    assert nv("export", "--format", "csv", "--out", "x.csv") == 0
    Path("mine.csv").write_text("mine", encoding="utf-8")
    manifest = json.loads(Path("x.csv.manifest.json").read_text("utf-8"))
    Path("mine.csv.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    capsys.readouterr()
    assert nv("export", "--format", "csv", "--out", "mine.csv") == 2
    assert Path("mine.csv").read_text("utf-8") == "mine"


# ------------------------------------------------------------- never, even with --force

def _warc_elsewhere() -> Path:
    Path("other").mkdir(exist_ok=True)
    path = Path("other/crawl.warc.gz")
    path.write_bytes(gzip.compress(WARC))
    return path


def _duckdb_elsewhere() -> Path:
    import duckdb

    Path("other").mkdir(exist_ok=True)
    con = duckdb.connect("other/notes.duckdb")
    con.execute("CREATE TABLE t AS SELECT 1 AS a")
    con.close()
    return Path("other/notes.duckdb")


def _setup_archive() -> Path:
    Path("warc").mkdir(exist_ok=True)
    (Path("warc") / "news-1.warc.gz").write_bytes(gzip.compress(WARC))
    Path("spool").mkdir(exist_ok=True)
    (Path("spool") / "batch-1.json").write_text("{}", encoding="utf-8")
    return Path(".")


# (label, how to make the target, --partition?, what the message says)
NEVER = [
    ("the warehouse", lambda: "news.duckdb", False, "is the warehouse"),
    ("the warehouse, relative", lambda: f"../{Path.cwd().name}/news.duckdb", False,
     "is the warehouse"),
    ("the warehouse through a link", lambda: _link("link.csv", "news.duckdb"), False,
     "is the warehouse"),
    ("its WAL", lambda: "news.duckdb.wal", False, "write-ahead log"),
    ("a WARC file", lambda: "warc/news-1.warc.gz", False, "is inside the WARC archive folder"),
    ("a new file in the WARC folder", lambda: "warc/x.csv", False, "inside the WARC archive"),
    ("the WARC folder", lambda: "warc", True, "is the WARC archive folder"),
    ("the spool folder", lambda: "spool", True, "is the spool folder"),
    ("a file in the spool", lambda: "spool/x.csv", False, "is inside the spool folder"),
    ("the folder holding the warehouse", lambda: ".", True, "holds the warehouse"),
    ("the run lock", lambda: "news.duckdb.lock", False, "is the run lock"),
    ("a WARC file elsewhere", lambda: str(_warc_elsewhere()), False, "is a WARC file"),
    ("a DuckDB file elsewhere", lambda: str(_duckdb_elsewhere()), False,
     "is a DuckDB database"),
    ("a folder holding a WARC file", lambda: str(_warc_elsewhere().parent), True,
     "is a WARC file"),
]


def _link(name: str, to: str) -> str:
    os.symlink(to, name)
    return name


@pytest.mark.parametrize("force", [False, True], ids=["", "--force"])
@pytest.mark.parametrize("label,make,partition,message", NEVER, ids=[n[0] for n in NEVER])
def test_never_onto_the_warehouse_archive_or_spool(archive, capsys, label, make, partition,
                                                   message, force):
    _setup_archive()
    out = make()
    before = {p: digest(p) for p in Path(".").rglob("*") if p.is_file() and not p.is_symlink()}
    capsys.readouterr()
    args = ["--format", "parquet", "--partition"] if partition else ["--format", "csv"]
    assert nv("export", *args, "--out", out, *(["--force"] if force else [])) == 2
    line = error_line(capsys)
    assert message in line and "never" in line, line
    after = {p: digest(p) for p in Path(".").rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == before and leftovers() == []


# ---------------------------------------------------------------------- killed exports

@pytest.fixture
def killed_export(archive: Path) -> Iterator[callable]:
    def run(fault: str, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSVAULT_FAULT": fault}
        return subprocess.run([sys.executable, "-m", "pipeline", "--warehouse", "news.duckdb",
                               "export", *args], env=env, capture_output=True, timeout=120)
    yield run


@pytest.mark.parametrize("args", [["--format", "csv", "--out", "x.csv"],
                                  ["--format", "csv", "--excel", "--out", "x.csv"],
                                  ["--format", "parquet", "--partition", "--out", "lake"]],
                         ids=lambda a: " ".join(a))
def test_what_a_killed_export_leaves_the_next_one_removes(killed_export, args):
    done = killed_export("export:1", *args)
    assert done.returncode == -9, done.stderr
    left = leftovers()
    assert any(n.endswith(".tmp") for n in left) and any(n.endswith(".spill") for n in left)
    assert nv("export", "--format", "jsonl", "--out", "other.jsonl") == 0  # any next export
    assert leftovers() == []
    assert nv("export", *args) == 0 and leftovers() == []


@pytest.mark.parametrize("args", [["--format", "csv", "--out", "x.csv"],
                                  ["--format", "parquet", "--partition", "--out", "lake"]],
                         ids=lambda a: " ".join(a))
def test_a_kill_between_manifest_and_rename_still_leaves_an_export(killed_export, args):
    assert nv("export", *args, "--site", "36kr") == 0
    done = killed_export("export-rename:1", *args)
    assert done.returncode == -9, done.stderr
    assert nv("export", *args) == 0  # no --force needed: the pair is recognised
    assert leftovers() == []


def test_a_kill_while_swapping_folders_puts_the_earlier_export_back(killed_export):
    args = ["--format", "parquet", "--partition", "--out", "lake"]
    assert nv("export", *args, "--site", "36kr") == 0
    first = digest(Path("lake"))
    done = killed_export("export-swap:1", *args)
    assert done.returncode == -9, done.stderr
    assert not Path("lake").exists()  # moved aside, the new one not in yet
    clean_stale(Path("."))
    assert digest(Path("lake")) == first and leftovers() == []
    assert nv("export", *args) == 0 and leftovers() == []  # still recognised as ours


def test_a_running_export_keeps_its_temporary_files(tmp_path):
    mine = tmp_path / f".x.csv.nvexport-{os.getpid()}-0123abcd.tmp"
    mine.write_text("being written")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead = tmp_path / f".x.csv.nvexport-{child.pid}-0123abcd.spill"
    dead.mkdir()
    (dead / "spill.bin").write_text("x")
    unrelated = tmp_path / ".x.csv.tmp"
    unrelated.write_text("not ours")
    assert clean_stale(tmp_path) == [dead]
    assert mine.exists() and unrelated.exists() and not dead.exists()


# ------------------------------------------------------------------------- file modes

def modes(path: Path) -> set[str]:
    found = {f"{'d' if path.is_dir() else 'f'}{stat.S_IMODE(path.stat().st_mode):o}"}
    for p in path.rglob("*") if path.is_dir() else []:
        found.add(f"{'d' if p.is_dir() else 'f'}{stat.S_IMODE(p.stat().st_mode):o}")
    return found


@pytest.mark.parametrize("mask,file_mode,dir_mode", [(0o022, "f644", "d755"),
                                                    (0o027, "f640", "d750"),
                                                    (0o077, "f600", "d700")])
@pytest.mark.parametrize("args", [["--format", "csv"], ["--format", "csv", "--excel"],
                                  ["--format", "jsonl"], ["--format", "parquet"],
                                  ["--format", "parquet", "--partition"]],
                         ids=lambda a: " ".join(a))
def test_every_output_gets_the_mode_of_the_umask(archive, args, mask, file_mode, dir_mode):
    old = os.umask(mask)
    try:
        assert nv("export", *args, "--out", "out") == 0
    finally:
        os.umask(old)
    expected = {file_mode, dir_mode} if "--partition" in args else {file_mode}
    assert modes(Path("out")) == expected
    assert modes(Path("out.manifest.json")) == {file_mode}
