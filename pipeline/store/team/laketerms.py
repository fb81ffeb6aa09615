"""The term index of team mode's lake (the term half of ArchiveData), append-only.

Ids come from PostgreSQL, so nodes indexing at once never share a number: an article's
doc number is given once and kept (nv_ctl.term_docs), a term's id likewise
(nv_ctl.term_ids); the lake gets them from `ids` (pipeline.store.team.control.PgControl).
Each write is one lake batch (retried whole, applied once, as lake.Lake.commit does):
it adds an `entry` of the articles — their term_docs and term_rows rows — and the
term_days deltas, minus those of the entry it replaces.  Nothing is deleted; the views
read the current entry, and `newsvault maintain` sums the deltas.  Two nodes indexing
one article take turns (its doc row is locked in PostgreSQL until the entry commits),
so the second retracts the first's counts rather than the same old ones again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import duckdb
import numpy as np

from pipeline.core.errors import WarehouseError
from pipeline.store.queries import literal, split_statements
from pipeline.store.records import ClusterRule, IndexStatus, Segmented, TermRow
from pipeline.store.team.session import lake_sql
from pipeline.store.terms import _lengths

T = TypeVar("T")

_BATCH_TABLES = ("batch_docs", "batch_rows", "batch_vocab", "batch_old")


class IdSource(Protocol):
    """Where doc numbers and term ids come from (PgControl): every node agrees."""

    def term_ids(self, terms: Sequence[str]) -> dict[str, int]: ...

    def doc_numbers(self, article_ids: Sequence[str]) -> dict[str, int]: ...

    def locked_docs(self, article_ids: Sequence[str]
                    ) -> contextlib.AbstractContextManager[dict[str, int]]: ...


class Lake(Protocol):
    """What the term methods use of lake.Lake (which mixes them in)."""

    con: duckdb.DuckDBPyConnection
    node: str
    ids: IdSource | None

    def query(self, name: str, params: dict[str, Any] | None = None
              ) -> list[tuple[Any, ...]]: ...

    def batch_id(self, run_id: int | str) -> str: ...

    def commit(self, batch_id: str, run_id: int | None, kind: str,
               counts: tuple[int, int], work: Callable[[dt.datetime], T]) -> T: ...


class LakeTerms:
    """Mixed into lake.Lake: the term index methods of ArchiveData."""

    ids: IdSource | None

    # reads ---------------------------------------------------------------------------
    def term_rows(self: Lake, ids: Sequence[str]) -> list[TermRow]:
        """The stored articles of these ids, in the order they were first stored."""
        if not ids:
            return []
        return [TermRow(*r) for r in self.query("terms_articles", {"ids": list(ids)})]

    def term_status(self: Lake, version: str) -> IndexStatus:
        row = self.con.execute(lake_sql("terms_status"), {"version": version}).fetchone()
        articles, current, stale, missing, months = row if row else (0, 0, 0, 0, 0)
        return IndexStatus(int(articles), int(current), int(stale), int(missing),
                           int(months), version)

    def term_todo(self: Lake, version: str, rebuild: bool = False,
                  first: str | None = None, last: str | None = None) -> list[str]:
        """The ids of the articles to (re)index, in id order; only those from `first`
        to `last` (a work unit's) when given."""
        return [r[0] for r in self.query("terms_todo_ids", {
            "version": version, "rebuild": rebuild, "first": first, "last": last})]

    def term_ids(self: Lake, terms: Sequence[str]) -> dict[str, int]:
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        rows = self.con.execute("SELECT term, term_id FROM term_ids WHERE term IN "
                                f"({', '.join(map(literal, wanted))})").fetchall()
        return {term: int(term_id) for term, term_id in rows}

    def recount_terms(self: Lake) -> int:
        """Nothing to recount: every write adds its deltas (maintain compacts them)."""
        return 0

    # writes --------------------------------------------------------------------------
    def write_terms(self: Lake, rows: Sequence[TermRow], seg: Segmented, version: str,
                    rule: ClusterRule, deltas: bool = True) -> None:
        """Index these articles as one new entry each, in one lake batch.  `deltas` is
        always in effect here (a recount would delete term_days rows beside running
        crawls)."""
        if not rows:
            return
        if self.ids is None:
            raise WarehouseError("the team term index needs the control state for its ids "
                                 "(Lake.ids)")
        term_ids = self.ids.term_ids(seg.vocab)
        batch_id = self.batch_id("terms")
        try:
            # The articles' doc rows stay locked in PostgreSQL until the entry commits:
            # another node indexing one of them (a crawl beside `newsvault terms`) waits,
            # then reads this entry as the one it replaces, so no count is taken twice.
            with self.ids.locked_docs([r.article_id for r in rows]) as docs:
                work = _writer(self, rows, seg, version, rule, docs, term_ids, batch_id)
                self.commit(batch_id, None, "terms", (0, len(rows)), work)
        finally:
            for name in _BATCH_TABLES:
                with contextlib.suppress(duckdb.Error):
                    self.con.unregister(name)


def _writer(lake: Lake, rows: Sequence[TermRow], seg: Segmented, version: str,
            rule: ClusterRule, docs: dict[str, int], term_ids: dict[str, int],
            entry: str) -> Callable[[dt.datetime], None]:
    def work(now: dt.datetime) -> None:
        numbers = [docs[r.article_id] for r in rows]
        _register_docs(lake, rows, seg, numbers, version, now, {})
        previous = lake.query("terms_previous")
        matches = lake.con.execute(lake_sql("terms_candidates"), {
            "window": rule.window, "distance": rule.distance}).fetchall()
        clusters = rule.assign([(docs[r.article_id], r.day) for r in rows], matches)
        _register_docs(lake, rows, seg, numbers, version, now, clusters)
        if previous:
            lake.con.register("batch_old", {
                "doc": np.array([p[0] for p in previous], dtype=np.int64),
                "entry": _objects([p[1] for p in previous]),
                "site": _objects([p[2] for p in previous])})
            lake.con.execute(lake_sql("terms_retract"))
        lake.con.register("batch_vocab", {
            "code": np.arange(len(seg.vocab), dtype=np.int32),
            "term": _objects(seg.vocab),
            "term_id": np.array([term_ids[t] for t in seg.vocab], dtype=np.int32)})
        lake.con.register("batch_rows", {
            "idx": np.repeat(np.arange(len(seg.sizes), dtype=np.int32), seg.sizes),
            "code": seg.codes, "count": seg.counts, "in_title": seg.titled})
        params = {"entry": entry, "node": lake.node}
        for statement in split_statements(lake_sql("terms_write")):
            lake.con.execute(statement, {k: v for k, v in params.items()
                                         if f"${k}" in statement})
    return work


def _register_docs(lake: Lake, rows: Sequence[TermRow], seg: Segmented, numbers: list[int],
                   version: str, now: dt.datetime, clusters: dict[int, int]) -> None:
    lake.con.register("batch_docs", {
        "idx": np.arange(len(rows), dtype=np.int32),
        "doc": np.array(numbers, dtype=np.int64),
        "article_id": _objects([r.article_id for r in rows]),
        "site": _objects([r.site for r in rows]),
        "day": _objects([r.day for r in rows]),
        "content_hash": _objects([r.content_hash for r in rows]),
        "index_version": _objects([version] * len(rows)),
        "terms": seg.sizes,
        "simhash": _objects(seg.simhash),
        "cluster": np.array([clusters.get(n, n) for n in numbers], dtype=np.int64),
        "indexed_at": _objects([now] * len(rows)),
        "length": _lengths(seg, len(rows)),
        "source": _objects([r.source for r in rows]),
    })


def _objects(values: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array
