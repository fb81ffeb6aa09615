"""36Kr under refusal (issue 13): challenge pages for articles, shells for lists, a
gateway that checks signatures; the feeds' text, the cooldown, and what is recorded.

The fake 36Kr (pipeline.demo.sites.Fake36Kr) has named refusal modes; assertions read
the DuckDB rows and the WARC records the crawl wrote.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest

from pipeline.archive.reader import read_at
from pipeline.cli.main import main
from tests.db import one, rows
from tests.fakesites import Fake36Kr, refusal_page
from tests.server import TestServer

ALL_PAGES = ("challenge", "spider", "captcha", "cloudflare")


def crawl(config: Path, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q",
                 "--site", "36kr", *args])


def counter(key: str) -> int:
    found = rows("SELECT sum(value) FROM run_counters WHERE site = '36kr' AND key = ?", [key])
    return int(found[0][0] or 0)


def no_cooldown(config: Path) -> Path:
    """Every refused page is tried in the run (the cooldown would stop at the first, the
    site's circuit at the fourth in a row)."""
    config.write_text(config.read_text() + "site_failure_limit = 50\n")  # [crawl]
    return site_setting(config, "cooldown = 0.0")


def site_setting(config: Path, line: str) -> Path:
    """Give the config a [sites.36kr] table with this line (last: appended keys land in
    it)."""
    config.write_text(config.read_text() + f"\n[sites.36kr]\n{line}\n")
    return config


def gateway_posts(server: TestServer) -> list:
    return [s for s in server.requests("gateway.36kr.com") if s.path.startswith("/api/")]


def assert_signed(server: TestServer, kr: Fake36Kr) -> None:
    """No gateway request went out without its nonce and md5(body + nonce) sign."""
    assert kr.unsigned == 0
    for post in gateway_posts(server):
        body = json.loads(post.body)
        sign = parse_qs(urlsplit(post.path).query)["sign"][0]
        assert sign == hashlib.md5(post.body + body["nonce"].encode()).hexdigest()
        assert post.headers.get("Accept") == "application/json"
        assert post.headers.get("Content-Type") == "application/json"
        assert post.headers.get("Origin") == "https://www.36kr.com"


# ------------------------------------------------------------------ refused article pages

@pytest.mark.slow
@pytest.mark.parametrize("mode", ALL_PAGES)
def test_every_refused_article_comes_from_its_feed_with_the_refusals_counted(
        config, kr, server, mode):
    kr.publish(articles=5, flashes=2)
    kr.article_refusal = mode
    assert crawl(no_cooldown(config)) == 0
    stored = dict(((aid, (status, title, body)) for aid, status, title, body in rows(
        "SELECT article_id, status, title, body FROM articles WHERE kind = 'article'")))
    assert stored == {f"36kr:{s.id}": ("feed", s.title, s.body) for s in kr.articles}
    provenance = json.loads(one("SELECT provenance FROM articles WHERE article_id = ?",
                                [f"36kr:{kr.articles[0].id}"]))
    assert provenance["body"] == provenance["title"] == "feed"
    assert counter("block/article") == counter("refused/feed") == 5
    assert counter("fail/blocked") == 0
    assert rows("SELECT DISTINCT state, last_error, attempts FROM frontier "
                "WHERE kind = 'article'") == [("pending", "blocked", 1)]
    refused = rows("SELECT warc_file, warc_offset, status FROM captures WHERE "
                   "purpose = 'article' AND error = 'blocked' AND record_type = 'response'")
    assert refused and all(status == 200 for _, _, status in refused)
    assert one("SELECT count(*) FROM captures WHERE purpose = 'article' AND "
               "error = 'blocked'") == 5
    record = read_at(Path("warc") / refused[0][0], refused[0][1])
    assert record.fetched.body == refusal_page(mode).encode()  # archived as it came


@pytest.mark.parametrize("cooldown", [True, False], ids=["cooldown", "every-page-tried"])
def test_a_36kr_refusing_every_page_still_yields_what_its_feeds_carry(config, kr, server,
                                                                     cooldown):
    """The issue's fake: challenges for article pages, nonce-only shells for list pages,
    signatures checked, feeds working."""
    kr.per_page = 4
    kr.publish(articles=6, flashes=6)
    kr.article_refusal, kr.list_mode = "challenge", "shell"
    if not cooldown:
        no_cooldown(config)
    in_feed, older = kr.articles[:4], kr.articles[4:]  # the feed shows a page of items
    # with the cooldown the first refusal (a feed item) stops the pages; without it the
    # two older articles, listed by web_news only, are refused with no text to fall back on
    assert crawl(config) == (0 if cooldown else 1)
    assert {r[0] for r in rows("SELECT article_id FROM articles WHERE status = 'feed'")} == {
        f"36kr:{s.id}" for s in in_feed}
    flashes = {r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'newsflash'")}
    assert flashes == {f"36kr:{s.id}" for s in kr.flashes}  # page 1 and 2 from the gateway
    refused = one("SELECT count(*) FROM captures WHERE error = 'blocked'")
    assert refused == counter("block/article") == (1 if cooldown else 6)
    assert one("SELECT count(*) FROM frontier WHERE last_error = 'blocked'") == refused
    assert counter("refused/feed") + counter("untried/feed") == 4
    assert counter("fail/blocked") == (0 if cooldown else len(older))
    assert_signed(server, kr)


def test_the_feed_article_points_at_the_feed_capture_in_the_archive(config, kr):
    story = kr.publish(articles=1)[0]
    kr.article_refusal = "challenge"
    crawl(config)
    name, offset, url = rows("SELECT c.warc_file, c.warc_offset, c.url FROM articles a "
                             "JOIN captures c USING (capture_id) WHERE a.article_id = ?",
                             [f"36kr:{story.id}"])[0]
    assert url == "https://www.36kr.com/feed-article"
    record = read_at(Path("warc") / name, offset)
    assert story.paragraphs[1].encode() in record.fetched.body


def test_feed_text_is_cleaned_as_a_page_body_is(config, kr):
    story = kr.publish(articles=1)[0]
    story.paragraphs.insert(0, "编者按：本文来自微信公众号“测试观察”（ID：ceshi），作者：林测试，"
                               "36氪经授权发布。")
    story.paragraphs.append("该文观点仅代表作者本人，36氪平台仅提供信息存储空间服务。")
    kr.article_refusal = "challenge"
    crawl(config)
    body, source, author = rows("SELECT body, original_source, original_author FROM articles "
                                "WHERE article_id = ?", [f"36kr:{story.id}"])[0]
    assert body == "\n".join(story.paragraphs[1:-1])
    assert (source, author) == ("测试观察", "林测试")


def test_reextract_reads_a_feed_article_from_its_feed_capture_again(config, kr):
    story = kr.publish(articles=1)[0]
    kr.article_refusal = "challenge"
    crawl(config)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "reextract", "--all",
                 "-q"]) == 0
    assert rows("SELECT status, body FROM articles WHERE article_id = ?",
                [f"36kr:{story.id}"]) == [("feed", story.body)]
    assert one("SELECT count(*) FROM article_versions") == 0


