"""Discovery misses nothing it was shown: every list kind of both sites pages back to its
own overlap after a burst, on a first run and after an outage; what it may have missed is
recorded per list and keeps `status --check` failing until a later run closes it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli.main import main
from tests.db import rows
from tests.fakesites import Fake36Kr, FakeNetEase, Story

W_ID = "W8200000000000000001"


@dataclass(frozen=True)
class Kind:
    """One list kind: its config, how to publish stories it shows, how deep one page is."""

    site: str
    name: str
    kind: str
    url: str
    publish: Callable[[Fake36Kr, FakeNetEase, int], list[Story]]
    paged: bool = True      # has older pages
    page: int = 10          # items a page shows
    sample: bool = False    # a hot list: no order, so no gap

    @property
    def prefix(self) -> str:
        return "36kr:" if self.site == "36kr" else "163:"


def _hot(kr: Fake36Kr, ne: FakeNetEase, n: int) -> list[Story]:
    made = ne.publish("tech", n)
    ne.hot = [s.id for s in made]
    random.Random(n).shuffle(ne.hot)  # hot order is not publish order
    return [s for s in made if s.id in ne.hot[: ne.hot_size]]


def _dy_media(ne: FakeNetEase) -> str:
    return f"https://www.163.com/dy/media/{ne.accounts[W_ID].media_id}.html"


KINDS = [
    Kind("36kr", "feed-article", "rss", "https://www.36kr.com/feed-article",
         lambda kr, ne, n: kr.publish(articles=n), paged=False),
    Kind("36kr", "feed-newsflash", "rss", "https://www.36kr.com/feed-newsflash",
         lambda kr, ne, n: kr.publish(flashes=n), paged=False),
    Kind("36kr", "newsflashes", "newsflashes", "https://www.36kr.com/newsflashes",
         lambda kr, ne, n: kr.publish(flashes=n)),
    Kind("36kr", "web_news", "information", "https://www.36kr.com/information/web_news/",
         lambda kr, ne, n: kr.publish(articles=n)),
    Kind("netease", "yaowen", "jsonp",
         "https://news.163.com/special/cm_yaowen20200213/?callback=data_callback",
         lambda kr, ne, n: ne.publish("yaowen", n)),
    Kind("netease", "tech", "jsonp", "https://tech.163.com/special/00097UHL/tech_datalist.js",
         lambda kr, ne, n: ne.publish("tech", n)),
    Kind("netease", "money", "jsonp",
         "https://money.163.com/special/00259BVP/news_flow_index.js",
         lambda kr, ne, n: ne.publish("money", n)),
    Kind("netease", "rolling", "rolling", "https://news.163.com/special/0001220O/new_json2021.js",
         lambda kr, ne, n: ne.publish("yaowen", n), paged=False, page=40),
    Kind("netease", "hot", "hot", "https://m.163.com/fe/api/hot/news/flow", _hot,
         paged=False, page=20, sample=True),
    Kind("netease", "dy-list", "dy",
         f"https://dy.163.com/v2/article/list.do?pageNo=1&wemediaId={W_ID}&size=10",
         lambda kr, ne, n: ne.publish_dy(W_ID, n)),
]
PAGED = [k for k in KINDS if k.paged]
ONE_PAGE = [k for k in KINDS if not k.paged and not k.sample]


def use(config: Path, kind: Kind, max_pages: int = 5) -> None:
    """Crawl only this list (its site's other lists off)."""
    base = config.read_text().split("\n[sites.")[0]
    config.write_text(base + f"\n[sites.{kind.site}]\nmax_pages = {max_pages}\n\n"
                      f'[[sites.{kind.site}.lists]]\nname = "{kind.name}"\n'
                      f'kind = "{kind.kind}"\nurl = "{kind.url}"\n', encoding="utf-8")


def crawl(config: Path, kind: Kind) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q",
                 "--site", kind.site])


def check(config: Path) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "status", "--check"])


def stored() -> set[str]:
    return {r[0] for r in rows("SELECT article_id FROM articles")}


def last_list() -> tuple:
    return rows("SELECT pages, reached_known, depth_cut, possible_gap, first_read "
                "FROM run_lists ORDER BY run_id DESC LIMIT 1")[0]


def ids(kind: Kind, stories: list[Story]) -> set[str]:
    return {kind.prefix + s.id for s in stories}


@pytest.fixture
def gap_check(config: Path, capsys: pytest.CaptureFixture[str]
              ) -> Callable[[], tuple[int, str]]:
    """`status --check`: its exit code and its list-gap line of the site crawled."""
    def run() -> tuple[int, str]:
        capsys.readouterr()
        code = check(config)
        site = "36kr" if "[sites.36kr]" in config.read_text() else "netease"
        lines = [ln for ln in capsys.readouterr().out.splitlines()
                 if f" {site} list gaps" in ln]
        return code, "\n".join(lines)
    return run


