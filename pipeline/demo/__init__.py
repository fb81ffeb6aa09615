"""`newsvault demo`: see newsvault work with no access to the real sites.

    result = demo(settings)          # serves the synthetic sites, crawls them, stops them
    print(result.report.summary)

The synthetic 36Kr and NetEase sites of pipeline.demo.sites (generated text, the real
sites' structures) are served on 127.0.0.1 by pipeline.demo.server for the length of one
crawl.  The crawl writes a demo warehouse of its own (`demo/` beside the configured
warehouse: its DuckDB file, WARC folder, spool and lock), never the real one, with
request spacing off because the server is local, and each site's default lists
(the ones the synthetic sites serve); a site it does not play is left out.  Running
it again adds nothing: the sites are the same every time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from pipeline.config.settings import Settings, SiteSettings
from pipeline.demo.server import TestServer
from pipeline.demo.sites import CHANNELS, Fake36Kr, FakeNetEase
from pipeline.jobs.report import RunReport
from pipeline.sources import registry

ARTICLES_PER_LIST = 24  # a little over two list pages, so discovery pages back
SERVED = (Fake36Kr.site, FakeNetEase.site)  # the sites the demo plays; others stay off


@dataclass(frozen=True)
class DemoResult:
    warehouse: Path
    origin: str
    report: RunReport

    def next_steps(self) -> list[str]:
        """Commands to try on the demo warehouse."""
        where = f"--warehouse {self.warehouse}"
        return [
            f"newsvault status {where}",
            f"newsvault trend 智谱 DeepSeek MiniMax --by day {where}",
            f"newsvault sql \"SELECT site, title, published_at FROM articles "
            f"ORDER BY published_at DESC LIMIT 5\" {where}",
            f"newsvault export --format csv --out demo-articles.csv {where}",
        ]


def demo_settings(settings: Settings, origin: str, folder: Path) -> Settings:
    """`settings` pointed at the demo folder and the local server, spacing off."""
    warehouse = dataclasses.replace(settings.warehouse, path=str(folder / "news.duckdb"),
                                    attach="", attach_options="", spool_dir="")
    return settings.replace(
        warehouse=warehouse,
        archive=dataclasses.replace(settings.archive, dir=str(folder / "warc")),
        crawl=dataclasses.replace(settings.crawl, lock_file=""),
        fetch=dataclasses.replace(settings.fetch, connect_to=(f"*={origin}",),
                                  min_interval=0.0),
        sites={name: _demo_site(name, site) for name, site in settings.sites.items()},
    )


def _demo_site(name: str, site: SiteSettings) -> SiteSettings:
    """A site the demo serves: on, unhurried, its default lists; any other site: off."""
    if name not in SERVED:
        return dataclasses.replace(site, enabled=False)
    return dataclasses.replace(site, enabled=True, min_interval=0.0,
                               lists=registry.get(name).default_lists())


def demo(settings: Settings, folder: str | Path | None = None,
         articles: int = ARTICLES_PER_LIST) -> DemoResult:
    """Serve the synthetic sites on loopback and crawl them into a demo warehouse."""
    from pipeline.jobs.crawl import crawl  # the demo sits above the jobs it runs

    target = Path(folder) if folder else Path(settings.warehouse.path).parent / "demo"
    target.mkdir(parents=True, exist_ok=True)
    server = TestServer().start()
    try:
        publish(server, articles)
        report = crawl(demo_settings(settings, server.origin, target))
    finally:
        server.stop()
    return DemoResult(target / "news.duckdb", server.origin, report)


def publish(server: TestServer, articles: int) -> None:
    """Fill both synthetic sites with `articles` stories per list and serve them."""
    kr = Fake36Kr()
    kr.publish(articles=articles, flashes=articles)
    kr.install(server)
    ne = FakeNetEase()
    for channel in CHANNELS:
        ne.publish(channel, articles)
    ne.install(server)
