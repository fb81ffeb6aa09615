"""NetEase (163.com): channel JSONP lists, the rolling list, article pages of each era.

Facts from team notes, sites.md section 2 (N1, N2, N9; 2.2, 2.3):
- channel lists are JavaScript `data_callback([...])`; page N >= 2 inserts `_0N` before
  the `.js` or the trailing slash; items with newstype other than "article" are skipped;
- the rolling list is `var data={"news":[[{c,t,l,p}...]...]}`, asked for with the
  Referer of the page that shows it (`https://news.163.com/latest/`);
- lists a user can enable (not among defaults.py's lists): the mobile hot flow
  (`m.163.com/fe/api/hot/news/flow` -> `data.list[].{docid,title,source,ptime}`, a sample
  in hot order, so an all-new page there is no gap) and 网易号 account lists (kind `dy`):
  `dy.163.com/v2/article/list.do?pageNo=1&wemediaId=W...&size=10` (JSON `data.list[]`,
  paged by pageNo) or the account page `www.163.com/dy/media/T....html`;
- article ids are the 16-character docid, the same under www, m, 3g and c.m hosts and
  the legacy news.163.com/YY/MMDD/HH/<docid>.html form: key `163:<docid>`;
- list pages are read in lists.py, article pages of every template in pages.py; its
  defaults are in defaults.py.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Request
from pipeline.page.parsed import Page
from pipeline.sources.base import ArticleRef, ListPage, ListResponse, Source, risk_page
from pipeline.sources.lists import ListSettings
from pipeline.sources.netease import defaults
from pipeline.sources.netease.lists import (
    flow_page,
    html_page,
    jsonp_page,
    media_page,
    page_of,
    page_url,
    referer_of,
    rolling_page,
    with_query,
)
from pipeline.sources.netease.pages import extract_article

DOCID = r"(?P<docid>[0-9A-Z]{16})"
_WWW = re.compile(rf"^/(?P<ch>[a-z0-9_]+)/article/{DOCID}\.html$")
# news.163.com/12/0105/10/<docid>.html, also under a section (ent.163.com/game/20/…) and,
# before 2018, with a lower-case docid (play.163.com/17/0719/09/cpmrno7700318qq3.html)
_LEGACY = re.compile(r"^(?:/[a-z0-9_]+)*/\d{2}/\d{4}/\d{2}/(?P<docid>[0-9A-Za-z]{16})\.html$")
_LEGACY_2004 = re.compile(rf"^/\d{{5}}/\d{{1,2}}/{DOCID}\.html$")
_DY_V2 = re.compile(rf"^/v2/article/detail/{DOCID}\.html$")
_CM = re.compile(rf"^/news/a/{DOCID}\.html$")
_PHOTO = re.compile(r"^/photo(?:view|new)/(?P<set>\w+)/(?P<id>\d+)\.html$")
_VIDEO = re.compile(r"^(?:/v/video|/paike/\w+|/video/[\w/]+)/(?P<vid>V[0-9A-Z]{8,20})\.html$")
MOBILE_HOSTS = frozenset({"www", "m", "3g", "c", "c.m"})
# What a NetEase page says about itself when its URL is unknown (a saved page).
# The page that shows the rolling list; the list is asked for with it as Referer.
ROLLING_REFERER = "https://news.163.com/latest/"
SIGNATURE_TITLES = re.compile(r"_(?:网易[^_]{0,6}|手机网易网|商业频道)\s*$")
ARCHIVE_PATTERNS = (
    tuple(f"www.163.com/{channel}/article/*"
          for channel in ("news", "tech", "money", "dy", "ent", "auto", "digi"))
    + tuple(f"{host}.163.com/{decade}*" for host in ("news", "tech", "money")
            for decade in ("1", "2"))  # the YY/MMDD/HH/<docid>.html pages of 2010-2029
    + tuple(f"{host}.163.com/special/*" for host in ("news", "tech", "money")))


class NetEase(Source):
    name = "netease"
    domains = ("163.com",)
    list_kinds = ("jsonp", "rolling", "html", "hot", "dy")
    enabled_by_default = defaults.ENABLED
    site_defaults = defaults.SETTINGS
    archive_patterns = ARCHIVE_PATTERNS
    archive_list_kinds = ("jsonp", "rolling")

    def default_lists(self) -> tuple[ListSettings, ...]:
        return defaults.LISTS

    # ------------------------------------------------------------------------ identity

    def identify(self, url: str) -> ArticleRef | None:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        if not self.owns_host(host):
            return None
        label = host[: -len(".163.com")] if host.endswith(".163.com") else ""
        path = parts.path
        for pattern in (_WWW, _LEGACY, _LEGACY_2004, _DY_V2, _CM):
            match = pattern.match(path)
            if match:
                docid = match["docid"].upper()
                channel = match.groupdict().get("ch") or _channel(label)
                return ArticleRef(f"163:{docid}",
                                  f"https://www.163.com/{channel}/article/{docid}.html")
        docid = parse_qs(parts.query).get("docid", [""])[0]
        if path.endswith("/touch/article.html") and re.fullmatch(r"[0-9A-Z]{16}", docid):
            return ArticleRef(f"163:{docid}", f"https://www.163.com/news/article/{docid}.html")
        match = _PHOTO.match(path)
        if match:
            return ArticleRef(f"163:photo:{match['set']}/{match['id']}",
                              urlunsplit(("https", host, path, "", "")), "photoview")
        match = _VIDEO.match(path)
        if match:
            return ArticleRef(f"163:video:{match['vid']}",
                              f"https://www.163.com/v/video/{match['vid']}.html", "video")
        return None

    def list_kind_for(self, url: str) -> str | None:
        path = urlsplit(url).path
        if "new_json" in path or "news_json" in path:
            return "rolling"
        if path.endswith("/hot/news/flow"):
            return "hot"
        if path.endswith("/v2/article/list.do") or path.startswith("/dy/media/"):
            return "dy"
        if path.endswith(".js") or "callback=data_callback" in url or "/special/cm_" in path:
            return "jsonp"
        return "html"

    def blocked(self, text: str) -> str | None:
        if risk_page(text, ("post_body", "endText", "data_callback", '"news"')):
            return "NetEase risk-control page (captcha / rate warning)"
        return None

    # --------------------------------------------------------------------------- lists

    def archived_list(self, url: str) -> bool:
        """Only the channel and rolling lists under /special/ are read from the archives."""
        return super().archived_list(url) and "/special/" in urlsplit(url).path

    def first_request(self, lst: ListSettings) -> Request:
        referer = ROLLING_REFERER if lst.kind == "rolling" else referer_of(lst.url)
        return Request(lst.url, purpose="list", headers=(("Referer", referer),),
                       state={"page": 1})

    def complete_list(self, lst: ListSettings) -> bool:
        return lst.kind != "hot"  # hot items come in hot order, a sample of the site

    def cursor(self, request: Request | None) -> dict | None:
        number = page_of(request)
        return {"page": number} if number and number > 1 else None

    def resume(self, lst: ListSettings, cursor: dict, fresh: Request | None) -> Request | None:
        """Page `cursor['page']` again (items published since push the list down, so it
        shows some items read before, never skips one)."""
        number = cursor.get("page")
        if not isinstance(number, int) or number < 2:
            return None
        if lst.kind == "jsonp":
            url = page_url(lst.url, number)
        elif lst.kind == "dy" and not urlsplit(lst.url).path.startswith("/dy/media/"):
            url = with_query(lst.url, pageNo=str(number))
        else:
            return None
        return Request(url, purpose="list", headers=(("Referer", referer_of(lst.url)),),
                       state={"page": number})

    def parse_list(self, got: ListResponse) -> ListPage:
        reason = self.blocked(got.text)
        if reason:
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} answered with a "
                              f"{reason}", reason="blocked")
        if got.lst.kind == "jsonp":
            return jsonp_page(self, got)
        if got.lst.kind == "rolling":
            return rolling_page(self, got)
        if got.lst.kind == "hot":
            return flow_page(self, got, "hot flow", "https://www.163.com/news/article/")
        if got.lst.kind == "dy":
            if urlsplit(got.lst.url).path.startswith("/dy/media/"):
                return media_page(self, got)
            page = flow_page(self, got, "网易号 list", "https://www.163.com/dy/article/")
            if page.links or page.skipped:
                number = (page_of(got.request) or got.page_no) + 1
                page.next = Request(with_query(got.lst.url, pageNo=str(number)),
                                    purpose="list", headers=got.request.headers,
                                    state={"page": number})
            return page
        return html_page(self, got)

    def item_url(self, item: dict, key: str, base: str) -> str | None:
        """A URL field of an item (the target of a non-article `skipType` only through
        its skipURL), else its docid on the article path (dy for 网易号 lists)."""
        skip = str(item.get("skipType") or "")
        if skip and skip not in ("doc", "article"):
            target = item.get("skipURL") or item.get("url")
            return target if isinstance(target, str) else None
        url = super().item_url(item, key, base)
        if url:
            return url
        docid = str(item.get("docid") or item.get("docId") or "")
        if not re.fullmatch(r"[0-9A-Za-z]{16}", docid) or not (
                item.get("title") or item.get("t") or item.get("stitle")):
            return None
        parts = urlsplit(base)
        channel = "dy" if parts.hostname == "dy.163.com" or "/dy/" in parts.path else "news"
        return f"https://www.163.com/{channel}/article/{docid.upper()}.html"

    # ------------------------------------------------------------------------ articles

    def claims(self, page: Page) -> bool:
        """A saved NetEase page: its canonical URL, html#ne_wrap, the <meta> author or
        copyright "网易" every NetEase template carries, or a NetEase <title> suffix."""
        if super().claims(page) or page.css_first("html#ne_wrap") is not None:
            return True
        if page.meta("author") == "网易" or "网易" in (page.meta("copyright") or ""):
            return True
        return SIGNATURE_TITLES.search(page.title_tag or "") is not None

    def extract(self, page: Page) -> Article | None:
        article = extract_article(page)
        own = page.own_url
        ref = self.identify(own) if own else None
        if ref is not None:
            article.canonical_url = ref.canonical_url
            article.article_id = ref.article_id
            article.provenance["canonical_url"] = "link:canonical"
        return article


def _channel(label: str) -> str:
    return "news" if not label or label in MOBILE_HOSTS else label.split(".")[0]
