"""A site's discovery list as configured (sites.<site>.lists[]); each site says the kinds it
reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.fields import setting


@dataclass(frozen=True)
class ListSettings:
    """One discovery list of a site: a feed, a channel list, an SSR list page."""

    name: str = setting("", "Name used in counters and messages.")
    kind: str = setting("", "How to read it; each site lists the kinds it knows.")
    url: str = setting("", "First page URL.")
    max_pages: int = setting(0, "Pages to read back at most (0: the site's max_pages).",
                             minimum=0)