def test_a_feed_summary_is_not_taken_for_the_article(config, kr, server):
    story = kr.publish(articles=1)[0]
    story.paragraphs = ["只有一句话的摘要。"]
    kr.article_refusal = "challenge"
    assert crawl(config) == 1
    assert one("SELECT count(*) FROM articles WHERE kind = 'article'") == 0
    assert counter("fail/blocked") == 1


@pytest.mark.slow
def test_the_page_that_comes_later_becomes_a_new_version(config, kr):
    story = kr.publish(articles=1)[0]
    kr.article_refusal = "challenge"
    assert crawl(no_cooldown(config)) == 0
    kr.article_refusal = ""
    assert crawl(config) == 0
    status, extractor, body = rows("SELECT status, extractor, body FROM articles WHERE "
                                   "article_id = ?", [f"36kr:{story.id}"])[0]
    assert (status, extractor, body) == ("ok", "36kr:state", story.body)
    assert rows("SELECT extractor, body FROM article_versions WHERE article_id = ?",
                [f"36kr:{story.id}"]) == [("36kr:feed", story.body)]
    assert rows("SELECT state, attempts FROM frontier WHERE article_id = ?",
                [f"36kr:{story.id}"]) == [("done", 2)]


@pytest.mark.slow
def test_a_refused_page_is_tried_a_bounded_number_of_times(config, kr, server):
    story = kr.publish(articles=1)[0]
    kr.article_refusal = "spider"
    no_cooldown(config)
    for expected in ("pending", "pending", "refused"):
        assert crawl(config) == 0
        assert one("SELECT state FROM frontier WHERE article_id = ?",
                   [f"36kr:{story.id}"]) == expected
    server.clear()
    assert crawl(config) == 0
    assert [s for s in server.seen if s.path.startswith("/p/")] == []
    assert one("SELECT status FROM articles WHERE article_id = ?", [f"36kr:{story.id}"]) == "feed"
    assert one("SELECT count(*) FROM article_versions") == 0  # the same feed text: no churn


