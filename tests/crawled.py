"""What the fake sites publish before a shared crawl (see the `crawled_copy` fixture)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.fakesites import Fake36Kr, FakeNetEase
from tests.server import TestServer


@dataclass(frozen=True)
class Published:
    """What the fake sites publish before a crawl: 36Kr articles and newsflashes, and
    NetEase (channel, count, template) lists; `then` sets routes on the server after that
    (a refusal, a missing page), and `exit_code` is what that crawl exits with.  The fake
    sites are deterministic: the same calls make the same stories."""

    articles: int = 0
    flashes: int = 0
    netease: tuple[tuple[str, int, str], ...] = ()
    then: Callable[[TestServer, Fake36Kr, FakeNetEase], None] | None = None
    exit_code: int = 0

    def publish(self, server: TestServer, kr: Fake36Kr, ne: FakeNetEase) -> None:
        kr.publish(articles=self.articles, flashes=self.flashes)
        for channel, count, template in self.netease:
            ne.publish(channel, count, template=template)
        if self.then is not None:
            self.then(server, kr, ne)
