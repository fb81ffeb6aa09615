"""The crawl end to end: fake sites on 127.0.0.1, reached through --connect-to."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.cli.main import main
from tests.db import one, rows
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import Reply, TestServer


def crawl(config: Path, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q", *args])


@pytest.fixture
def sites(kr: Fake36Kr, ne: FakeNetEase) -> tuple[Fake36Kr, FakeNetEase]:
    kr.publish(articles=3, flashes=4)
    ne.publish("yaowen", 3)
    ne.publish("tech", 2)
    ne.publish("money", 1, template="2016")
    ne.publish("tech", 1, template="2019")
    return kr, ne


def test_crawl_stores_every_article_of_both_sites(config, sites, capsys):
    _kr, _ne = sites
    assert crawl(config) == 0
    out = capsys.readouterr().out
    assert out.startswith("newsvault crawl ok:")
    assert one("SELECT count(*) FROM articles WHERE site = '36kr' AND kind = 'article'") == 3
    assert one("SELECT count(*) FROM articles WHERE site = '36kr' AND kind = 'newsflash'") == 4
    assert one("SELECT count(*) FROM articles WHERE site = 'netease'") == 7
    assert one("SELECT count(DISTINCT article_id) FROM articles") == one(
        "SELECT count(*) FROM articles")


def test_stored_article_has_clean_text_and_metadata(config, sites):
    _kr, ne = sites
    crawl(config)
    story = ne.stories["yaowen"][0]
    title, body, source, published, url, canonical, tags, lang = rows(
        "SELECT title, body, source, strftime(published_at AT TIME ZONE 'Asia/Shanghai', "
        "'%Y-%m-%d %H:%M:%S'), url, canonical_url, tags, lang FROM articles "
        "WHERE article_id = ?", [f"163:{story.id}"])[0]
    assert (title, body, source) == (story.title, story.body, story.source)
    assert published == story.published.strftime("%Y-%m-%d %H:%M:%S")
    assert url == canonical == f"https://www.163.com/news/article/{story.id}.html"
    assert tags == ["测试", "news", "人工智能"]
    assert lang == "zh"


@pytest.mark.parametrize("template", ["2016", "2019"])
def test_older_netease_templates_decode_and_extract(config, kr, ne, template):
    story = ne.publish("money", 1, template=template)[0]
    crawl(config)
    title, body, source, author, decode_rule = rows(
        "SELECT title, body, source, author, decode_rule FROM articles WHERE article_id = ?",
        [f"163:{story.id}"])[0]
    assert (title, body, source, author) == (story.title, story.body, story.source, "王测试")
    assert decode_rule.startswith("meta:gb18030" if template == "2016" else "utf-8 over meta")


def test_36kr_article_and_newsflash_records(config, sites):
    kr, _ = sites
    crawl(config)
    article, flash = kr.articles[0], kr.flashes[0]
    assert rows("SELECT title, body, author, url, canonical_url, kind FROM articles "
                "WHERE article_id = ?", [f"36kr:{article.id}"]) == [
        (article.title, article.body, article.author, f"https://36kr.com/p/{article.id}?f=rss",
         f"https://36kr.com/p/{article.id}", "article")]
    assert rows("SELECT title, body, kind, source_url FROM articles WHERE article_id = ?",
                [f"36kr:{flash.id}"]) == [
        (flash.title, flash.body, "newsflash", f"https://example.invalid/news/{flash.id}")]


def test_second_run_fetches_no_article_page_again(config, sites, server: TestServer):
    _kr, ne = sites
    assert crawl(config) == 0
    before = one("SELECT count(*) FROM articles")
    server.clear()
    assert crawl(config) == 0
    article_hits = [s for s in server.seen if "/article/" in s.path or "/p/" in s.path
                    or s.path.endswith(tuple(f"{x.id}.html" for x in ne.stories["money"]))]
    assert article_hits == []
    assert one("SELECT count(*) FROM articles") == before
    assert one("SELECT count(*) FROM runs WHERE outcome = 'ok'") == 2


@pytest.mark.slow
def test_list_growing_faster_than_a_page_per_run_loses_nothing(config, kr, ne, server):
    """Three pages are published between two runs; paging reaches the known items."""
    ne.publish("yaowen", 5)
    assert crawl(config, "--site", "netease") == 0
    ne.publish("yaowen", 25)  # 2.5 list pages of 10 between runs
    assert crawl(config, "--site", "netease") == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles WHERE site = 'netease'")}
    assert stored == {f"163:{s.id}" for s in ne.stories["yaowen"]}
    paged = [s.path for s in server.requests("news.163.com") if "cm_yaowen" in s.path]
    assert "/special/cm_yaowen20200213_03/?callback=data_callback" in paged
    assert "/special/cm_yaowen20200213_04/?callback=data_callback" not in paged


def test_36kr_pages_back_through_the_signed_gateway(config, kr, ne, server):
    kr.publish(flashes=5)
    crawl(config, "--site", "36kr")
    kr.publish(flashes=23)
    assert crawl(config, "--site", "36kr") == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'newsflash'")}
    assert stored == {f"36kr:{s.id}" for s in kr.flashes}
    posts = server.requests("gateway.36kr.com")
    assert [p.method for p in posts if p.path.startswith("/api/")] == ["POST", "POST"]


@pytest.mark.slow
def test_depth_bound_is_reported_when_it_cuts(config, kr, ne, capsys):
    ne.publish("tech", 45)
    (Path(config)).write_text(Path(config).read_text() + "\n[sites.netease]\nmax_pages = 2\n")
    crawl(config, "--site", "netease")
    out = capsys.readouterr().out
    assert "depth bound cut tech" in out
    assert rows("SELECT depth_cut FROM run_sites WHERE site = 'netease'") == [(["tech"],)]


def test_unreachable_site_fails_alone(config, kr, ne, server, capsys):
    kr.publish(articles=2)
    ne.publish("yaowen", 2)
    for host in ("news.163.com", "tech.163.com", "money.163.com"):
        server.route(host, "/robots.txt", Reply(mode="reset"))
    assert crawl(config) == 1
    out = capsys.readouterr().out
    assert "36kr ok" in out and "netease failed" in out
    assert one("SELECT count(*) FROM articles WHERE site = '36kr'") == 2
    outcome, error = rows("SELECT outcome, error FROM run_sites WHERE site = 'netease'")[0]
    assert outcome == "failed" and "left for this run after 4 failures in a row" in error
    assert main(["--warehouse", "news.duckdb", "status"]) == 0
    assert "left for this run" in capsys.readouterr().out


@pytest.mark.slow
def test_max_articles_leaves_the_rest_pending(config, kr, ne):
    ne.publish("tech", 6)
    assert crawl(config, "--site", "netease", "--max-articles", "2") == 0
    assert one("SELECT count(*) FROM articles") == 2
    assert one("SELECT count(*) FROM frontier WHERE state = 'pending'") == 4
    assert crawl(config, "--site", "netease") == 0
    assert one("SELECT count(*) FROM articles") == 6


@pytest.mark.slow
def test_failing_article_is_retried_then_given_up(config, kr, ne, server):
    story = ne.publish("tech", 1)[0]
    server.route("www.163.com", f"/tech/article/{story.id}.html", Reply(503, "busy"))
    for expected_state in ("pending", "pending", "failed"):
        assert crawl(config, "--site", "netease") == 1
        assert one("SELECT state FROM frontier WHERE article_id = ?",
                   [f"163:{story.id}"]) == expected_state
    assert one("SELECT count(*) FROM articles") == 0


def test_a_dy_article_keeps_none_of_the_noise_around_it(config, kr, ne):
    story = ne.publish("yaowen", 1, path_channel="dy")[0]
    crawl(config, "--site", "netease")
    body, source, author, canonical = rows(
        "SELECT body, source, author, canonical_url FROM articles WHERE article_id = ?",
        [f"163:{story.id}"])[0]
    assert body == story.body
    assert (source, author) == (story.source, "王测试")
    assert canonical == f"https://www.163.com/dy/article/{story.id}.html"
    for noise in ("特别声明", "Notice", "责任编辑", "跟贴", "相关推荐", "热点推荐", "往期回顾",
                  "分享至", "下一篇", "举报", "网友评论"):
        assert noise not in body


@pytest.mark.parametrize("reply,reason", [
    (Reply(200, ""), "skip/empty"),
    (Reply(200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"), "skip/not-html"),
], ids=["empty-200", "image"])
def test_an_article_that_is_not_a_page_is_skipped_not_stored(config, kr, ne, server, reply,
                                                             reason):
    story = ne.publish("tech", 1)[0]
    server.route("www.163.com", f"/tech/article/{story.id}.html", reply)
    assert crawl(config, "--site", "netease") == 0
    assert one("SELECT count(*) FROM articles") == 0
    assert one("SELECT state FROM frontier") == "skipped"
    assert one("SELECT value FROM run_counters WHERE key = ?", [reason]) == 1


def test_offline_crawl_exits_1_and_keeps_the_warehouse(config, kr, ne, capsys):
    kr.publish(articles=1)
    ne.publish("tech", 1)
    assert crawl(config) == 0
    offline = Path("offline.toml")
    offline.write_text(Path(config).read_text().replace(
        "connect_to = [", 'connect_to = ["*=http://127.0.0.1:9"] #'))
    capsys.readouterr()
    assert main(["--config", str(offline), "--warehouse", "news.duckdb", "crawl", "-q"]) == 1
    out = capsys.readouterr().out
    assert "36kr failed" in out and "netease failed" in out and "cannot connect" in out
    assert one("SELECT count(*) FROM articles") == 2
    assert [r[0] for r in rows("SELECT outcome FROM runs ORDER BY run_id")] == ["ok", "failed"]