@pytest.mark.slow
@pytest.mark.parametrize("kind", PAGED, ids=lambda k: k.name)
def test_a_burst_larger_than_a_page_is_read_back_to_the_last_run(config, kr, ne, kind,
                                                                   gap_check):
    use(config, kind)
    first = kind.publish(kr, ne, 5)
    assert crawl(config, kind) == 0
    burst = kind.publish(kr, ne, 27)  # nearly three pages between two runs
    assert crawl(config, kind) == 0
    assert ids(kind, first + burst) <= stored()
    pages, reached, cut, gap, first_read = last_list()
    assert (pages, reached, cut, gap, first_read) == (3, True, False, False, False)
    assert gap_check()[1].startswith("ok")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ONE_PAGE, ids=lambda k: k.name)
def test_a_burst_larger_than_a_one_page_feed_is_recorded_as_a_gap(config, kr, ne, kind,
                                                                  gap_check, capsys):
    use(config, kind)
    kind.publish(kr, ne, 3)
    assert crawl(config, kind) == 0
    burst = kind.publish(kr, ne, kind.page + 5)
    capsys.readouterr()
    assert crawl(config, kind) == 0
    out = capsys.readouterr().out
    assert f"possible gap in {kind.name}" in out and "status --check fails" in out
    assert ids(kind, burst[-kind.page:]) <= stored()
    assert not ids(kind, burst[:5]) & stored()  # the feed never showed them
    assert last_list()[3] is True
    code, line = gap_check()
    assert code == 1 and line.startswith("FAIL") and kind.name in line
    assert crawl(config, kind) == 0  # the feed cannot reach back: the gap stays open...
    assert gap_check()[1].startswith("FAIL")
    assert rows("SELECT count(*) FROM list_gaps")[0][0] == 1  # ...and is not counted again


def test_a_hot_list_is_a_sample_and_never_a_gap(config, kr, ne, gap_check):
    kind = next(k for k in KINDS if k.sample)
    use(config, kind)
    kind.publish(kr, ne, 5)
    assert crawl(config, kind) == 0
    shown = kind.publish(kr, ne, 40)
    assert crawl(config, kind) == 0
    assert ids(kind, shown) <= stored()
    assert last_list()[3] is False
    assert gap_check()[1].startswith("ok")


@pytest.mark.slow
@pytest.mark.parametrize("kind", PAGED, ids=lambda k: k.name)
def test_the_first_run_reads_back_to_the_depth_bound_and_records_no_gap(config, kr, ne, kind,
                                                                         gap_check):
    use(config, kind, max_pages=2)
    made = kind.publish(kr, ne, 25)
    assert crawl(config, kind) == 0
    assert ids(kind, made[-20:]) <= stored()  # two pages, newest first
    pages, _reached, cut, gap, first_read = last_list()
    assert (pages, cut, gap, first_read) == (2, True, False, True)
    assert gap_check()[1].startswith("ok")


@pytest.mark.slow
@pytest.mark.parametrize("kind", PAGED, ids=lambda k: k.name)
def test_an_outage_of_a_day_beyond_the_bound_is_a_gap_until_later_runs_read_over_it(
        config, kr, ne, kind, gap_check, capsys):
    use(config, kind, max_pages=2)
    kind.publish(kr, ne, 4)
    assert crawl(config, kind) == 0
    day = kind.publish(kr, ne, 45)  # a day's stories: more than four pages
    capsys.readouterr()
    assert crawl(config, kind) == 0  # the crawl itself went well
    assert f"possible gap in {kind.name}" in capsys.readouterr().out
    assert last_list()[2:4] == (True, True)
    code, line = gap_check()
    assert code == 1 and "depth bound" in line
    more = kind.publish(kr, ne, 3)
    assert crawl(config, kind) == 0  # the top, then on from where the last run stopped
    assert gap_check()[1].startswith("FAIL")  # two more pages: not over it yet
    assert rows("SELECT count(*) FROM list_gaps")[0][0] == 1  # no second gap
    capsys.readouterr()
    assert crawl(config, kind) == 0
    assert "closed" in capsys.readouterr().out
    assert ids(kind, day + more) <= stored()
    assert gap_check()[1].endswith("list gaps: none open")


@pytest.mark.slow
def test_a_deeper_bound_for_one_run_closes_a_gap_of_a_list_that_cannot_resume(
        config, kr, ne, gap_check, capsys, monkeypatch):
    from pipeline.sources import registry

    kind = next(k for k in KINDS if k.name == "tech")
    monkeypatch.setattr(type(registry.get("netease")), "resume",
                        lambda self, lst, cursor, fresh: None)
    use(config, kind, max_pages=2)
    kind.publish(kr, ne, 4)
    crawl(config, kind)
    day = kind.publish(kr, ne, 26)
    crawl(config, kind)
    crawl(config, kind)  # the same bound reads the same two pages again: still open
    assert gap_check()[1].startswith("FAIL")
    use(config, kind, max_pages=5)  # the user raises the bound for a run
    capsys.readouterr()
    crawl(config, kind)
    assert "closed" in capsys.readouterr().out
    assert ids(kind, day) <= stored()
    assert gap_check()[1].endswith("list gaps: none open")


