"""NetEase's defaults: whether it is crawled, its politeness, its discovery lists.

The one place they are written.  A config file only overrides them: keys under
[sites.netease] win over SETTINGS, and a `[[sites.netease.lists]]` table replaces LISTS.
The `hot` and `dy` list kinds are not among the defaults: a user lists them to read them.
"""

from __future__ import annotations

from types import MappingProxyType

from pipeline.sources.lists import ListSettings

ENABLED = True  # crawled unless sites.netease.enabled = false

SETTINGS: MappingProxyType = MappingProxyType({})  # the registry's defaults suit NetEase

LISTS = (
    ListSettings("yaowen", "jsonp",  # 要闻
                 "https://news.163.com/special/cm_yaowen20200213/?callback=data_callback"),
    ListSettings("tech", "jsonp",  # 科技
                 "https://tech.163.com/special/00097UHL/tech_datalist.js"),
    ListSettings("money", "jsonp",  # 财经
                 "https://money.163.com/special/00259BVP/news_flow_index.js"),
    ListSettings("rolling", "rolling",  # 滚动新闻: one page, asked for with a Referer
                 "https://news.163.com/special/0001220O/new_json2021.js", 1),
)