# ------------------------------------------------------------------------------ cooldown

@pytest.mark.slow
def test_a_challenge_cools_the_site_down_across_runs(config, kr, ne, server, capsys):
    kr.publish(articles=4)
    ne.publish("tech", 1)
    kr.article_refusal = "challenge"
    assert crawl(config) == 0
    out = capsys.readouterr().out
    assert "cooling down until" in out and "3 page(s) not tried, stored from feed text" in out
    assert one("SELECT count(*) FROM captures WHERE purpose = 'article'") == 1
    assert one("SELECT count(*) FROM articles WHERE status = 'feed'") == 4
    assert rows("SELECT state, attempts FROM frontier ORDER BY attempts") == [
        ("pending", 0)] * 3 + [("pending", 1)]
    until = one("SELECT until FROM site_cooldowns WHERE site = '36kr'")

    server.clear()
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    out = capsys.readouterr().out
    assert "36kr skipped: cooling down until" in out and "netease ok" in out
    assert [s for s in server.seen if s.host.endswith("36kr.com")] == []
    assert counter("cooldown/skipped") == 1
    assert one("SELECT outcome FROM run_sites WHERE site = '36kr' ORDER BY run_id DESC "
               "LIMIT 1") == "skipped"

    assert main(["--warehouse", "news.duckdb", "status", "--json"]) == 0
    sites = {s["site"]: s for s in json.loads(capsys.readouterr().out)["sites"]}
    assert dt.datetime.fromisoformat(sites["36kr"]["cooling_until"]) == until
    assert sites["netease"]["cooling_until"] is None
    assert (sites["36kr"]["from_feed"], sites["36kr"]["refused"]) == (4, 0)

    con = duckdb.connect("news.duckdb")
    con.execute("UPDATE site_cooldowns SET until = now() - INTERVAL 1 MINUTE")
    con.close()
    kr.article_refusal = ""
    assert crawl(config) == 0
    assert one("SELECT count(*) FROM articles WHERE status = 'ok' AND site = '36kr'") == 4


def test_the_cooldown_is_a_setting(config, kr, server):
    kr.publish(articles=1)
    kr.article_refusal = "challenge"
    site_setting(config, "cooldown = 90.0")
    crawl(config)
    minutes = one("SELECT date_diff('second', since, until) / 60 FROM site_cooldowns")
    assert minutes == 90


# ----------------------------------------------------------------------------- the lists

@pytest.mark.parametrize("mode", ["shell", "spider-nonce"])
def test_a_shell_list_page_takes_page_one_from_the_gateway(config, kr, server, mode):
    kr.publish(flashes=6)
    kr.list_mode = mode
    assert crawl(config) == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'newsflash'")}
    assert stored == {f"36kr:{s.id}" for s in kr.flashes}
    firsts = [json.loads(p.body)["param"] for p in gateway_posts(server)
              if p.path.startswith("/api/mis/nav/newsflash/list")]
    assert firsts[0]["pageEvent"] == 0 and "pageCallback" not in firsts[0]
    assert_signed(server, kr)
    assert counter("list/error/blocked") == 0


