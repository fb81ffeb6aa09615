"""The WARC archive on one root shared by several nodes (issue 16 point 5): file names
unique per node and process, names stored relative to the root, recovery of a node's own
files only, and any node reading any capture."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.archive.reader import iter_file, read_at, resolve, stored_name
from pipeline.archive.writer import WarcArchive, recover
from pipeline.config import settings as settings_mod
from pipeline.core.errors import ArchiveDamaged
from pipeline.core.records import Fetched

ROOT = Path(__file__).resolve().parent.parent
TORN = b"\x1f\x8b\x08\x00half a gzip member"  # the start of a record a kill cut short


def page(n: int) -> Fetched:
    return Fetched(url=f"http://127.0.0.1/p/{n}", status=200, reason_phrase="OK",
                   headers=[("Content-Type", "text/html; charset=utf-8")],
                   body=f"<html><body>第{n}篇</body></html>".encode())


def writer(root: Path, node: str) -> WarcArchive:
    return WarcArchive(root, "newsvault", 1_000_000, {"run": "1"}, node=node)


def markers(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("*.open"))


def run_writer(root: Path, node: str, then: str) -> subprocess.Popen[str]:
    """Another process writing node `node`'s archive: one record, half of the next, then
    `then` ('kill': SIGKILL itself; 'wait': stay alive until stdin closes)."""
    code = textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_warc_shared import TORN, page, writer
        archive = writer(Path({str(root)!r}), {node!r})
        archive.write(page(1))
        archive._fh.write(TORN)
        archive._fh.flush()
        print(archive._name, flush=True)
        if {then!r} == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.stdin.read()
    """)
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def killed_writer(root: Path, node: str) -> Path:
    proc = run_writer(root, node, "kill")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return root / out.strip()


# ------------------------------------------------------------------------ file names

def test_two_nodes_starting_in_the_same_second_write_different_files(tmp_path):
    a, b = writer(tmp_path, "crawler-a"), writer(tmp_path, "crawler-b")
    ref_a, ref_b = a.write(page(1)), b.write(page(2))
    a.close()
    b.close()
    assert ref_a.file != ref_b.file
    assert ref_a.file.startswith(f"newsvault-crawler-a-{os.getpid()}-")
    assert ref_b.file.startswith(f"newsvault-crawler-b-{os.getpid()}-")
    for ref, n in ((ref_a, 1), (ref_b, 2)):
        types = [r.type for r in iter_file(tmp_path / ref.file)]
        assert types == ["warcinfo", "response", "request"]  # nobody else's records
        assert read_at(resolve(tmp_path, ref.file), ref.offset).fetched.body == page(n).body


def test_two_writers_of_one_node_and_process_never_share_a_file(tmp_path):
    first, second = writer(tmp_path, "n1"), writer(tmp_path, "n1")
    names = {first.write(page(1)).file, second.write(page(2)).file}
    first.close()
    second.close()
    assert len(names) == 2


@pytest.mark.parametrize("node,label", [("db 1/west", "db_1_west"), ("", None),
                                        ("...", "node")])
def test_a_node_name_becomes_a_safe_file_name_part(tmp_path, node, label):
    archive = writer(tmp_path, node)
    name = archive.write(page(1)).file
    archive.close()
    assert "/" not in name and " " not in name
    if label:
        assert name.startswith(f"newsvault-{label}-{os.getpid()}-")


def test_the_open_marker_names_its_node_and_process(tmp_path):
    archive = writer(tmp_path, "n1")
    name = archive.write(page(1)).file
    owner = json.loads((tmp_path / f"{name}.open").read_text())
    archive.close()
    assert owner == {"node": "n1", "pid": os.getpid()}
    assert markers(tmp_path) == []


# -------------------------------------------------------------------------- recovery

def test_recovery_leaves_another_nodes_torn_file_alone(tmp_path):
    path = killed_writer(tmp_path, "node-a")
    size = path.stat().st_size
    assert recover(tmp_path, "node-b") == []
    assert path.stat().st_size == size
    assert markers(tmp_path) == [path.name + ".open"]


def test_recovery_cuts_the_torn_tail_of_its_own_nodes_killed_run(tmp_path):
    path = killed_writer(tmp_path, "node-a")
    assert recover(tmp_path, "node-a") == [(path.name, len(TORN))]
    assert [r.type for r in iter_file(path)] == ["warcinfo", "response", "request"]
    assert markers(tmp_path) == []


