"""One settings registry: every key with its default and help, loaded and validated once.

Sources, lowest to highest precedence (one line, as in datasette):

    settings = defaults <- configs/*.toml (or --config) <- environment <- command line

The sections are frozen dataclasses; each field's metadata holds its help text, so
`newsvault config` and the README's configuration reference come from this one place.
Unknown keys and wrong types are rejected before anything is fetched, with the file
and the key named (and a "did you mean" hint).
"""

from __future__ import annotations

import dataclasses
import os
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.config.checks import is_team_uri, team_uri_problem
from pipeline.config.checks import memory_limit_bytes as memory_limit_bytes
from pipeline.config.checks import memory_limit_problem as memory_limit_problem
from pipeline.config.files import config_files, read_toml
from pipeline.config.sites import SiteSettings, site_settings
from pipeline.config.tree import ConfigTree
from pipeline.core.errors import ConfigError, UsageError
from pipeline.core.fields import setting
from pipeline.sources.lists import ListSettings

DEFAULT_UA = f"Mozilla/5.0 (compatible; newsvault/{__version__}; +https://github.com/newsvault)"
ENV_WAREHOUSE = "NEWSVAULT_WAREHOUSE"
ENV_DATA_PATH = "NEWSVAULT_DATA_PATH"
ENV_NODE = "NEWSVAULT_NODE"


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = setting(
        DEFAULT_UA, "User-Agent header; robots.txt groups are matched against 'newsvault'.")
    accept_language: str = setting("zh-CN,zh;q=0.9,en;q=0.5", "Accept-Language header.")
    timeout: float = setting(20.0, "Seconds to wait for a response (read/write/pool).", minimum=0.1)
    connect_timeout: float = setting(10.0, "Seconds to wait for a connection.", minimum=0.1)
    min_interval: float = setting(
        1.0, "Seconds between two request starts to one host (robots.txt Crawl-delay raises it).",
        minimum=0.0)
    concurrency_per_host: int = setting(2, "Requests in flight to one host at once.", minimum=1)
    retries: int = setting(3, "Retries on 429, 5xx, timeouts and dropped connections.", minimum=0)
    backoff_base: float = setting(1.0, "First retry delay in seconds; doubles each retry, "
                                  "with jitter.", minimum=0.0)
    backoff_max: float = setting(60.0, "Longest delay between two retries, seconds.", minimum=0.0)
    max_retry_after: float = setting(
        300.0, "Longest Retry-After honoured, seconds; a longer one gives up on the URL.",
        minimum=0.0)
    max_body_bytes: int = setting(
        10_000_000, "Largest body read (after decompression); larger ones are refused.",
        minimum=1024)
    max_redirects: int = setting(5, "Redirects followed per request.", minimum=0)
    obey_robots: bool = setting(True, "Honour robots.txt (Disallow and Crawl-delay).")
    connect_to: tuple[str, ...] = setting(
        (), "HOST=http://IP:PORT pairs: send HOST's requests to that origin, keep stored URLs "
            "(like curl --connect-to). HOST may be '*' or '*.example.com'.")


@dataclass(frozen=True)
class CrawlSettings:
    batch_size: int = setting(20, "Articles per warehouse commit; a crash loses at most one "
                              "batch, which the next run fetches again.", minimum=1)
    max_articles: int = setting(0, "Article pages fetched per site and run (0: no limit); "
                                "the rest wait for the next run.", minimum=0)
    max_attempts: int = setting(3, "Runs that may try a failing article before it is given "
                                "up (state 'failed').", minimum=1)
    site_failure_limit: int = setting(
        4, "Consecutive network failures after which a site is left for the rest of the run.",
        minimum=1)
    lock_file: str = setting("", "Run lock file (default: the warehouse path + '.lock').")
    refetch_after: float = setting(
        6.0, "Hours after its last fetch that a recent article is fetched again to catch "
             "edits (0: never).", minimum=0.0)
    refetch_window: float = setting(
        48.0, "Only articles published (or first seen) this many hours ago or less are "
              "fetched again.", minimum=0.0)
    max_refetches: int = setting(1, "Times an article is fetched again after the first.",
                                 minimum=0)


