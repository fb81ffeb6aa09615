"""NetEase (163.com): channel JSONP lists, the rolling list, article pages of each era.

Facts from ../shared/notes/sites.md section 2 (N1, N2, N9; 2.2, 2.3):
- channel lists are JavaScript `data_callback([...])`; page N >= 2 inserts `_0N` before
  the `.js` or the trailing slash; items with newstype other than "article" are skipped;
- the rolling list is `var data={"news":[[{c,t,l,p}...]...]}`;
- article ids are the 16-character docid, the same under www, m, 3g and c.m hosts and
  the legacy news.163.com/YY/MMDD/HH/<docid>.html form: key `163:<docid>`;
- article pages of every template are read in netease_pages.py.
"""

from __future__ import annotations

import contextlib
import json
import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

from ..errors import SourceError
from ..extract.dates import parse_time
from ..records import Article
from ..settings import ListSettings
from .base import ArticleRef, ListPage, ListResponse, Page, Source, anchor_links, risk_page
from .netease_pages import extract_article

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
SIGNATURE_TITLES = re.compile(r"_(?:网易[^_]{0,6}|手机网易网|商业频道)\s*$")


class NetEase(Source):
    name = "netease"
    domains = ("163.com",)
    list_kinds = ("jsonp", "rolling", "html")

    def default_lists(self) -> tuple[ListSettings, ...]:
        return (
            ListSettings("yaowen", "jsonp",
                         "https://news.163.com/special/cm_yaowen20200213/?callback=data_callback"),
            ListSettings("tech", "jsonp", "https://tech.163.com/special/00097UHL/tech_datalist.js"),
            ListSettings("money", "jsonp",
                         "https://money.163.com/special/00259BVP/news_flow_index.js"),
            ListSettings("rolling", "rolling",
                         "https://news.163.com/special/0001220O/new_json2021.js", 1),
        )

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
        if path.endswith(".js") or "callback=data_callback" in url or "/special/cm_" in path:
            return "jsonp"
        return "html"

    def blocked(self, text: str) -> str | None:
        if risk_page(text, ("post_body", "endText", "data_callback", '"news"')):
            return "NetEase risk-control page (captcha / rate warning)"
        return None

    # --------------------------------------------------------------------------- lists

    def first_request(self, lst: ListSettings):  # type: ignore[no-untyped-def]
        from ..records import Request

        return Request(lst.url, purpose="list", headers=(("Referer", _referer(lst.url)),),
                       state={"page": 1})

    def parse_list(self, got: ListResponse) -> ListPage:
        reason = self.blocked(got.text)
        if reason:
            raise SourceError(f"netease {got.lst.name}: {got.fetched.url} answered with a "
                              f"{reason}", reason="blocked")
        if got.lst.kind == "jsonp":
            return self._parse_jsonp(got)
        if got.lst.kind == "rolling":
            return self._parse_rolling(got)
        return self._parse_html(got)

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
            from ..records import Request

            number = got.page_no + 1
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


def _referer(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _clean(value: object) -> str | None:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text or None


