"""Every named misbehaviour of a site ends in a recorded reason, per URL and per run;
none is stored as an article (a refused 36Kr page: its feed's text, status 'feed'), and
the run goes on with the rest."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pytest

from pipeline.cli.main import main
from tests.fakesites import Fake36Kr, FakeNetEase, Story
from tests.server import Reply, TestServer

WAF = ("<html><head><title>安全检测</title></head><body><p>正在进行安全检测...</p>"
       "<script>var cs=\"eyJ2Ijp7fX0=\";document.cookie='_wafchallengeid='+cs;</script></body>"
       "</html>")
CAPTCHA = ("<html><body><div class='box'>访问过于频繁，请完成验证后继续</div>"
           "<div id='captcha'></div></body></html>")
SPIDER = ("<html><body><div id='app'></div><script>window.initialState={\"isSpider\":true,"
          "\"articleDetail\":{}}</script></body></html>")

# mode -> (reply for one article page, the counter and the recorded reason)
MODES = {
    "slow": (Reply(200, "<p>late</p>", mode="slow", delay=3.0), "fail/timeout"),
    "429": (Reply(429, "slow down", headers={"Retry-After": "0"}), "fail/http-429"),
    "429-retry-after-too-long": (Reply(429, "", headers={"Retry-After": "86400"}),
                                 "fail/retry-after-too-long"),
    "500": (Reply(500, "oops"), "fail/http-500"),
    "503": (Reply(503, "busy"), "fail/http-503"),
    "reset": (Reply(mode="reset"), "fail/network"),
    "truncated": (Reply(200, "<p>" + "字" * 3000 + "</p>", mode="truncated"), "fail/truncated"),
    "over-cap": (Reply(200, "x" * 300_000), "fail/too-large"),
    "gzip-bomb": (Reply(200, b"\0" * 30_000_000, mode="gzip"), "fail/too-large"),
    "redirect-loop": (None, "fail/redirect-loop"),
    "off-site-redirect": (Reply(302, "", headers={"Location": "https://evil.example/x"}),
                          "skip/offsite-redirect"),
    "empty-200": (Reply(200, ""), "skip/empty"),
    "robots-disallow": (None, "skip/robots"),
    "waf-interstitial": (Reply(200, WAF), "refused/feed"),
    "captcha": (Reply(200, CAPTCHA), "fail/blocked"),
    "is-spider": (Reply(200, SPIDER), "refused/feed"),
}


def setup_mode(mode: str, server: TestServer, victim_host: str, victim_path: str) -> None:
    reply, _ = MODES[mode]
    if mode == "redirect-loop":
        server.route(victim_host, victim_path, Reply(302, "", headers={"Location": "/loop-b"}))
        server.route(victim_host, "/loop-b", Reply(302, "", headers={"Location": victim_path}))
    elif mode == "robots-disallow":
        server.route(victim_host, "/robots.txt", Reply(200, f"User-agent: *\nDisallow: "
                                                            f"{victim_path}\n"))
    else:
        server.route(victim_host, victim_path, reply)


def victim(mode: str, kr: Fake36Kr, ne: FakeNetEase) -> tuple[str, Story, str, str]:
    """36Kr block pages hit a 36Kr article; everything else a NetEase article."""
    if mode in ("waf-interstitial", "is-spider"):
        story = kr.articles[1]
        return "36kr", story, "36kr.com", f"/p/{story.id}?f=rss"  # as the feed lists it
    story = ne.stories["tech"][1]
    return "163", story, "www.163.com", f"/tech/article/{story.id}.html"


def capture_headers(con: duckdb.DuckDBPyConnection, story_id: str) -> dict[str, str]:
    """The response headers recorded for the story's page, names in lower case."""
    row = con.execute("SELECT headers FROM captures WHERE url LIKE ?", [f"%{story_id}%"])
    return {name.lower(): value for name, value in json.loads(row.fetchone()[0])}


# A few modes run in the fast subset (`-m "not slow"`); tests/test_fetch.py covers each
# mode at the fetcher quickly, and the whole suite runs them all through a crawl.
FAST_MODES = ("503", "gzip-bomb", "robots-disallow", "captcha")


@pytest.mark.parametrize("mode", [m if m in FAST_MODES else pytest.param(m, marks=pytest.mark.slow)
                                  for m in MODES])