@dataclass(frozen=True)
class WarehouseSettings:
    path: str = setting("warehouse/news.duckdb", "DuckDB file (env NEWSVAULT_WAREHOUSE, "
                        "--warehouse).")
    catalog: str = setting("nv", "Catalog name the warehouse is attached as; all SQL runs "
                           "against it.")
    attach: str = setting("", "ATTACH target instead of `path`, e.g. "
                          "'ducklake:postgres:dbname=news host=db' for a DuckLake catalog.")
    attach_options: str = setting("", "Options for ATTACH, e.g. \"DATA_PATH 's3://b/news/'\".")
    extensions: tuple[str, ...] = setting(
        (), "Extensions to LOAD first (names or .duckdb_extension paths); 'ducklake' loads "
            "the offline duckdb-extension-ducklake package when installed.")
    timezone: str = setting("Asia/Shanghai", "Session time zone for SQL, exports and status "
                            "(the sites publish Beijing time); a name DuckDB knows, "
                            "checked when settings load.")
    memory_limit: str = setting(
        "64MB", "DuckDB memory_limit of the writing commands (crawl, import, reextract): "
                "caps DuckDB's cache so a long crawl's memory stays flat (what does not fit "
                "is spilled beside the file: news.duckdb.tmp/ for news.duckdb). A size in "
                "DuckDB's units (KB, MB, GB, TB; KiB..TiB), at least 32MB. Readers (sql, "
                "export, status) use DuckDB's default. Empty: the default for all.")
    threads: int = setting(
        0, "DuckDB worker threads of the writing commands; 0: DuckDB's default (one per "
           "core). Team nodes sharing one machine: 1 each, so each node keeps to its core.",
        minimum=0)
    lock_wait: float = setting(
        30.0, "Seconds a command waits while another process holds the DuckDB file; a crawl "
              "then keeps its work in the spool folder (merged by the next run).", minimum=0.0)
    spool_dir: str = setting("", "Folder for that work (default: `spool/` beside the "
                             "warehouse file).")
    store_bodies: bool = setting(False, "Also keep each fetched body, zlib-compressed, in the "
                                 "`bodies` table (the WARC archive keeps them anyway).")
    data_path: str = setting(
        "", "Team mode (warehouse.path a libpq URI postgresql://USER@HOST:PORT/DB, a socket "
            "folder as ?host=/path): the shared root of DuckLake's files and the WARC "
            "archive, the same storage on every node; required there (env "
            "NEWSVAULT_DATA_PATH).")


@dataclass(frozen=True)
class ArchiveSettings:
    enabled: bool = setting(True, "Write every HTTP exchange to WARC files.")
    dir: str = setting("", "Folder of the WARC files (default: `warc/` beside the warehouse "
                       "file; in team mode `warc/` under warehouse.data_path).")
    max_file_bytes: int = setting(1_000_000_000, "Size at which a WARC file is closed and the "
                                  "next one begun.", minimum=1024)
    prefix: str = setting("newsvault", "File name prefix: "
                          "<prefix>-<node>-<pid>-<UTC time>-<seq>.warc.gz.")


@dataclass(frozen=True)
class MonitorSettings:
    max_silence: float = setting(
        6.0, "Hours a site may go without a successful (ok) crawl before `status --check` "
             "fails.", minimum=0.0)
    max_block_rate: float = setting(
        0.2, "A site's block rate in its last run above which `status --check` fails.",
        minimum=0.0)


@dataclass(frozen=True)
class TermsSettings:
    dictionary: str = setting(
        "configs/terms.txt", "User dictionary of entities the segmenter must keep whole, one "
        "per line ('word [freq] [tag]', '#' comments); missing at the default path: the "
        "built-in list. Editing it makes the term index stale until `newsvault terms`.")
    stopwords: str = setting("", "Extra stop-words file (one per line, '#' comments), added to "
                             "the built-in list; they are left out of the term index.")
    index_on_crawl: bool = setting(True, "Index the terms of new and updated articles as the "
                                   "crawl stores them (off: only `newsvault terms` does).")


@dataclass(frozen=True)
class TrendSettings:
    font: str = setting("", "Font file for `trend --plot` (.ttf/.otf/.ttc with Chinese "
                        "glyphs); empty: a CJK font of the system, else the bundled Noto "
                        "Sans SC of the plot extra.")


@dataclass(frozen=True)
class TeamSettings:
    node: str = setting("", "This process's name among the team's nodes (--node, env "
                        "NEWSVAULT_NODE; empty: the host name).")
    lease_ttl: float = setting(
        120.0, "Seconds claimed work stays a node's without a heartbeat; after that another "
               "node takes it, and the run is counted interrupted (a node whose process "
               "died is found at once, by its liveness lock).", minimum=1.0)
    heartbeat: float = setting(15.0, "Seconds between a running node's heartbeats (each "
                               "renews its leases); less than team.lease_ttl.", minimum=0.1)


ARCHIVES = ("wayback", "commoncrawl")


