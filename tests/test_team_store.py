"""TeamStore: control rows in PostgreSQL after the archive's rows, never before.

The archive here is a DuckDB file (pipeline.store.warehouse.Warehouse), a real
ArchiveData; team mode's own is the DuckLake (pipeline.store.team.lake)."""

from __future__ import annotations

import psycopg
import pytest

from pipeline.config.settings import WarehouseSettings
from pipeline.core.errors import WarehouseError
from pipeline.store.team.store import TeamStore
from pipeline.store.warehouse import Warehouse
from tests.team import Nodes
from tests.test_warehouse import batch_with

AID = "163:AAAAAAAA0001899O"


@pytest.fixture
def node(pg_url):
    nodes = Nodes(pg_url)
    yield nodes
    nodes.close()


def archive(tmp_path, read_only: bool = False) -> Warehouse:
    settings = WarehouseSettings(path=str(tmp_path / "archive.duckdb"))
    Warehouse.open(settings).close()  # created and migrated
    return Warehouse.open(settings, read_only=read_only)


def frontier(url: str) -> list[tuple]:
    with psycopg.connect(url) as con:
        return con.execute("SELECT article_id, state, lease_owner FROM nv_ctl.frontier"
                           ).fetchall()


def test_a_batch_lands_in_the_archive_and_its_items_are_done(node, tmp_path):
    store = TeamStore(node("a"), archive(tmp_path))
    changed = []
    store.after_store = lambda given, ids: changed.extend(ids) if given is store else None
    with store.transaction():
        assert store.write_batch(batch_with(AID, "一"), store.control.run_id, 3).states == {
            AID: "new"}
    assert frontier(node.url) == [(AID, "done", None)]
    assert store.archive.con.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    assert changed == [AID]


def test_when_the_archive_refuses_a_batch_its_items_stay_leased(node, tmp_path):
    control = node("a")
    store = TeamStore(control, archive(tmp_path, read_only=True))
    batch = batch_with(AID, "一")
    control.add_links(batch.links, control.run_id)
    assert control.claim("netease", "a", 1)  # the site batch_with lists it under
    with pytest.raises(WarehouseError):
        store.write_batch(batch, control.run_id, 3)
    assert frontier(node.url) == [(AID, "leased", "a")]  # lapses, then fetched again


def test_what_team_mode_cannot_do_yet_is_said_plainly(node, tmp_path):
    store = TeamStore(node("a"), object())  # type: ignore[arg-type]
    with pytest.raises(WarehouseError, match="team mode cannot do this yet"):
        store.term_status("v1")