def test_each_misbehaviour_is_recorded_and_never_stored(config: Path, kr: Fake36Kr,
                                                        ne: FakeNetEase, server, mode):
    kr.publish(articles=3)
    ne.publish("tech", 3)
    prefix, story, host, path = victim(mode, kr, ne)
    setup_mode(mode, server, host, path)
    Path(config).write_text(Path(config).read_text().replace(
        # a short timeout only where one is awaited: a busy machine can hold the crawl's
        # event loop long enough for a short timeout to cut a page that did answer
        "timeout = 5.0", f"timeout = {1.0 if mode == 'slow' else 5.0}\n"
                         "max_body_bytes = 200000\nmax_retry_after = 60.0"))
    code = main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"])
    counter = MODES[mode][1]
    expected_code = 0 if counter.startswith(("skip/", "refused/")) else 1
    assert code == expected_code
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        aid = f"{prefix}:{story.id}"
        stored = [r[0] for r in con.execute("SELECT status FROM articles WHERE article_id = ?",
                                            [aid]).fetchall()]
        assert stored == (["feed"] if counter == "refused/feed" else [])
        state, error = con.execute("SELECT state, last_error FROM frontier WHERE article_id = ?",
                                   [aid]).fetchone()
        assert state in ("pending", "skipped", "failed") and error
        site = "36kr" if prefix == "36kr" else "netease"
        assert con.execute("SELECT value FROM run_counters WHERE site = ? AND key = ?",
                           [site, counter]).fetchone() == (1,)
        others = con.execute("SELECT count(*) FROM articles WHERE article_id <> ?",
                             [aid]).fetchone()[0]
        assert others == 5  # the run went on with the rest
        if mode == "gzip-bomb":  # refused for what it inflates to, not for its wire size
            headers = capture_headers(con, story.id)
            assert headers["content-encoding"] == "gzip"
            assert int(headers["content-length"]) < 200_000 < len(MODES[mode][0].payload())
    finally:
        con.close()


@pytest.mark.parametrize("encoding,declared,content_type,mode", [
    ("gbk", "utf-8", "text/html", ""),            # a lying <meta charset>
    ("gbk", None, "text/html", ""),               # no declaration anywhere
    ("utf-8", "gb2312", "text/html; charset=gbk", ""),  # header and meta both lie
    ("gbk", None, "text/html", "gzip"),           # undeclared, and gzip-compressed
], ids=["meta-lies", "undeclared", "header-lies", "undeclared-gzip"])
def test_wrong_or_missing_charsets_still_decode(config, kr, ne, server, encoding, declared,
                                                content_type, mode):
    story = ne.publish("tech", 1)[0]
    html = ne.article_reply(story).payload().decode("utf-8").replace(
        '<meta charset="utf-8">', f'<meta charset="{declared}">' if declared else "")
    server.route("www.163.com", f"/tech/article/{story.id}.html",
                 Reply(200, html.encode(encoding), content_type=content_type, mode=mode))
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 0
    con = duckdb.connect("news.duckdb", read_only=True)
    body, title = con.execute("SELECT body, title FROM articles").fetchone()
    headers = capture_headers(con, story.id)
    con.close()
    assert (body, title) == (story.body, story.title)
    assert headers.get("content-encoding") == (mode or None)  # as the server sent it


def test_repeated_blocks_trip_the_site_circuit_and_spare_the_other_site(config, kr, ne,
                                                                       server, capsys):
    kr.publish(articles=8)
    ne.publish("tech", 3)
    for story in kr.articles:
        server.route("36kr.com", f"/p/{story.id}?f=rss", Reply(200, CAPTCHA))
    Path(config).write_text(Path(config).read_text() + "\n[sites.36kr]\ncooldown = 0.0\n")
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "crawl", "-q"]) == 1
    out = capsys.readouterr().out
    assert "36kr partial" in out and "left for this run after 4 failures in a row" in out
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        fetched = con.execute("SELECT count(*) FROM captures WHERE purpose = 'article' "
                              "AND site = '36kr'").fetchone()[0]
        assert 4 <= fetched < 8  # the circuit stopped the rest (a few were in flight)
        assert con.execute("SELECT count(*) FROM frontier WHERE site = '36kr' AND "
                           "state = 'pending'").fetchone() == (8,)
        assert con.execute("SELECT count(*) FROM articles WHERE site = 'netease'"
                           ).fetchone() == (3,)
        rate = con.execute("SELECT block_rate FROM run_sites WHERE site = '36kr'").fetchone()
        answered = con.execute("SELECT count(*) FROM captures WHERE site = '36kr' AND "
                               "status IS NOT NULL").fetchone()[0]
        assert rate[0] == pytest.approx(fetched / answered, abs=0.01)
    finally:
        con.close()


def test_no_secret_reaches_the_logs_the_captures_or_the_request_records(config, kr, ne,
                                                                        server, capsys):
    story = ne.publish("tech", 1)[0]
    reply = ne.article_reply(story)
    reply.headers["Set-Cookie"] = "session=TOPSECRET123; Path=/"
    server.route("www.163.com", "/robots.txt", Reply(200, "User-agent: *\nAllow: /\n",
                                                     headers={"Set-Cookie": "t=TOPSECRET123"}))
    server.route("www.163.com", f"/tech/article/{story.id}.html", reply)
    assert main(["--config", str(config), "--warehouse", "news.duckdb", "-v", "crawl"]) == 0
    logged = capsys.readouterr()
    assert "TOPSECRET123" not in logged.out + logged.err
    con = duckdb.connect("news.duckdb", read_only=True)
    headers = " ".join(r[0] for r in con.execute("SELECT headers FROM captures").fetchall())
    con.close()
    assert "TOPSECRET123" not in headers and "<redacted>" in headers
    raw = b"".join(gzip.decompress(p.read_bytes()) for p in Path("warc").glob("*.warc.gz"))
    requests = [r for r in raw.split(b"WARC/1.1") if b"WARC-Type: request" in r]
    assert requests and not any(b"TOPSECRET123" in r for r in requests)
