"""36Kr's defaults: whether it is crawled, its politeness, its discovery lists.

The one place they are written.  A config file only overrides them: keys under
[sites.36kr] win over SETTINGS, and a `[[sites.36kr.lists]]` table replaces LISTS.
"""

from __future__ import annotations

from types import MappingProxyType

from pipeline.sources.lists import ListSettings

ENABLED = True  # crawled unless sites.36kr.enabled = false

# 36Kr throttles and challenges clients that come often: one request at a time to all
# its hosts, 5 s apart, and half an hour off after a challenge or risk page.
SETTINGS = MappingProxyType({"min_interval": 5.0, "concurrency": 1, "cooldown": 30.0})

# The SSR newsflash list comes before the newsflash feed: its items carry the 原文 link,
# and an item is recorded from the first list that shows it.  The information list lives
# on the bare host (www 301s there); the feeds on www (the bare host answers them with HTML).
LISTS = (
    ListSettings("feed-article", "rss", "https://www.36kr.com/feed-article"),
    ListSettings("newsflashes", "newsflashes", "https://www.36kr.com/newsflashes"),
    ListSettings("feed-newsflash", "rss", "https://www.36kr.com/feed-newsflash"),
    ListSettings("web_news", "information", "https://36kr.com/information/web_news/"),
)
