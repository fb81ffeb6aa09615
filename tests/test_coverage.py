"""`newsvault coverage`: per site and period, what was seen and what became of it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pipeline.analyze.coverage import last_days
from pipeline.cli.main import main
from pipeline.config.settings import WarehouseSettings
from pipeline.store.warehouse import Warehouse
from tests.crawled import Published
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import Reply

CHALLENGE = ("<html><head><title>安全检测</title></head><body><script>var _wafchallengeid"
             "='x';</script>正在进行安全检测</body></html>")


def run(config: Path, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", *args])


def refusals(server, kr: Fake36Kr, ne: FakeNetEase) -> None:
    articles, stories = kr.articles[::-1], ne.stories["tech"][::-1]  # in publishing order
    articles[0].paragraphs = articles[0].paragraphs[:1]  # its feed item: a summary only
    server.route("36kr.com", f"/p/{articles[0].id}?f=rss", Reply(200, CHALLENGE))
    server.route("www.163.com", f"/tech/article/{stories[0].id}.html", Reply(404, "gone"))
    server.route("www.163.com", f"/tech/article/{stories[1].id}.html",
                 Reply(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"))
    server.route("www.163.com", f"/tech/article/{stories[2].id}.html", Reply(503, "busy"))


@pytest.fixture
def crawled(config: Path, kr: Fake36Kr, ne: FakeNetEase, crawled_copy
            ) -> tuple[Fake36Kr, FakeNetEase]:
    """36Kr: 3 articles (one refused with a challenge page, its feed item a summary only,
    so nothing to fall back on; the site then cools down and the other two are stored
    from their feed text) and 2 newsflashes; NetEase: 4 stories, one gone (404), one an
    image, one waiting (max attempts not reached).  The crawl (exit 1) runs once per
    session; each test gets a copy of its warehouse."""
    crawled_copy(Published(articles=3, flashes=2, netease=(("tech", 4, "2021"),),
                           then=refusals, exit_code=1))
    return kr, ne


def table(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert run(config, "coverage", "--csv", *args) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_coverage_counts_each_fate_per_site(config, crawled, capsys):
    got = {r["site"]: {k: v for k, v in r.items() if k not in ("site", "period")}
           for r in table(config, capsys)}
    assert got == {
        "36kr": {"seen": "5", "stored": "4", "feed_only": "2", "blocked": "1", "failed": "0",
                 "skipped": "0", "pending": "0", "missing": "1"},
        "netease": {"seen": "4", "stored": "1", "feed_only": "0", "blocked": "0",
                    "failed": "1", "skipped": "1", "pending": "1", "missing": "3"},
    }


def test_periods_follow_the_beijing_publish_day(config, kr, ne):
    early = ne.publish("tech", 1)[0]
    ne.clock = ne.clock.replace(hour=23, minute=58)  # 23:58 + 5 min: the next day, Beijing
    late = ne.publish("tech", 1)[0]
    assert early.published.date() != late.published.date()
    run(config, "crawl", "-q", "--site", "netease")
    with Warehouse.open(WarehouseSettings(path="news.duckdb"), read_only=True) as warehouse:
        result = last_days(warehouse, 2, today=late.published.date())
    assert [(r["period"], r["seen"]) for r in result.dicts()] == [
        (early.published.date(), 1), (late.published.date(), 1)]


@pytest.mark.parametrize("by", ["day", "week", "month"])
def test_by_period_and_filters(config, crawled, capsys, by):
    kr, _ = crawled
    day = kr.articles[0].published.date().isoformat()
    rows = table(config, capsys, "--site", "36kr", "--since", day, "--until", day, "--by", by)
    assert [(r["site"], r["seen"]) for r in rows] == [("36kr", "5")]
    assert table(config, capsys, "--since", "2030-01-01") == []


def test_json_lines(config, crawled, capsys):
    capsys.readouterr()
    assert run(config, "coverage", "--json", "--site", "netease") == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [line["missing"] for line in lines] == [3]


@pytest.mark.parametrize("args,message", [
    (["--since", "yesterday"], "--since 'yesterday' is not a day"),
    (["--since", "2026-11-20", "--until", "2026-11-01"], "is before --since"),
])
def test_bad_dates_are_usage_errors(config, crawled, capsys, args, message):
    capsys.readouterr()
    assert run(config, "coverage", *args) == 2
    assert message in capsys.readouterr().err


def test_status_shows_the_last_seven_days(config, crawled, capsys):
    capsys.readouterr()
    assert run(config, "status") == 0
    assert "== coverage, last 7 days" in capsys.readouterr().out