def test_recovery_leaves_a_live_process_of_its_own_node_alone(tmp_path):
    proc = run_writer(tmp_path, "node-a", "wait")
    try:
        path = tmp_path / proc.stdout.readline().strip()
        size = path.stat().st_size
        assert recover(tmp_path, "node-a") == []
        assert path.stat().st_size == size
        assert markers(tmp_path) == [path.name + ".open"]
    finally:
        proc.communicate("", timeout=30)


def test_recovery_leaves_this_processs_open_writer_alone(tmp_path):
    archive = writer(tmp_path, "node-a")
    ref = archive.write(page(1))
    assert recover(tmp_path, "node-a") == []
    archive.write(page(2))
    archive.close()
    assert read_at(tmp_path / ref.file, ref.offset).fetched.body == page(1).body
    assert markers(tmp_path) == []


def test_an_older_versions_marker_without_an_owner_is_repaired_as_before(tmp_path):
    path = killed_writer(tmp_path, "node-a")
    (tmp_path / f"{path.name}.open").write_text("")
    assert recover(tmp_path, "node-b") == [(path.name, len(TORN))]
    assert markers(tmp_path) == []


# ------------------------------------------------------------------- names and reading

@pytest.mark.parametrize("name,expected", [
    ("newsvault-20260101000000-00001.warc.gz", "newsvault-20260101000000-00001.warc.gz"),
    ("2026/n1/a.warc.gz", "2026/n1/a.warc.gz"),
])
def test_a_relative_name_is_read_against_the_archive_root(tmp_path, name, expected):
    assert resolve(tmp_path / "shared", name) == tmp_path / "shared" / expected


def test_an_absolute_name_is_read_where_it_is(tmp_path):
    assert resolve(tmp_path / "shared", "/data/x.warc.gz") == Path("/data/x.warc.gz")


def test_a_name_climbing_out_of_the_root_is_refused(tmp_path):
    with pytest.raises(ArchiveDamaged, match="outside the archive root"):
        resolve(tmp_path, "../elsewhere/x.warc.gz")


@pytest.mark.parametrize("where,stored", [("root/n1/a.warc.gz", "n1/a.warc.gz"),
                                          ("root/a.warc.gz", "a.warc.gz"),
                                          ("outside/a.warc.gz", None)])
def test_an_imported_file_is_stored_relative_to_the_root_when_below_it(tmp_path, where,
                                                                      stored):
    path = tmp_path / where
    assert stored_name(tmp_path / "root", path) == (stored or str(path.resolve()))


def test_any_node_reads_any_capture_through_its_own_mount_of_the_root(tmp_path):
    (tmp_path / "host-a").mkdir()
    archive = writer(tmp_path / "host-a" / "warc", "node-a")
    ref = archive.write(page(7))
    archive.close()
    shutil.copytree(tmp_path / "host-a" / "warc", tmp_path / "mnt" / "archive")  # host b
    found = read_at(resolve(tmp_path / "mnt" / "archive", ref.file), ref.offset)
    assert found.fetched.body == page(7).body


@pytest.mark.parametrize("overrides,expected", [
    ({"warehouse.path": "postgresql://nv@db.example:5432/news",
      "warehouse.data_path": "/mnt/nv"}, "/mnt/nv/warc"),
    ({"warehouse.path": "postgresql://nv@db.example:5432/news",
      "warehouse.data_path": "/mnt/nv", "archive.dir": "/mnt/warc"}, "/mnt/warc"),
    ({"warehouse.path": "data/news.duckdb"}, "data/warc"),
])
def test_the_archive_root_of_team_mode_is_under_the_shared_data_path(overrides, expected):
    assert settings_mod.load([], overrides, environ={}).archive_dir() == Path(expected)


def test_the_warcinfo_names_a_team_warehouse_without_its_password():
    from pipeline.jobs.recorder import _warehouse_label

    settings = settings_mod.load([], {"warehouse.path": "postgresql://nv:s3cret@db:5432/news",
                                      "warehouse.data_path": "/mnt/nv"}, environ={})
    label = _warehouse_label(settings)
    assert "s3cret" not in label and "news" in label
