"""The fetcher against a local server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import time

import pytest

from pipeline.config.connect import parse_connect_to
from pipeline.config.settings import FetchSettings
from pipeline.core.records import Fetched, Request
from pipeline.fetch.client import Fetcher
from pipeline.fetch.polite import HostGate, backoff, retry_after
from tests.server import Flaky, Reply, TestServer

SITE = "www.example-news.cn"
URL = f"https://{SITE}/a/1.html"


def settings(server: TestServer, **changes) -> FetchSettings:
    base = FetchSettings(min_interval=0.0, retries=2, backoff_base=0.01, backoff_max=0.05,
                         timeout=2.0, connect_timeout=1.0, connect_to=(server.connect_to(),))
    return dataclasses.replace(base, **changes)


def allowed(host: str) -> bool:
    return host.endswith("example-news.cn")


def fetch(server: TestServer, url: str = URL, method: str = "GET", **changes) -> Fetched:
    async def go() -> Fetched:
        async with Fetcher(settings(server, **changes), allowed) as fetcher:
            return await fetcher.fetch(Request(url, method=method))
    return asyncio.run(go())


def fetch_many(server: TestServer, urls: list[str], **changes) -> list[Fetched]:
    async def go() -> list[Fetched]:
        async with Fetcher(settings(server, **changes), allowed) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(Request(u)) for u in urls))
    return asyncio.run(go())


def test_a_plain_page_is_fetched_and_keeps_its_own_url(server):
    server.route(SITE, "/a/1.html", Reply(200, "<p>你好</p>"))
    got = fetch(server)
    assert got.ok and got.status == 200 and got.body == "<p>你好</p>".encode()
    assert got.url == got.final_url == URL
    seen = server.requests(SITE, "/a/1.html")[0]
    assert seen.headers["Host"] == SITE  # --connect-to moved only the connection
    assert "newsvault" in seen.headers["User-Agent"]


@pytest.mark.parametrize("bad", [Reply(503, "busy"), Reply(500, "oops"), Reply(429, "slow down"),
                                 Reply(mode="reset"), Reply(200, "x" * 1000, mode="truncated")],
                         ids=["503", "500", "429", "reset", "truncated"])
def test_transient_failures_are_retried(server, bad):
    server.route(SITE, "/a/1.html", Flaky(2, bad, Reply(200, "<p>ok</p>")))
    got = fetch(server)
    assert got.ok and got.attempts == 3


@pytest.mark.parametrize("bad,reason", [
    (Reply(503, "busy"), "http-503"), (Reply(mode="reset"), "network"),
    (Reply(200, "y" * 2000, mode="truncated"), "truncated")], ids=["503", "reset", "truncated"])
def test_retries_end_with_the_reason(server, bad, reason):
    server.route(SITE, "/a/1.html", bad)
    got = fetch(server)
    assert not got.ok and got.error == reason and got.attempts == 3


def test_retry_after_is_honoured(server):
    slow = Reply(429, "wait", headers={"Retry-After": "1"})
    server.route(SITE, "/a/1.html", Flaky(1, slow, Reply(200, "ok")))
    got = fetch(server)
    times = [s.at for s in server.requests(SITE, "/a/1.html")]
    assert got.ok and times[1] - times[0] >= 0.95


def test_a_retry_after_beyond_the_limit_gives_up(server):
    server.route(SITE, "/a/1.html", Reply(503, "later", headers={"Retry-After": "3600"}))
    got = fetch(server, max_retry_after=10.0)
    assert got.error == "retry-after-too-long" and "3600" in got.detail
    assert len(server.requests(SITE, "/a/1.html")) == 1


def test_client_errors_are_not_retried(server):
    server.route(SITE, "/a/1.html", Reply(404, "gone"))
    got = fetch(server)
    assert got.error == "http-404" and got.attempts == 1


def test_slow_response_times_out(server):
    server.route(SITE, "/a/1.html", Reply(200, "late", mode="slow", delay=1.5))
    got = fetch(server, timeout=0.3, retries=0)
    assert got.error == "timeout"


def test_a_dripping_body_hits_the_total_deadline(server):
    server.route(SITE, "/a/1.html", Reply(200, "z" * 100, mode="drip", delay=0.05))
    got = fetch(server, timeout=0.2, connect_timeout=0.2, retries=0)
    assert got.error == "timeout"


@pytest.mark.parametrize("reply", [
    Reply(200, b"a" * 5000),
    Reply(200, b"\0" * 5_000_000, mode="gzip"),  # a gzip bomb: tiny on the wire
], ids=["plain", "gzip-bomb"])
def test_bodies_over_the_cap_are_refused(server, reply):
    server.route(SITE, "/a/1.html", reply)
    got = fetch(server, max_body_bytes=4096)
    assert got.error == "too-large" and got.body == b""


def test_gzip_bodies_are_decompressed(server):
    page = ("<p>压缩</p>" * 200).encode()
    server.route(SITE, "/a/1.html", Reply(200, page, mode="gzip"))
    got = fetch(server)
    assert "gzip" in server.requests(SITE, "/a/1.html")[0].headers["Accept-Encoding"]
    assert got.header("content-encoding") == "gzip"  # the server did compress it
    assert int(got.header("content-length")) == len(gzip.compress(page))  # on the wire
    assert got.body == page  # what is kept is the page itself


def test_redirects_within_the_site_are_followed(server):
    server.route(SITE, "/old", Reply(301, "", headers={"Location": "/a/1.html"}))
    server.route(SITE, "/a/1.html", Reply(200, "moved here"))
    got = fetch(server, url=f"https://{SITE}/old")
    assert got.ok and got.url == f"https://{SITE}/old" and got.final_url == URL
    assert got.redirects == [f"https://{SITE}/old"]


def test_an_off_site_redirect_is_refused_and_recorded(server):
    server.route(SITE, "/a/1.html", Reply(302, "", headers={"Location": "https://evil.example/x"}))
    got = fetch(server)
    assert got.error == "offsite-redirect" and "evil.example" in got.detail
    assert server.requests("evil.example") == []


def test_a_redirect_loop_stops(server):
    server.route(SITE, "/a", Reply(302, "", headers={"Location": "/b"}))
    server.route(SITE, "/b", Reply(302, "", headers={"Location": "/a"}))
    got = fetch(server, url=f"https://{SITE}/a")
    assert got.error == "redirect-loop"


def test_hosts_of_other_sites_are_never_fetched(server):
    got = fetch(server, url="https://elsewhere.example/page")
    assert got.error == "not-allowed-host"
    assert server.seen == []


def test_robots_disallow_is_honoured(server):
    server.route(SITE, "/robots.txt", Reply(200, "User-agent: *\nDisallow: /a/\n",
                                            content_type="text/plain"))
    server.route(SITE, "/a/1.html", Reply(200, "secret"))
    got = fetch(server)
    assert got.error == "robots"
    assert server.requests(SITE, "/a/1.html") == []


def test_robots_group_for_newsvault_wins_over_star(server):
    server.route(SITE, "/robots.txt", Reply(200, "User-agent: *\nDisallow: /\n\n"
                                                 "User-agent: newsvault\nAllow: /a/\n",
                                            content_type="text/plain"))
    server.route(SITE, "/a/1.html", Reply(200, "welcome"))
    assert fetch(server).ok


def test_unreadable_robots_blocks_the_host(server):
    server.route(SITE, "/robots.txt", Reply(503, "down"))
    server.route(SITE, "/a/1.html", Reply(200, "x"))
    got = fetch(server)
    assert got.error == "robots-unreachable"
    assert server.requests(SITE, "/a/1.html") == []


def test_robots_can_be_ignored_by_configuration(server):
    server.route(SITE, "/robots.txt", Reply(200, "User-agent: *\nDisallow: /\n"))
    server.route(SITE, "/a/1.html", Reply(200, "x"))
    assert fetch(server, obey_robots=False).ok


# The rate gate books request starts on a fixed grid, one `min_interval` apart from the
# host's first request.  A busy machine only makes a request later than its slot, never
# earlier, so the spacing tests compare arrival times at the server with the earliest
# moment each slot can open; they cannot fail by scheduling noise.  (TOLERANCE: asyncio may
# wake a timer up to one clock tick early; nothing else is allowed.)
TOLERANCE = 0.001


def test_requests_to_one_host_never_start_before_their_slots(server):
    n, interval = 6, 0.15
    for i in range(n):
        server.route(SITE, f"/p/{i}", Reply(200, "x"))
    began = time.monotonic()  # the server stamps arrivals with the same clock
    fetch_many(server, [f"https://{SITE}/p/{i}" for i in range(n)], min_interval=interval)
    arrivals = sorted(s.at for s in server.requests(SITE) if s.path.startswith("/p/"))
    assert len(arrivals) == n
    for k, at in enumerate(arrivals):  # the k-th request waits for k intervals at least
        assert at - began >= k * interval - TOLERANCE, (k, at - began)


def test_crawl_delay_in_robots_slows_the_host(server):
    server.route(SITE, "/robots.txt", Reply(200, "User-agent: *\nCrawl-delay: 0.3\n"))
    for i in range(3):
        server.route(SITE, f"/p/{i}", Reply(200, "x"))
    fetch_many(server, [f"https://{SITE}/p/{i}" for i in range(3)])
    read_robots = server.requests(SITE, "/robots.txt")[0].at  # pages wait for its answer
    arrivals = sorted(s.at for s in server.requests(SITE) if s.path.startswith("/p/"))
    for k, at in enumerate(arrivals):
        assert at - read_robots >= k * 0.3 - TOLERANCE, (k, at - read_robots)


class LateClock:
    """A clock whose sleeps overshoot by given amounts, as on a loaded machine."""

    def __init__(self, overshoots: list[float]) -> None:
        self.now = 1000.0
        self.overshoots = list(overshoots)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.overshoots.pop(0)
        await asyncio.sleep(0)


def test_late_wake_ups_do_not_pile_up_the_gate_keeps_its_grid():
    overshoots = [0.3, 0.0, 0.9, 0.1, 0.5, 0.2, 0.0, 0.7]
    clock = LateClock(overshoots)
    gate = HostGate(1.0, 1, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def request() -> None:
        async with gate:
            starts.append(clock())

    async def go() -> None:
        await asyncio.gather(*(request() for _ in range(len(overshoots) + 1)))
    asyncio.run(go())
    # the first starts at once; the k-th exactly at its slot plus its own sleep's lateness:
    # a gate that counted from the moment it woke would drift by the sum of them all
    assert starts == pytest.approx([1000.0] + [1000.0 + k + late for k, late in
                                               enumerate(overshoots, start=1)])
    assert starts[-1] - starts[0] == pytest.approx(len(overshoots) * 1.0 + overshoots[-1])


def test_a_hold_off_moves_the_grid_for_every_later_request():
    clock = LateClock([0.0] * 4)
    gate = HostGate(1.0, 2, clock=clock, sleep=clock.sleep)
    starts: list[float] = []

    async def request() -> None:
        async with gate:
            starts.append(clock())

    async def go() -> None:
        await request()
        gate.hold_off(30.0)  # a Retry-After: 30
        await asyncio.gather(request(), request())
    asyncio.run(go())
    assert starts == pytest.approx([1000.0, 1030.0, 1031.0])


def test_post_bodies_are_sent_as_given(server):
    server.route(SITE, "/api", Reply(200, "{}", content_type="application/json"))

    async def go() -> Fetched:
        async with Fetcher(settings(server), allowed) as fetcher:
            return await fetcher.fetch(Request(f"https://{SITE}/api", method="POST",
                                               content=b'{"a":1}'))
    assert asyncio.run(go()).ok
    assert server.requests(SITE, "/api")[0].body == b'{"a":1}'


def test_an_unreachable_host_is_a_connect_error(server):
    async def go() -> Fetched:
        closed = dataclasses.replace(settings(server), connect_to=("*=http://127.0.0.1:9",))
        async with Fetcher(closed, allowed) as fetcher:
            return await fetcher.fetch(Request(URL))
    got = asyncio.run(go())
    assert got.error == "connect" and SITE in got.detail


@pytest.mark.parametrize("pair", ["nohost", "x=ftp://1.2.3.4", "=http://1.2.3.4:80",
                                  "x=http://1.2.3.4:99999"])
def test_bad_connect_to_pairs_are_refused(pair):
    with pytest.raises(ValueError, match=r"connect|port|HOST"):
        parse_connect_to([pair])


@pytest.mark.parametrize("value,seconds", [("120", 120.0), ("0", 0.0), ("soon", None),
                                           ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_values(value, seconds):
    assert retry_after(value, now=1445412480.0 + 60) == seconds


def test_backoff_grows_and_is_capped():
    assert backoff(0, 1.0, 60.0, lambda: 1.0) == 1.0
    assert backoff(3, 1.0, 60.0, lambda: 1.0) == 8.0
    assert backoff(10, 1.0, 60.0, lambda: 0.0) == 30.0