@dataclass(frozen=True)
class BackfillSettings:
    archives: tuple[str, ...] = setting(
        ARCHIVES, "Public web archives `newsvault backfill` reads (wayback, commoncrawl); "
                  "--from overrides it.", choices=ARCHIVES)
    wayback_interval: float = setting(
        1.0, "Seconds between two requests to web.archive.org (the Internet Archive asks for "
             "about one a second).", minimum=0.0)
    commoncrawl_interval: float = setting(
        1.0, "Seconds between two requests to index.commoncrawl.org (its URL index).",
        minimum=0.0)
    commoncrawl_data_interval: float = setting(
        0.5, "Seconds between two ranged record reads from data.commoncrawl.org.", minimum=0.0)
    concurrency: int = setting(1, "Requests in flight to one archive host at once.", minimum=1)
    batch_size: int = setting(100, "Archived pages per warehouse commit (a killed backfill "
                              "reads at most one batch again).", minimum=1)
    cdx_limit: int = setting(1000, "Rows per Wayback CDX page (showResumeKey paging).",
                             minimum=1)
    max_crawls: int = setting(
        0, "Common Crawl crawls searched per run, newest first among those overlapping the "
           "dates (0: all of them).", minimum=0)
    candidates: int = setting(
        4, "Captures tried per article when earlier ones are refused (redirect, challenge, "
           "another site's page).", minimum=1)
    on_refusal: bool = setting(
        False, "After a crawl, look up the pages it was refused (and articles stored from "
               "feed text only) in the archives, as `backfill --refused` does.")


@dataclass(frozen=True)
class Settings:
    fetch: FetchSettings = field(default_factory=FetchSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)
    terms: TermsSettings = field(default_factory=TermsSettings)
    trend: TrendSettings = field(default_factory=TrendSettings)
    backfill: BackfillSettings = field(default_factory=BackfillSettings)
    team: TeamSettings = field(default_factory=TeamSettings)
    sites: Mapping[str, SiteSettings] = field(default_factory=dict)
    files: tuple[str, ...] = ()

    def lock_path(self) -> Path:
        """The DuckDB file's run lock (crawl.lock_file, default beside the file). Team
        mode has none: its locks are PostgreSQL advisory locks (pipeline.store.runlock),
        and no file is ever named after the URI."""
        if self.team_mode():
            raise UsageError("team mode (a postgresql:// warehouse) takes its locks in "
                             "PostgreSQL, not in a lock file; this command does not run "
                             "on team mode yet: give --warehouse a DuckDB file")
        return Path(self.crawl.lock_file or (self.warehouse.path + ".lock"))

    def spool_dir(self) -> Path:
        return Path(self.warehouse.spool_dir) if self.warehouse.spool_dir else (
            Path(self.warehouse.path).parent / "spool")

    def archive_dir(self) -> Path:
        """The WARC archive root: archive.dir, else `warc/` under the shared
        warehouse.data_path in team mode, else `warc/` beside the warehouse file."""
        if self.archive.dir:
            return Path(self.archive.dir)
        if self.team_mode():
            return Path(self.warehouse.data_path) / "warc"
        return Path(self.warehouse.path).parent / "warc"

    def team_mode(self) -> bool:
        """Whether the warehouse is a PostgreSQL URI (team mode) rather than a DuckDB file."""
        return is_team_uri(self.warehouse.path)

    def node(self) -> str:
        import socket

        return self.team.node or socket.gethostname()

    def replace(self, **sections: Any) -> Settings:
        return dataclasses.replace(self, **sections)


SECTIONS: dict[str, type] = {"fetch": FetchSettings, "crawl": CrawlSettings,
                             "warehouse": WarehouseSettings, "archive": ArchiveSettings,
                             "monitor": MonitorSettings, "terms": TermsSettings,
                             "trend": TrendSettings, "backfill": BackfillSettings,
                             "team": TeamSettings}


# ---------------------------------------------------------------------------------- loading

def load(config: Iterable[str | os.PathLike[str]] | None = None,
         overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None,
         timezone_known: Callable[[str], bool] | None = None) -> Settings:
    """Build validated Settings.

    `config`: files or folders (a folder means its *.toml files).  None means
    $NEWSVAULT_CONFIG if set, else ./configs/ when it exists, else the built-in defaults.
    `overrides`: dotted keys from the command line, e.g. {"warehouse.path": "x.duckdb"}.
    `timezone_known`: whether the warehouse's engine knows a time zone name (the CLI
    passes pipeline.store.connect.known_timezone); None: not checked here, and opening
    the warehouse refuses an unknown one.
    """
    environ = os.environ if environ is None else environ
    files = config_files(config, environ)
    loader = _Loader(timezone_known)
    for path in files:
        loader.merge(read_toml(path), str(path))
    if environ.get(ENV_WAREHOUSE):
        loader.set("warehouse.path", environ[ENV_WAREHOUSE], f"${ENV_WAREHOUSE}")
    for env, key in ((ENV_DATA_PATH, "warehouse.data_path"), (ENV_NODE, "team.node")):
        if environ.get(env):
            loader.set(key, environ[env], f"${env}")
    for key, value in (overrides or {}).items():
        loader.set(key, value, "command line")
    return loader.build(tuple(str(p) for p in files))