@pytest.mark.slow
def test_the_burst_of_the_issue_is_recovered_by_the_next_runs(config, kr, ne, gap_check,
                                                              capsys):
    """70 new 36Kr articles between two runs, web_news 10 a page, bound 5 pages."""
    config.write_text(config.read_text() + "\n[sites.36kr]\nmax_pages = 5\n" + "".join(
        f'\n[[sites.36kr.lists]]\nname = "{k.name}"\nkind = "{k.kind}"\nurl = "{k.url}"\n'
        for k in KINDS if k.name in ("feed-article", "web_news")))
    kind = next(k for k in KINDS if k.name == "web_news")
    kr.publish(articles=5)
    crawl(config, kind)
    kr.publish(articles=70)
    crawl(config, kind)
    assert len({f"36kr:{s.id}" for s in kr.articles} - stored()) == 20
    capsys.readouterr()
    crawl(config, kind)
    assert "gap closed in web_news" in capsys.readouterr().out
    assert {f"36kr:{s.id}" for s in kr.articles} <= stored()
    _, line = gap_check()
    assert "feed-article" in line and "web_news" not in line  # a feed waits for a backfill
    capsys.readouterr()
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "status"]) == 0
    status = capsys.readouterr().out.split("== open list gaps", 1)[1].split("\n== ", 1)[0]
    assert "feed-article" in status and "web_news" not in status


@pytest.mark.slow
def test_lists_sharing_items_each_page_back_to_their_own_overlap(config, kr, ne):
    """36Kr's feed makes the newest articles known first; web_news still pages back."""
    config.write_text(config.read_text() + "\n[sites.36kr]\nmax_pages = 5\n" + "".join(
        f'\n[[sites.36kr.lists]]\nname = "{k.name}"\nkind = "{k.kind}"\nurl = "{k.url}"\n'
        for k in KINDS if k.name in ("feed-article", "web_news")))
    kr.publish(articles=5)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q",
                 "--site", "36kr"]) == 0
    kr.publish(articles=24)
    main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q", "--site",
          "36kr"])
    assert {f"36kr:{s.id}" for s in kr.articles} <= stored()
    assert rows("SELECT pages, reached_known FROM run_lists WHERE list_name = 'web_news' "
                "ORDER BY run_id DESC LIMIT 1") == [(3, True)]


def test_the_rolling_list_is_asked_for_with_the_latest_page_as_referer(config, kr, ne,
                                                                       server):
    kind = next(k for k in KINDS if k.name == "rolling")
    use(config, kind)
    made = kind.publish(kr, ne, 3)
    assert crawl(config, kind) == 0
    assert ids(kind, made) <= stored()
    (seen,) = server.requests("news.163.com", "/special/0001220O/new_json2021.js")
    assert seen.headers.get("Referer") == "https://news.163.com/latest/"


def test_a_dy_account_page_yields_its_articles_not_the_sidebar(config, kr, ne):
    made = ne.publish_dy(W_ID, 4)
    other = ne.publish("tech", 1)
    ne.hot = [other[0].id]
    kind = Kind("netease", "dy-page", "dy", _dy_media(ne), lambda kr, ne, n: [])
    use(config, kind)
    assert crawl(config, kind) == 0
    assert stored() == {f"163:{s.id}" for s in made}
    assert rows("SELECT DISTINCT canonical_url LIKE 'https://www.163.com/dy/article/%' "
                "FROM articles") == [(True,)]


def test_what_a_list_showed_survives_a_spooled_run_and_its_merge(workdir):
    from pipeline.config.settings import WarehouseSettings
    from pipeline.store.spool import Spool, SpoolingWarehouse, merge
    from pipeline.store.warehouse import Batch, Warehouse

    settings = WarehouseSettings(path=str(workdir / "w.duckdb"))
    Warehouse.open(settings).close()
    reader = Warehouse.open(settings, read_only=True)
    spooling = SpoolingWarehouse(reader, Spool(workdir / "spool"))
    spooling.write_batch(Batch(listed=[("36kr", "web_news", "36kr:1")]), 5, 3)
    assert spooling.known_before("36kr", "web_news", ["36kr:1", "36kr:2"], 6) == {"36kr:1"}
    assert spooling.known_before("36kr", "web_news", ["36kr:1"], 5) == set()  # this run
    assert spooling.known_before("36kr", "feed-article", ["36kr:1"], 6) == set()
    assert spooling.list_seen("36kr", "web_news")
    reader.close()
    with Warehouse.open(settings) as warehouse:
        assert merge(warehouse, Spool(workdir / "spool")) == 1
        assert warehouse.known_before("36kr", "web_news", ["36kr:1"], 6) == {"36kr:1"}
        assert warehouse.known_before("36kr", "web_news", ["36kr:1"], 5) == set()