@pytest.mark.parametrize("mode", ["spider", "challenge"])
def test_a_list_refused_without_a_nonce_is_blocked_and_cools_the_site(config, kr, server,
                                                                      mode, capsys):
    kr.publish(articles=2, flashes=3)
    kr.list_mode = mode
    assert crawl(config) == 1
    out = capsys.readouterr().out
    assert "refused the list" in out or "anti-bot page" in out
    assert counter("list/error/blocked") == 1 and counter("block/list/newsflashes") == 1
    assert counter("cooldown/begun") == 1
    assert gateway_posts(server) == [] and kr.unsigned == 0
    # what the feed gave before the refusal is kept; the pages wait for the next run
    assert one("SELECT count(*) FROM articles WHERE status = 'feed'") == 2
    assert not [s for s in server.seen if s.path.startswith("/p/")]


@pytest.mark.slow
def test_a_list_page_without_a_nonce_takes_one_from_another_page(config, kr, server):
    kr.per_page = 4
    kr.publish(flashes=3)
    crawl(config)
    kr.list_mode = "no-nonce"
    kr.publish(flashes=9)
    assert crawl(config) == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'newsflash'")}
    assert stored == {f"36kr:{s.id}" for s in kr.flashes}
    assert server.requests("www.36kr.com", "/rss-center")
    assert_signed(server, kr)


@pytest.mark.slow
def test_a_stale_nonce_is_refreshed_once(config, kr, server):
    kr.per_page = 4
    kr.publish(flashes=3)
    crawl(config)
    kr.publish(flashes=6)
    kr.stale_nonces = 1
    server.clear()
    assert crawl(config) == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'newsflash'")}
    assert stored == {f"36kr:{s.id}" for s in kr.flashes}
    nonces = [json.loads(p.body)["nonce"] for p in gateway_posts(server)]
    assert nonces[0] != kr.nonce and set(nonces[1:]) == {kr.nonce}
    assert_signed(server, kr)


def test_a_gateway_that_refuses_a_fresh_nonce_too_blocks_the_list(config, kr, server, capsys):
    kr.per_page = 4
    kr.publish(flashes=9)
    kr.gateway_refuses = True
    assert crawl(config) == 1
    assert "invalid sign" in capsys.readouterr().out
    assert len([p for p in gateway_posts(server) if "newsflash" in p.path]) == 2
    assert counter("list/error/blocked") == 1
    assert one("SELECT count(*) FROM articles WHERE kind = 'newsflash'") == 4  # page 1
    assert_signed(server, kr)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["", "shell", "spider", "spider-nonce", "no-nonce",
                                  "challenge", "stale", "refusing"])
def test_no_gateway_request_is_ever_sent_unsigned(config, kr, server, mode):
    kr.per_page = 3
    kr.publish(articles=4, flashes=7)
    kr.list_mode = mode if mode not in ("stale", "refusing") else ""
    kr.stale_nonces = 2 if mode == "stale" else 0
    kr.gateway_refuses = mode == "refusing"
    kr.check_sign = True
    crawl(no_cooldown(config))
    assert kr.unsigned == 0
    assert bool(gateway_posts(server)) == (mode not in ("spider", "challenge"))
    assert_signed(server, kr)