class _Loader(ConfigTree):
    """The config tree made into Settings: every section, every site, the checks."""

    def __init__(self, timezone_known: Callable[[str], bool] | None = None) -> None:
        super().__init__()
        self.timezone_known = timezone_known

    def build(self, files: tuple[str, ...]) -> Settings:
        from pipeline.sources import registry  # the sites and their defaults

        for key in sorted(set(self.tree) - set(SECTIONS) - {"sites"}):
            raise ConfigError(self.unknown(key, key, [*SECTIONS, "sites"]))
        sections = {name: self.section(cls, self.tree.get(name, {}), name)
                    for name, cls in SECTIONS.items()}
        sites_tree = self.tree.get("sites", {})
        if not isinstance(sites_tree, dict):
            raise ConfigError(f"{self.where('sites')}: 'sites' must be a table of sites")
        known_sites = registry.names()
        for name in sites_tree:
            if name not in known_sites:
                raise ConfigError(self.unknown(f"sites.{name}", name, known_sites, what="site"))
        sites = {name: site_settings(self, name, registry.get(name), sites_tree.get(name, {}))
                 for name in known_sites}
        settings = Settings(sites=types.MappingProxyType(sites), files=files, **sections)
        self.check_connect_to(settings.fetch.connect_to)
        self.check_warehouse(settings.warehouse)
        self.check_team(settings)
        return settings

    def check_connect_to(self, pairs: tuple[str, ...]) -> None:
        from pipeline.config.connect import parse_connect_to

        try:
            parse_connect_to(pairs)
        except ValueError as exc:
            where = self.where("fetch.connect_to")
            raise ConfigError(f"{where}: fetch.connect_to: {exc}") from None

    def check_warehouse(self, warehouse: WarehouseSettings) -> None:
        """Values DuckDB would only refuse when the warehouse is opened (exit 74)."""
        problem = memory_limit_problem(warehouse.memory_limit)
        if problem:
            where = self.where("warehouse.memory_limit")
            raise ConfigError(f"{where}: warehouse.memory_limit {problem}, got "
                              f"{warehouse.memory_limit!r}")
        if warehouse.timezone != WarehouseSettings.timezone and (
                self.timezone_known is not None and not self.timezone_known(warehouse.timezone)):
            where = self.where("warehouse.timezone")
            raise ConfigError(f"{where}: warehouse.timezone {warehouse.timezone!r} is not a "
                              "time zone DuckDB knows; give an IANA name such as "
                              "'Asia/Shanghai' or 'UTC'")

    def check_team(self, settings: Settings) -> None:
        """Team mode: a URI libpq can read, a shared data path, a heartbeat inside the lease."""
        if not settings.team_mode():
            return
        problem = team_uri_problem(settings.warehouse.path)
        if problem:
            raise ConfigError(f"{self.where('warehouse.path')}: warehouse {problem}")
        if not settings.warehouse.data_path:
            raise ConfigError(
                f"{self.where('warehouse.path')}: team mode (a postgresql:// warehouse) needs "
                "warehouse.data_path, the folder all nodes share for DuckLake's files and the "
                "WARC archive: set it in the config or NEWSVAULT_DATA_PATH")
        if settings.team.heartbeat >= settings.team.lease_ttl:
            raise ConfigError(f"{self.where('team.heartbeat')}: team.heartbeat "
                              f"({settings.team.heartbeat:g} s) must be less than "
                              f"team.lease_ttl ({settings.team.lease_ttl:g} s)")


# ------------------------------------------------------------------------------ reference

def reference() -> list[tuple[str, str, str]]:
    """(key, default, help) for every setting: the README reference and `newsvault config`."""
    rows: list[tuple[str, str, str]] = []
    for name, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            rows.append((f"{name}.{f.name}", _show(f.default), f.metadata["help"]))
    for f in dataclasses.fields(SiteSettings):
        rows.append((f"sites.<site>.{f.name}", _show(f.default), f.metadata["help"]))
    for f in dataclasses.fields(ListSettings):
        rows.append((f"sites.<site>.lists[].{f.name}", _show(f.default), f.metadata["help"]))
    return rows


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(repr(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def as_dict(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data (for `newsvault config --json` and digests)."""
    out = {name: dataclasses.asdict(getattr(settings, name)) for name in SECTIONS}
    out["sites"] = {n: dataclasses.asdict(s) for n, s in settings.sites.items()}
    return out
