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
- article pages of every template are read in pages.py, its defaults are in defaults.py.
"""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from pipeline.core.errors import SourceError
from pipeline.core.records import Article, Request
from pipeline.page.dates import parse_time
from pipeline.page.parsed import Page
from pipeline.sources.base import (
    ArticleRef,
    ListPage,
    ListResponse,
    Source,
    anchor_links,
    risk_page,
)
from pipeline.sources.lists import ListSettings
from pipeline.sources.netease import defaults
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
_PAGED = re.compile(r"(?P<stem>.*?)(?P<ext>\.js|/)?$")
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
        referer = ROLLING_REFERER if lst.kind == "rolling" else _referer(lst.url)
        return Request(lst.url, purpose="list", headers=(("Referer", referer),),
                       state={"page": 1})

    def complete_list(self, lst: ListSettings) -> bool:
        return lst.kind != "hot"  # hot items come in hot order, a sample of the site

    def cursor(self, request: Request | None) -> dict | None:
        number = _page_of(request)
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
            url = _with_query(lst.url, pageNo=str(number))
        else:
            return None
        return Request(url, purpose="list", headers=(("Referer", _referer(lst.url)),),
                       state={"page": number})

    def parse_list(self, got: ListResponse) -> ListPage:
        reason = self.blocked(got.text)
        if reason:
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} answered with a "
                              f"{reason}", reason="blocked")
        if got.lst.kind == "jsonp":
            return self._parse_jsonp(got)
        if got.lst.kind == "rolling":
            return self._parse_rolling(got)
        if got.lst.kind == "hot":
            return self._parse_flow(got, "hot flow", "https://www.163.com/news/article/")
        if got.lst.kind == "dy":
            if urlsplit(got.lst.url).path.startswith("/dy/media/"):
                return self._parse_media(got)
            page = self._parse_flow(got, "网易号 list", "https://www.163.com/dy/article/")
            if page.links or page.skipped:
                number = (_page_of(got.request) or got.page_no) + 1
                page.next = Request(_with_query(got.lst.url, pageNo=str(number)),
                                    purpose="list", headers=got.request.headers,
                                    state={"page": number})
            return page
        return self._parse_html(got)

    def _parse_flow(self, got: ListResponse, what: str, base: str) -> ListPage:
        """`{data: {list: [{docid, title, source, ptime, url?}]}}`: the hot flow and
        网易号 account lists. A docid alone makes the URL under `base`."""
        try:
            data = json.loads(got.text)
        except ValueError:
            data = None
        items = data.get("data") if isinstance(data, dict) else None
        items = items.get("list") if isinstance(items, dict) else None
        if not isinstance(items, list):
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} is not a {what} "
                              "({data: {list: [...]}}); the endpoint may have moved")
        page = ListPage(links=[])
        for item in items:
            link = None
            if isinstance(item, dict):
                candidates = [str(item.get(k) or "") for k in ("url", "skipURL")]
                docid = str(item.get("docid") or "")
                if re.fullmatch(r"[0-9A-Z]{16}", docid):
                    candidates.append(f"{base}{docid}.html")
                for url in candidates:
                    link = self.link(url, got.lst, title=_clean(item.get("title")),
                                     published_at=parse_time(item.get("ptime")))
                    if link is not None and link.kind == "article":
                        break
                    link = None
            if link is None:
                page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
            else:
                page.links.append(link)
        return page

    def _parse_media(self, got: ListResponse) -> ListPage:
        """A 网易号 account page: its article list (`.tab_content`), else every anchor."""
        tree = LexborHTMLParser(got.text)
        block = tree.css_first(".tab_content")
        html_text = (block.html or "") if block is not None else got.text
        base = got.fetched.final_url or got.fetched.url
        return ListPage(links=anchor_links(self, html_text, base, got.lst))

    def _parse_jsonp(self, got: ListResponse) -> ListPage:
        items = jsonp_items(got.text)
        if items is None:
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} is not a "
                              "data_callback([...]) list; the endpoint may have moved")
        page = ListPage(links=[])
        for item in items:
            newstype = str(item.get("newstype") or "article")
            url = str(item.get("docurl") or "")
            link = self.link(url, got.lst, title=_clean(item.get("title")),
                             published_at=parse_time(item.get("time")))
            if newstype != "article" or link is None or link.kind != "article":
                reason = f"newstype-{newstype}" if newstype != "article" else "not-article-url"
                page.skipped[reason] = page.skipped.get(reason, 0) + 1
                continue
            page.links.append(link)
        if items:
            number = (_page_of(got.request) or got.page_no) + 1
            page.next = Request(page_url(got.lst.url, number), purpose="list",
                                headers=(("Referer", _referer(got.lst.url)),),
                                state={"page": number})
        return page

    def _parse_rolling(self, got: ListResponse) -> ListPage:
        start, end = got.text.find("{"), got.text.rfind("}")
        try:
            data = json.loads(got.text[start:end + 1]) if 0 <= start < end else None
        except ValueError:
            data = None
        groups = data.get("news") if isinstance(data, dict) else None
        if not isinstance(groups, list):
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} has no "
                              "`var data={news:[...]}`; the endpoint may have moved")
        page = ListPage(links=[])
        for group in groups:
            for item in group if isinstance(group, list) else []:
                if not isinstance(item, dict):
                    continue
                link = self.link(str(item.get("l") or ""), got.lst, title=_clean(item.get("t")),
                                 published_at=parse_time(item.get("p")))
                if link is None or link.kind != "article":
                    page.skipped["not-article-url"] = page.skipped.get("not-article-url", 0) + 1
                else:
                    page.links.append(link)
        return page

    def _parse_html(self, got: ListResponse) -> ListPage:
        page = ListPage(links=[])
        for link in anchor_links(self, got.text, got.fetched.final_url or got.fetched.url,
                                 got.lst):
            page.links.append(link)
        return page

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


# ------------------------------------------------------------------------------ helpers

def jsonp_items(text: str) -> list[dict] | None:
    """The list inside `data_callback([...])`, tolerating trailing commas; None if absent."""
    start, end = text.find("("), text.rfind(")")
    if not 0 <= start < end:
        return None
    payload = text[start + 1:end].strip()
    for candidate in (payload, re.sub(r",\s*([\]}])", r"\1", payload)):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else None
    return _items_by_pattern(payload)


_ITEM = re.compile(r'"title"\s*:\s*"(?P<title>(?:[^"\\]|\\.)*)"[^{}]*?'
                   r'"docurl"\s*:\s*"(?P<docurl>[^"]+)"(?:[^{}]*?"time"\s*:\s*"(?P<time>[^"]*)")?')


def _items_by_pattern(payload: str) -> list[dict] | None:
    """Last resort for broken JSON (a bad `keywords` field): title/docurl/time by pattern."""
    items = [m.groupdict() for m in _ITEM.finditer(payload)]
    for item in items:
        with contextlib.suppress(ValueError):
            item["title"] = json.loads(f'"{item["title"]}"')
    return items or None


def page_url(url: str, number: int) -> str:
    """URL of page `number` of a NetEase list: `_0N` before `.js` or the trailing slash."""
    if number <= 1:
        return url
    parts = urlsplit(url)
    path = parts.path
    if path.endswith(".js"):
        path = f"{path[:-3]}_{number:02d}.js"
    elif path.endswith("/"):
        path = f"{path[:-1]}_{number:02d}/"
    else:
        path = f"{path}_{number:02d}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _channel(label: str) -> str:
    return "news" if not label or label in MOBILE_HOSTS else label.split(".")[0]


def _page_of(request: Request | None) -> int | None:
    """The page number a list request asks for (its paging state)."""
    state = request.state if request is not None else None
    number = state.get("page") if isinstance(state, dict) else None
    return number if isinstance(number, int) else None


def _with_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query.update({k: [v] for k, v in values.items()})
    return urlunsplit((parts.scheme, parts.netloc, parts.path,
                       urlencode(query, doseq=True), ""))


def _referer(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _clean(value: object) -> str | None:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text or None


