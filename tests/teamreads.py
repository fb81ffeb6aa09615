"""Two archives of the same crawls, one a DuckDB file and one in team mode, for the tests
that compare the read commands on both (test_team_reads.py).

`build` crawls the fake 36Kr and NetEase sites twice into each, as cron would: one NetEase
story is edited between the crawls, so the second crawl (refetch_after is tiny) stores a
new version of it and archives the unchanged pages as revisit records.  The fake sites
answer the same pages to both, so both archives hold the same articles.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from tests.conftest import only_the_fake_sites, unhurried_36kr
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import TestServer
from tests.webapp import CONFIG

EDITED_LINE = "更正：本段在发布后被编辑修改。"


@dataclass(frozen=True)
class Pair:
    folder: Path
    file: list[str]          # the global options naming the DuckDB file archive
    team: list[str]          # those naming the team archive
    edited_id: str           # an article with two versions
    kr_title: str            # a 36Kr article's title

    def args(self, kind: str) -> list[str]:
        return self.file if kind == "file" else self.team

    def settings(self, kind: str) -> settings_mod.Settings:
        config, _, warehouse = self.args(kind)[1:4]
        return settings_mod.load([self.folder / config], {"warehouse.path": warehouse},
                                 environ={})


def build(folder: Path, pg_url: str, mp: pytest.MonkeyPatch) -> Pair:
    """Crawl the fake sites twice into `folder`/news.duckdb and into the team warehouse
    at `pg_url` (data path `folder`/shared); `mp` keeps the fake sites the only ones."""
    server = TestServer().start()
    try:
        kr, ne = Fake36Kr(), FakeNetEase()
        kr.install(server)
        ne.install(server)
        stories = kr.publish(articles=4, flashes=2)
        tech = ne.publish("tech", 4)
        ne.publish("yaowen", 2, template="2016")
        config = CONFIG.format(origin=server.origin)
        (folder / "file.toml").write_text(config, "utf-8")
        (folder / "team.toml").write_text(config.replace(
            "[warehouse]\n", f"[warehouse]\ndata_path = {str(folder / 'shared')!r}\n"), "utf-8")
        mp.chdir(folder)
        unhurried_36kr(mp)
        only_the_fake_sites(mp)
        for name in ("NEWSVAULT_WAREHOUSE", "NEWSVAULT_CONFIG", "NEWSVAULT_DATA_PATH",
                     "NEWSVAULT_NODE"):
            mp.delenv(name, raising=False)
        pair = Pair(folder, ["--config", str(folder / "file.toml"), "--warehouse",
                             str(folder / "news.duckdb")],
                    ["--config", str(folder / "team.toml"), "--warehouse", pg_url,
                     "--node", "n1"], f"163:{tech[1].id}", stories[-1].title)
        for kind in ("file", "team"):
            assert main([*pair.args(kind), "crawl", "-q"]) == 0, kind
        tech[1].paragraphs[1] = EDITED_LINE
        time.sleep(0.5)  # past refetch_after
        for kind in ("file", "team"):
            assert main([*pair.args(kind), "crawl", "-q"]) == 0, kind
    finally:
        server.stop()
    return pair


# What differs between the two archives of the same crawls, and why:
#   times      each crawl fetched and stored at its own moment (fetched_at, started_at,
#              the HTTP Date header and so the WARC block digest, ...)
#   ids        run ids (the file numbers runs by their start time, team mode from a
#              PostgreSQL sequence), capture ids and term-index doc numbers (given in
#              the order each writer stored things), WARC record ids, file names and
#              offsets (they carry the node and process)
#   durations  how long each run took, in its summary
TIMES = {"started_at", "finished_at", "fetched_at", "first_seen_at", "updated_at",
         "progress_at", "replaced_at", "indexed_at", "seen_at", "newest", "created_at"}
IDS = {"run_id", "last_run", "since_run", "capture_id", "doc", "warc_file", "warc_offset",
       "warc_length", "warc_record_id", "refers_to", "replaced_by", "from_capture",
       "to_capture", "payload_from", "elapsed_ms", "frame", "pid", "host"}
HEADERS = {"warc-date", "warc-record-id", "warc-block-digest", "warc-filename",
           "warc-refers-to", "warc-warcinfo-id", "date"}
_MASKS = [(re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:?\d\d)?|Z)?"),
           "<time>"),
          (re.compile(r"\d+(\.\d+)? ?(s|ms|h)\b"), "<t>"),
          (re.compile(r"\b(run|capture) \d+"), r"\1 <id>")]


def same(value: Any) -> Any:
    """`value` (parsed JSON) with times, ids and durations masked (see above)."""
    if isinstance(value, dict):
        return {k: ("*" if k in TIMES | IDS and v is not None else same(v))
                for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in HEADERS:
            return [value[0], "*"]
        return [same(v) for v in value]
    if isinstance(value, str):
        for pattern, mask in _MASKS:
            value = pattern.sub(mask, value)
        return value
    return value
