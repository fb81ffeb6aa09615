"""A site's settings (sites.<name>): the site's own defaults from its package, under the
config's keys; its lists checked against what the site reads."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pipeline.config.tree import ConfigTree
from pipeline.core.errors import ConfigError
from pipeline.core.fields import setting
from pipeline.sources.base import Source
from pipeline.sources.lists import ListSettings


@dataclass(frozen=True)
class SiteSettings:
    enabled: bool = setting(
        True, "Crawl this site. The default is the site's own (its package's defaults.py): "
              "on for 36kr and netease; a newly added site is off until enabled here (or "
              "named by `crawl --site`).")
    max_pages: int = setting(5, "How far back discovery pages through a list when it finds "
                             "no known item (the bound is reported when it cuts).", minimum=1)
    min_interval: float = setting(-1.0, "Per-site override of fetch.min_interval (-1: use it); "
                                  "36kr: 5.0.")
    concurrency: int = setting(
        0, "Requests in flight to all of the site's hosts together, its min_interval spacing "
           "them as one (0: fetch.concurrency_per_host per host); 36kr: 1.", minimum=0)
    user_agent: str = setting("", "The site's own User-Agent header (empty: fetch.user_agent); "
                              "it should still name newsvault.")
    cooldown: float = setting(
        0.0, "Minutes the site is left alone after a challenge or risk page, across runs "
             "(0: none; the run goes on); 36kr: 30.", minimum=0.0)
    lists: tuple[ListSettings, ...] = setting(
        (), "Discovery lists (replaces the site's default lists, from its package).")


def site_settings(tree: ConfigTree, name: str, source: Source, data: Any) -> SiteSettings:
    """sites.<name> from the config over the site's own defaults (its package's
    defaults.py): enabled, politeness, lists (a config's `lists` replaces the site's)."""
    if isinstance(data, dict):
        data = {"enabled": source.enabled_by_default, **source.site_defaults, **data}
    site = tree.section(SiteSettings, data, f"sites.{name}")
    if not site.lists:
        site = dataclasses.replace(site, lists=source.default_lists())
    where = tree.where(f"sites.{name}.lists")
    for lst in site.lists:
        if lst.kind not in source.list_kinds:
            raise ConfigError(
                f"{where}: sites.{name}.lists '{lst.name}' has kind '{lst.kind}'; "
                f"{name} knows: {', '.join(source.list_kinds)}")
        if not source.owns_host(_host(lst.url)):
            raise ConfigError(
                f"{where}: sites.{name}.lists '{lst.name}' url {lst.url!r} is not on "
                f"{name}'s hosts ({', '.join(source.domains)})")
    return site


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