def test_information_lists_are_read_on_the_bare_host(config, kr, server):
    kr.per_page = 3
    kr.publish(articles=7)
    from pipeline.sources import registry

    url = next(x.url for x in registry.get("36kr").default_lists() if x.kind == "information")
    assert url == "https://36kr.com/information/web_news/"
    config.write_text(config.read_text() + "[[sites.36kr.lists]]\nname = 'web_news'\n"
                      f"kind = 'information'\nurl = '{url}'\n")
    assert crawl(config) == 0
    assert one("SELECT count(*) FROM articles") == 7
    assert server.requests("36kr.com", "/information/web_news/")
    assert not server.requests("www.36kr.com", "/information/web_news/")
    params = [json.loads(p.body)["param"] for p in gateway_posts(server)]
    assert [(p["subnavNick"], p["pageEvent"]) for p in params] == [("web_news", 1)] * 2
    assert_signed(server, kr)


def test_an_information_list_on_the_www_host_follows_its_redirect(config, kr, server):
    kr.publish(articles=2)
    config.write_text(config.read_text() + "[[sites.36kr.lists]]\nname = 'web_news'\n"
                      "kind = 'information'\nurl = 'https://www.36kr.com/information/web_news/'\n")
    assert crawl(config) == 0
    assert one("SELECT count(*) FROM articles") == 2
    assert server.requests("36kr.com", "/information/web_news/")


# ---------------------------------------------------------------------------- politeness

def test_36kr_defaults_to_one_connection_five_seconds_apart_and_a_cooldown():
    from pipeline.config import settings

    loaded = settings.load([], environ={})
    kr, ne = loaded.sites["36kr"], loaded.sites["netease"]
    assert (kr.min_interval, kr.concurrency, kr.cooldown) == (5.0, 1, 30.0)
    assert (ne.min_interval, ne.concurrency, ne.cooldown) == (-1.0, 0, 0.0)


def test_a_site_with_its_own_concurrency_shares_one_gate_across_its_hosts():
    from pipeline.config.settings import FetchSettings
    from pipeline.fetch.client import Fetcher

    def key(host: str) -> str:
        return "site:36kr" if host.endswith("36kr.com") else host

    async def go() -> None:
        async with Fetcher(FetchSettings(), lambda host: True, gate_key=key,
                           concurrency=lambda host: 1 if host.endswith("36kr.com") else None,
                           intervals=lambda host: 5.0 if host.endswith("36kr.com") else None
                           ) as fetcher:
            assert fetcher.gate("www.36kr.com") is fetcher.gate("gateway.36kr.com")
            assert fetcher.gate("www.36kr.com").interval == 5.0
            assert fetcher.gate("www.163.com") is not fetcher.gate("news.163.com")

    asyncio.run(go())


# ------------------------------------------------------------------------------ spooling

@pytest.mark.slow
def test_feed_text_and_cooldown_survive_a_spooled_run(config, kr, server):
    from tests.test_contention import Holder

    kr.publish(flashes=1)
    assert crawl(config) == 0  # the warehouse exists
    kr.publish(articles=3)
    kr.article_refusal = "challenge"
    holder = Holder(read_only=True)
    try:
        assert crawl(config) == 0
        assert list(Path("spool").glob("*.json"))
        server.clear()
        assert crawl(config) == 0  # the spooled cooldown holds: nothing fetched
        assert [s for s in server.seen if s.host.endswith("36kr.com")] == []
    finally:
        holder.release()
    assert crawl(config) == 0  # merges the spool; still cooling down
    assert one("SELECT count(*) FROM articles WHERE status = 'feed'") == 3
    assert one("SELECT count(*) FROM feed_items") == 3
    assert one("SELECT count(*) FROM site_cooldowns") == 1
    assert one("SELECT count(*) FROM frontier WHERE last_error = 'blocked'") == 1


def test_a_site_can_name_itself_with_its_own_user_agent(config, kr, ne, server):
    kr.publish(articles=1)
    ne.publish("tech", 1)
    agent = "newsvault/test (+https://example.invalid/newsvault; 36kr contact)"
    site_setting(config, f'user_agent = "{agent}"')
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    agents = {(s.host.endswith("36kr.com"), s.headers.get("User-Agent")) for s in server.seen}
    assert {a for is_kr, a in agents if is_kr} == {agent}
    assert all("newsvault" in a and a != agent for is_kr, a in agents if not is_kr)
