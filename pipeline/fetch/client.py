"""The fetcher: one httpx client, polite per host, every failure with a reason.

    async with Fetcher(settings.fetch, allowed_host) as fetcher:
        fetched = await fetcher.fetch(Request(url))

`fetch` never raises for a URL's own failure; the returned `Fetched` carries the status
or the reason ('timeout', 'connect', 'truncated', 'too-large', 'robots',
'robots-unreachable', 'offsite-redirect', 'redirect-loop', 'http-503', ...).  Only hosts
that `allowed_host` accepts are fetched; redirects are followed here, hop by hop, so an
off-site hop is refused before it is requested.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.config.connect import parse_connect_to
from pipeline.config.settings import FetchSettings
from pipeline.core import faults
from pipeline.core.records import Fetched, Request, utcnow
from pipeline.fetch import robots as robotstxt
from pipeline.fetch.connect import ConnectToTransport
from pipeline.fetch.polite import HostGate, Pacer, Sleep, backoff, retry_after

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
RETRY_REASONS = frozenset({"timeout", "connect", "truncated", "network"})
NETWORK_REASONS = frozenset({"timeout", "connect", "network"})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
ROBOTS_AGENT = "newsvault"
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
Observer = Callable[[Fetched], Awaitable[None] | None]
"""Called with every final result (`observer`) or every exchange on the wire
(`on_exchange`: each attempt and each redirect hop that got a response)."""


class _Refused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class Fetcher:
    def __init__(self, settings: FetchSettings, allowed_host: Callable[[str], bool], *,
                 intervals: Callable[[str], float | None] | None = None,
                 concurrency: Callable[[str], int | None] | None = None,
                 gate_key: Callable[[str], str] | None = None,
                 user_agent: Callable[[str], str | None] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 observer: Observer | None = None,
                 on_exchange: Observer | None = None,
                 sleep: Sleep = asyncio.sleep,
                 rng: Callable[[], float] = random.random,
                 pacer: Pacer | None = None) -> None:
        self.settings = settings
        self.pacer = pacer  # team mode: request starts booked over all nodes
        self.allowed_host = allowed_host
        self.intervals = intervals or (lambda host: None)
        self.concurrency = concurrency or (lambda host: None)
        # hosts sharing a key share one gate: a site polite as a whole, not per host
        self.gate_key = gate_key or (lambda host: host)
        self.user_agent = user_agent or (lambda host: None)  # a site's own User-Agent
        self.observer = observer
        self.on_exchange = on_exchange
        self._sleep = sleep
        self._rng = rng
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, tuple[robotstxt.Rules, float]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        routes = parse_connect_to(settings.connect_to)
        if transport is not None:  # a given transport (replay, tests) is used as it is
            self.transport: httpx.AsyncBaseTransport = transport
        else:
            inner = httpx.AsyncHTTPTransport(retries=0, verify=_tls())
            self.transport = ConnectToTransport(routes, inner) if routes else inner
        self.client = httpx.AsyncClient(
            transport=self.transport, follow_redirects=False, trust_env=False,
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            headers={"User-Agent": settings.user_agent, "Accept": ACCEPT,
                     "Accept-Language": settings.accept_language},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.client.aclose()

    # ---------------------------------------------------------------------------- API

    async def fetch(self, request: Request) -> Fetched:
        """Fetch one URL, following redirects within the allowed hosts."""
        url, method = request.url, request.method
        visited: list[str] = []
        for _ in range(self.settings.max_redirects + 1):
            try:
                self._check_host(url)
                if self.settings.obey_robots and request.purpose != "robots":
                    await self._check_robots(url)
            except _Refused as refused:
                return await self._report(self._failed(request, url, refused.reason,
                                                       refused.detail, visited))
            hop = replace(request, url=url, method=method)
            fetched = await self._with_retries(hop)
            fetched.redirects = list(visited)
            location = fetched.header("location")
            if fetched.status not in REDIRECT_STATUS or not location or fetched.error:
                fetched.url, fetched.final_url = request.url, url
                return await self._report(self._judge(fetched))
            target = urljoin(url, location.strip())
            visited.append(url)
            if target in visited:
                return await self._report(self._failed(
                    request, url, "redirect-loop", f"{request.url} redirects in a loop "
                    f"({' -> '.join([*visited, target])})", visited, fetched))
            if not self.allowed_host(urlsplit(target).hostname or ""):
                return await self._report(self._failed(
                    request, url, "offsite-redirect",
                    f"{url} redirects off-site to {target}; refused", visited, fetched))
            if fetched.status in (301, 302, 303) and method != "GET":
                method, request = "GET", replace(request, json=None, content=None)
            url = target
        return await self._report(self._failed(
            request, url, "too-many-redirects",
            f"{request.url} redirects more than {self.settings.max_redirects} times", visited))

    def gate(self, host: str) -> HostGate:
        key = self.gate_key(host)
        gate = self._gates.get(key)
        if gate is None:
            interval = self.intervals(host)
            gate = HostGate(self.settings.min_interval if interval is None else interval,
                            self.concurrency(host) or self.settings.concurrency_per_host,
                            sleep=self._sleep, pacer=self.pacer, key=key)
            self._gates[key] = gate
        return gate

    async def robots_for(self, url: str) -> robotstxt.Rules:
        """The robots.txt rules for the URL's origin (fetched once per run and host)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached and (cached[1] == 0 or time.monotonic() < cached[1]):
                return cached[0]
            rules, ttl = await self._load_robots(origin)
            self._robots[origin] = (rules, time.monotonic() + ttl if ttl else 0)
            if rules.crawl_delay:
                self.gate(parts.hostname or "").slow_down(min(rules.crawl_delay, 60.0))
            return rules

    # ------------------------------------------------------------------------ helpers

    def _check_host(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"}:
            raise _Refused("bad-url", f"{url} is not an http(s) URL")
        if not self.allowed_host(parts.hostname or ""):
            raise _Refused("not-allowed-host",
                           f"{parts.hostname} is not a host of a configured site; not fetched")

    async def _check_robots(self, url: str) -> None:
        rules = await self.robots_for(url)
        if rules.allows(url):
            return
        if rules.verdict is False:
            raise _Refused(rules.reason, rules.note)
        raise _Refused("robots", f"robots.txt of {urlsplit(url).netloc} disallows {url}")

    async def _load_robots(self, origin: str) -> tuple[robotstxt.Rules, float]:
        fetched = await self.fetch(Request(origin + "/robots.txt", purpose="robots"))
        if fetched.ok:
            text = fetched.body[: robotstxt.MAX_ROBOTS_BYTES].decode("utf-8", "replace")
            return robotstxt.parse(text, ROBOTS_AGENT), 0
        if fetched.status is not None and 400 <= fetched.status < 500:
            return robotstxt.allow_all(f"robots.txt answered {fetched.status}"), 0
        if fetched.error == "not-in-archive":
            return robotstxt.allow_all("robots.txt is not in the replayed archive"), 0
        if fetched.error in NETWORK_REASONS:  # the host is unreachable: say that
            return (robotstxt.disallow_all(fetched.detail, fetched.error or "network"),
                    self.settings.backoff_max)
        note = (f"robots.txt of {origin} answered {fetched.detail or fetched.error}; nothing is "
                "fetched from this host while it cannot be read (RFC 9309)")
        return robotstxt.disallow_all(note), self.settings.backoff_max

    async def _with_retries(self, request: Request) -> Fetched:
        host = urlsplit(request.url).hostname or ""
        gate = self.gate(host)
        attempt = 0
        while True:
            async with gate:
                fetched = await self._send(request)
            fetched.attempts = attempt + 1
            if fetched.status is not None:
                faults.checkpoint("fetched")
                await self._notify(self.on_exchange, fetched)
            retryable = fetched.status in RETRY_STATUS or fetched.error in RETRY_REASONS
            if not retryable or attempt >= self.settings.retries:
                return fetched
            wait = retry_after(fetched.header("retry-after"))
            if wait is not None and wait > self.settings.max_retry_after:
                fetched.error = "retry-after-too-long"
                fetched.detail = (f"{request.url} asks to retry after {wait:.0f} s, more than "
                                  f"fetch.max_retry_after ({self.settings.max_retry_after:.0f} s)")
                return fetched
            if wait is None:
                wait = backoff(attempt, self.settings.backoff_base, self.settings.backoff_max,
                               self._rng)
            gate.hold_off(wait)
            log.info("retry %s in %.1f s (%s)", request.url, wait,
                     fetched.error or fetched.status)
            await self._sleep(wait)
            attempt += 1

    async def _send(self, request: Request) -> Fetched:
        fetched = Fetched(url=request.url, method=request.method, purpose=request.purpose)
        start = time.perf_counter()
        cap = self.settings.max_body_bytes
        try:
            async with asyncio.timeout(self.settings.timeout * 3 + self.settings.connect_timeout):
                async with self.client.stream(request.method, request.url, json=request.json,
                                              content=request.content,
                                              headers=self._headers(request)) as response:
                    if response.headers.get("x-newsvault-replay") == "missing":
                        return _fail(fetched, "not-in-archive",
                                     f"{request.url} is not in the replayed archive")
                    fetched.status = response.status_code
                    fetched.headers = list(response.headers.multi_items())
                    fetched.http_version = response.http_version or "HTTP/1.1"
                    fetched.reason_phrase = response.reason_phrase or ""
                    fetched.request_headers = list(response.request.headers.multi_items())
                    fetched.request_body = request.content or (
                        response.request.content if request.json is not None else b"")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > cap:
                        return _fail(fetched, "too-large", f"{request.url} announces "
                                     f"{int(declared):,} bytes; fetch.max_body_bytes is {cap:,}")
                    chunks, size = [], 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > cap:
                            return _fail(fetched, "too-large", f"{request.url} sent more than "
                                         f"fetch.max_body_bytes ({cap:,} bytes, decompressed)")
                        chunks.append(chunk)
                    fetched.body = b"".join(chunks)
        except (TimeoutError, httpx.TimeoutException):
            return _fail(fetched, "timeout", f"{request.url} timed out")
        except httpx.ConnectError as exc:
            return _fail(fetched, "connect", f"cannot connect to {urlsplit(request.url).netloc}"
                         f" ({_short(exc)})")
        except httpx.DecodingError as exc:
            return _fail(fetched, "bad-encoding", f"{request.url}: undecodable compressed body "
                         f"({_short(exc)})")
        except httpx.RemoteProtocolError as exc:
            reason = "truncated" if fetched.status is not None else "network"
            return _fail(fetched, reason, f"{request.url}: connection dropped ({_short(exc)})")
        except httpx.TransportError as exc:
            return _fail(fetched, "network", f"{request.url}: {_short(exc)}")
        finally:
            fetched.elapsed_ms = (time.perf_counter() - start) * 1000
            fetched.fetched_at = utcnow()
        log.info("%s %s -> %s (%d bytes, %.0f ms)", request.method, request.url,
                 fetched.status, len(fetched.body), fetched.elapsed_ms)
        return fetched

    def _headers(self, request: Request) -> dict[str, str]:
        agent = self.user_agent(urlsplit(request.url).hostname or "")
        headers = {"User-Agent": agent} if agent else {}
        return {**headers, **dict(request.headers)}

    def _judge(self, fetched: Fetched) -> Fetched:
        if fetched.error is None and fetched.status is not None and not 200 <= fetched.status < 300:
            fetched.error = f"http-{fetched.status}"
            fetched.detail = f"{fetched.final_url or fetched.url} answered HTTP {fetched.status}"
        return fetched

    def _failed(self, request: Request, url: str, reason: str, detail: str,
                visited: list[str], last: Fetched | None = None) -> Fetched:
        fetched = last or Fetched(url=request.url, method=request.method)
        fetched.url, fetched.final_url, fetched.purpose = request.url, url, request.purpose
        fetched.error, fetched.detail, fetched.redirects = reason, detail, list(visited)
        return fetched

    async def _report(self, fetched: Fetched) -> Fetched:
        await self._notify(self.observer, fetched)
        return fetched

    @staticmethod
    async def _notify(hook: Observer | None, fetched: Fetched) -> None:
        if hook is not None:
            result = hook(fetched)
            if result is not None:
                await result


def _fail(fetched: Fetched, reason: str, detail: str) -> Fetched:
    fetched.error, fetched.detail = reason, detail
    fetched.body = b""
    return fetched


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@functools.cache
def _tls() -> ssl.SSLContext:
    """The TLS context of every fetcher of the process, as httpx would make it (the CA
    bundle, or SSL_CERT_FILE/SSL_CERT_DIR): making one loads the bundle, 30 ms of CPU,
    which each crawl, backfill and robots check paid again. Shared, it is only read."""
    return httpx.create_ssl_context()
