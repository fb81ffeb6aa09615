"""What the fake sites publish before a shared crawl (see the `crawled_copy` fixture)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakesites import Fake36Kr, FakeNetEase


@dataclass(frozen=True)
class Published:
    """What the fake sites publish before a crawl: 36Kr articles and newsflashes, and
    NetEase (channel, count, template) lists.  The fake sites are deterministic: the same
    calls make the same stories."""

    articles: int = 0
    flashes: int = 0
    netease: tuple[tuple[str, int, str], ...] = ()

    def publish(self, kr: Fake36Kr, ne: FakeNetEase) -> None:
        kr.publish(articles=self.articles, flashes=self.flashes)
        for channel, count, template in self.netease:
            ne.publish(channel, count, template=template)
