"""Synthetic 36Kr and NetEase sites, served by pipeline.demo.server: `newsvault demo` and the tests.

They reproduce the real structures (feeds with CDATA links and the two-space pubDate,
SSR pages with `window.initialState` and a gateway nonce, pageCallback paging through a
signed POST, JSONP channel lists with `_0N` pages and trailing commas, the rolling
list, article pages of three NetEase eras and two 36Kr forms) filled with generated
text.  No text of a real page is used.  Sites grow with `publish()`, so a test can
publish more than a page between two runs.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.demo.server import Reply, Seen, TestServer

PAGES = Path(__file__).parent / "pages"
# Where page templates are looked up, in order; the tests add their own fixtures folder.
TEMPLATE_DIRS: list[Path] = [PAGES]
BEIJING = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=BEIJING)

SUBJECTS = ["智谱", "MiniMax", "DeepSeek", "月之暗面", "千问", "火山引擎", "摩尔线程", "沐曦",
            "壁仞", "一家新能源车企", "某芯片初创公司", "本地的机器人团队"]
ACTIONS = ["发布了新一代模型", "完成了新一轮融资", "公布了季度经营数据", "开放了测试申请",
           "调整了产品定价", "宣布进入海外市场", "更新了开发者工具", "召开了合作伙伴大会"]
DETAILS = ["参与测试的工程师表示，这一版本在推理速度上有明显提升。",
           "多位分析人士认为，行业竞争将在明年进一步加剧。",
           "公司方面暂未透露具体的商业化时间表。",
           "有投资人指出，算力成本仍是最大的不确定因素。",
           "据介绍，该项目的首批用户主要来自金融和制造业。",
           "业内人士提醒，相关数据仍需等待第三方验证。",
           "这一消息在社交媒体上引发了不少讨论。",
           "记者注意到，同类产品的价格在过去半年持续下探。"]


def story_text(n: int, paragraphs: int = 4) -> tuple[str, list[str]]:
    """A deterministic synthetic headline and paragraphs for story number n."""
    subject = SUBJECTS[n % len(SUBJECTS)]
    action = ACTIONS[(n // len(SUBJECTS)) % len(ACTIONS)]
    title = f"{subject}{action}（测试稿第{n}号）"
    paras = [f"第{n}号测试报道：{subject}{action}，这是合成的导语段落。"]
    for i in range(paragraphs - 1):
        paras.append(DETAILS[(n + i) % len(DETAILS)] + f"（段落{i + 2}）")
    return title, paras


@functools.cache
def _template(name: str) -> str:
    for folder in TEMPLATE_DIRS:
        if (folder / name).is_file():
            return (folder / name).read_text("utf-8")
    raise FileNotFoundError(f"no page template {name!r} in {[str(d) for d in TEMPLATE_DIRS]}")


def fill(template: str, **values: str) -> str:
    text = _template(template)
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    leftover = re.search(r"\{\{\w+\}\}", text)
    if leftover is not None:
        raise ValueError(f"{template}: unfilled {leftover.group(0)}")
    return text


def b64(data: dict) -> str:
    return base64.b64encode(json.dumps(data).encode()).decode().rstrip("=")


def unb64(text: str) -> dict:
    return json.loads(base64.b64decode(text + "=" * (-len(text) % 4)))


@dataclass
class Story:
    id: str
    title: str
    paragraphs: list[str]
    published: dt.datetime
    author: str = "测试作者"
    source: str = "测试来源"
    channel: str = "news"
    template: str = "2021"
    kind: str = "article"

    @property
    def body_html(self) -> str:
        return "".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


ROBOTS = "User-agent: *\nDisallow: /api/\nDisallow: /search\n"


# ------------------------------------------------------------------------------- 36Kr

@dataclass
class Fake36Kr:
    per_page: int = 10
    nonce: str = "c2lnbi10ZXN0LW5vbmNl"
    articles: list[Story] = field(default_factory=list)  # newest first
    flashes: list[Story] = field(default_factory=list)
    counter: int = 0
    clock: dt.datetime = START
    dom_only: set[str] = field(default_factory=set)
    paid: set[str] = field(default_factory=set)  # articles showing a teaser and a paywall
    check_sign: bool = True
    # Named refusals, as 36Kr served them in 2026 (sites-2026.md):
    #   article_refusal  what article pages get instead of the article: '' (the page),
    #                    'challenge' (a _wafchallengeid proof-of-work page), 'spider'
    #                    (initialState {"isSpider":true}), 'captcha' (a rate warning),
    #                    'cloudflare' (a cf-chl- page); refused_ids limits it to some
    #   list_mode        SSR list pages: '' (items and nonce), 'shell' (initialState={}
    #                    and the nonce only), 'spider' ({"isSpider":true}, no nonce),
    #                    'spider-nonce' (the flag, and a nonce), 'no-nonce' (items, no
    #                    nonce: page 2 needs one from another page), 'challenge'
    #   stale_nonces     list pages hand out an old nonce this many times first (the
    #                    gateway answers {code: 401, message: "invalid sign"} to it)
    #   gateway_refuses  the gateway answers 401 to every request, signed or not
    article_refusal: str = ""
    refused_ids: set[str] | None = None
    list_mode: str = ""
    stale_nonces: int = 0
    gateway_refuses: bool = False
    unsigned: int = 0  # gateway requests that came without a sign or a nonce

    def publish(self, articles: int = 0, flashes: int = 0) -> list[Story]:
        made = []
        for kind, count, bucket in (("article", articles, self.articles),
                                    ("newsflash", flashes, self.flashes)):
            for _ in range(count):
                self.counter += 1
                self.clock += dt.timedelta(minutes=7)
                title, paras = story_text(self.counter, 4 if kind == "article" else 1)
                story = Story(str(3700000000000000 + self.counter), title, paras, self.clock,
                              author=f"记者{self.counter % 7}号", kind=kind)
                bucket.insert(0, story)
                made.append(story)
        return made

    def install(self, server: TestServer) -> None:
        for host in ("www.36kr.com", "36kr.com", "m.36kr.com"):
            server.route(host, "/robots.txt", Reply(200, ROBOTS, content_type="text/plain"))
        server.route("gateway.36kr.com", "/robots.txt",
                     Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain"))
        server.fallbacks.append(self.handle)

    def story(self, item_id: str) -> Story | None:
        return next((s for s in self.articles + self.flashes if s.id == item_id), None)

    def handle(self, seen: Seen) -> Reply | None:
        path = urlsplit(seen.path).path
        if seen.host == "gateway.36kr.com" and seen.method == "POST":
            return self._gateway(seen, path)
        if seen.host not in {"www.36kr.com", "36kr.com", "m.36kr.com"}:
            return None
        if path == "/feed-article":
            return self._rss(self.articles[: self.per_page])
        if path == "/feed-newsflash":
            return self._rss(self.flashes[: self.per_page])
        if path == "/newsflashes":
            return self._ssr_flashes()
        if path == "/information/web_news/":
            if seen.host != "36kr.com":  # the list lives on the bare host since 2026
                return Reply(301, "", headers={"Location": "https://36kr.com" + path})
            return self._ssr_information()
        if path == "/rss-center" or re.fullmatch(r"/newsflashes/catalog/\d", path):
            return Reply(200, self._nonce_page())
        match = re.fullmatch(r"/p/(\d+)", path)
        if match and (story := self.story(match[1])):
            if self.article_refusal and (self.refused_ids is None
                                         or story.id in self.refused_ids):
                return Reply(200, refusal_page(self.article_refusal))
            return Reply(200, self.article_page(story))
        return None

    def _list_nonce(self) -> str:
        if self.stale_nonces > 0:
            self.stale_nonces -= 1
            return "c3RhbGUtbm9uY2U"
        return self.nonce

    def _nonce_page(self) -> str:
        return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>测试页_36氪</title>"
                "</head><body><div id='app'></div><script>window.initialState={};"
                f'window.__GATEWAY_SIGN__="{self._list_nonce()}"</script></body></html>')

    def _ssr_refusal(self) -> Reply | None:
        """What a list page is under list_mode, when it is not the list."""
        if self.list_mode == "shell":
            return Reply(200, self._nonce_page())
        if self.list_mode in ("spider", "spider-nonce"):
            sign = (f';window.__GATEWAY_SIGN__="{self._list_nonce()}"'
                    if self.list_mode == "spider-nonce" else "")
            return Reply(200, "<html><head><meta charset='utf-8'></head><body><script>"
                         f'window.initialState={{"isSpider":true}}{sign}</script></body></html>')
        if self.list_mode == "challenge":
            return Reply(200, refusal_page("challenge"))
        return None

    # pages -----------------------------------------------------------------------------
    def article_page(self, story: Story) -> str:
        template = "36kr/article_dom.html" if story.id in self.dom_only else "36kr/article.html"
        summary = story.paragraphs[0][:30]
        content = story.body_html + '<p class="img-desc">图片来源：测试</p>'
        if story.id in self.paid:
            content = f"<p>{html.escape(story.paragraphs[0])}</p><p>购买后即可阅读全文</p>"
        state = {"navigator": {"userAgent": "Mozilla/5.0"}, "isSpider": False,
                 "articleDetail": {"articleDetailData": {"data": {
                     "itemId": int(story.id), "widgetTitle": story.title, "summary": summary,
                     "author": story.author, "authorId": 5551234,
                     "authorRoute": "detail_author?userId=5551234",
                     "publishTime": int(story.published.timestamp() * 1000),
                     "widgetContent": content,
                     "sourceType": "original"}},
                     "articleRecommendData": {"relateArticleList": [
                         {"itemId": 1000000000000001, "title": "推荐：一篇不相关的测试稿件标题"}]}}}
        return fill(template, title=html.escape(story.title), summary=html.escape(summary),
                    author=story.author, published_iso=story.published.isoformat(),
                    published_cn=story.published.strftime("%Y年%m月%d日 %H:%M"),
                    body_html=story.body_html, nonce=self.nonce,
                    state_json=json.dumps(state, ensure_ascii=False))

    def _rss(self, stories: list[Story]) -> Reply:
        items = []
        for s in stories:
            path = "newsflashes" if s.kind == "newsflash" else "p"
            items.append(
                f"<item><title><![CDATA[{s.title}]]></title>"
                f"<link><![CDATA[https://36kr.com/{path}/{s.id}?f=rss]]></link>"
                f"<pubDate>{s.published.strftime('%Y-%m-%d %H:%M:%S')}  +0800</pubDate>"
                f"<description><![CDATA[{s.body_html}]]></description></item>")
        xml = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
               "<title>36氪 测试源</title><link>https://36kr.com</link>"
               + "".join(items) + "</channel></rss>")
        return Reply(200, xml, content_type="application/xml; charset=utf-8")

    def _page(self, stories: list[Story], after: str | None) -> tuple[list[Story], dict]:
        start = 0
        if after is not None:
            start = next((i + 1 for i, s in enumerate(stories) if s.id == after), len(stories))
        chunk = stories[start:start + self.per_page]
        more = start + self.per_page < len(stories)
        callback = b64({"firstId": int(chunk[0].id) if chunk else 0,
                        "lastId": int(chunk[-1].id) if chunk else 0,
                        "firstCreateTime": 0, "lastCreateTime": 0, "lastParam": "1"})
        return chunk, {"pageCallback": callback, "hasNextPage": 1 if more else 0}

    def _flash_item(self, s: Story) -> dict:
        return {"itemId": int(s.id), "itemType": 20, "route": f"detail_newsflash?itemId={s.id}",
                "siteId": 1, "templateMaterial": {
                    "itemId": int(s.id), "templateType": 0, "widgetImage": "",
                    "publishTime": int(s.published.timestamp() * 1000),
                    "widgetTitle": s.title, "widgetContent": s.body,
                    "sourceUrlRoute": "webview?url=https%3A%2F%2Fexample.invalid%2Fnews%2F"
                                      + s.id, "statComment": 0}}

    def _article_item(self, s: Story) -> dict:
        return {"itemId": int(s.id), "itemType": 10, "route": f"detail_article?itemId={s.id}",
                "siteId": 1, "templateMaterial": {
                    "itemId": int(s.id), "widgetTitle": s.title, "summary": s.paragraphs[0],
                    "authorName": s.author, "authorRoute": "detail_author?userId=1",
                    "publishTime": int(s.published.timestamp() * 1000), "widgetImage": ""}}

    def _ssr_flashes(self) -> Reply:
        refusal = self._ssr_refusal()
        if refusal is not None:
            return refusal
        chunk, paging = self._page(self.flashes, None)
        state = {"navigator": {"userAgent": "Mozilla/5.0"}, "theme": "default", "isSpider": False,
                 "newsflashCatalogData": {"data": {"newsflashList": {"data": {
                     "itemList": [self._flash_item(s) for s in chunk], **paging}}}}}
        dom = "".join(f'<div class="newsflash-item"><a class="item-title" href="/newsflashes/'
                      f'{s.id}">{html.escape(s.title)}</a></div>' for s in chunk)
        page = fill("36kr/newsflashes.html", dom_items=dom, nonce=self._list_nonce(),
                    state_json=json.dumps(state, ensure_ascii=False))
        if self.list_mode == "no-nonce":
            page = re.sub(r';window.__GATEWAY_SIGN__="[^"]*"', "", page)
        return Reply(200, page)

    def _ssr_information(self) -> Reply:
        refusal = self._ssr_refusal()
        if refusal is not None:
            return refusal
        chunk, paging = self._page(self.articles, None)
        state = {"isSpider": False, "information": {"informationList": {
            "itemList": [self._article_item(s) for s in chunk], **paging}}}
        dom = "".join(f'<a class="article-item-title" href="/p/{s.id}">{html.escape(s.title)}'
                      "</a>" for s in chunk)
        nonce = "" if self.list_mode == "no-nonce" else self._list_nonce()
        return Reply(200, fill("36kr/information.html", dom_items=dom, nonce=nonce,
                               state_json=json.dumps(state, ensure_ascii=False)))

    def _gateway(self, seen: Seen, path: str) -> Reply:
        """Checks signatures as the real gateway does: sign = md5(body + nonce) in the
        query, the nonce in the body; a stale or missing one is an 'invalid sign'."""
        body = seen.body.decode("utf-8")
        sign = parse_qs(urlsplit(seen.path).query).get("sign", [""])[0]
        try:
            sent = json.loads(body)
        except ValueError:
            sent = {}
        if not sign or not sent.get("nonce"):
            self.unsigned += 1
        valid = hashlib.md5((body + self.nonce).encode()).hexdigest() == sign
        if self.gateway_refuses or (self.check_sign and not valid):
            return Reply(200, json.dumps({"code": 401, "message": "invalid sign"}),
                         content_type="application/json")
        param = sent["param"]
        after = (str(unb64(param["pageCallback"])["lastId"]) if param.get("pageCallback")
                 else None)
        if path == "/api/mis/nav/newsflash/list":
            chunk, paging = self._page(self.flashes, after)
            items = [self._flash_item(s) for s in chunk]
        elif path == "/api/mis/nav/ifm/subNav/flow":
            chunk, paging = self._page(self.articles, after)
            items = [self._article_item(s) for s in chunk]
        else:
            return Reply(404, "{}", content_type="application/json")
        return Reply(200, json.dumps({"code": 0, "data": {"itemList": items, **paging}},
                                     ensure_ascii=False), content_type="application/json")


def refusal_page(kind: str) -> str:
    """A page 36Kr serves instead of content, in our own words: a proof-of-work
    challenge, an isSpider state, a rate warning, a Cloudflare-style check."""
    if kind == "challenge":
        payload = base64.b64encode(json.dumps({"v": {"a": "dGVzdA==", "c": "MDAwMA=="}}
                                              ).encode()).decode()
        return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>请稍候</title></head>"
                "<body><p>正在进行安全检测...</p><script>var cs=\"" + payload + "\";"
                "document.cookie='_wafchallengeid='+cs+'; path=/';location.reload();"
                "</script></body></html>")
    if kind == "spider":
        return ("<html><head><meta charset='utf-8'></head><body><div id='app'></div><script>"
                'window.initialState={"isSpider":true,"articleDetail":{}}</script></body></html>')
    if kind == "captcha":
        return ("<html><head><meta charset='utf-8'></head><body><div class='tip'>访问过于频繁，"
                "请完成人机验证后再试</div><div id='captcha-box'></div></body></html>")
    if kind == "cloudflare":
        return ("<html><head><meta charset='utf-8'><title>Just a moment</title></head><body>"
                "<form id='challenge-form' action='/?__cf_chl_f_tk=abc'></form><script "
                "src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=1'>"
                "</script><div class='cf-chl-widget'></div></body></html>")
    raise ValueError(f"unknown refusal page {kind!r}")


# ---------------------------------------------------------------------------- NetEase

CHANNELS = {  # list name -> (host, page-1 path, query, channel, docid suffix)
    "yaowen": ("news.163.com", "/special/cm_yaowen20200213/", "?callback=data_callback",
               "news", "0001899O"),
    "tech": ("tech.163.com", "/special/00097UHL/tech_datalist.js", "", "tech", "00097U7R"),
    "money": ("money.163.com", "/special/00259BVP/news_flow_index.js", "", "money", "00258105"),
}
ROLLING = ("news.163.com", "/special/0001220O/new_json2021.js")
ROLLING_REFERER = "https://news.163.com/latest/"
HOT = ("m.163.com", "/fe/api/hot/news/flow")
DY_LIST = ("dy.163.com", "/v2/article/list.do")


@dataclass
class Account:
    """A 网易号 account: its W… id (JSON list), its T… id (account page), its stories."""

    wemedia_id: str
    media_id: str
    name: str
    stories: list[Story] = field(default_factory=list)  # newest first


@dataclass
class FakeNetEase:
    per_page: int = 10
    max_pages: int = 10
    stories: dict[str, list[Story]] = field(default_factory=lambda: {n: [] for n in CHANNELS})
    counter: int = 0
    clock: dt.datetime = START
    legacy: dict[str, str] = field(default_factory=dict)  # docid -> "2016" | "2019"
    accounts: dict[str, Account] = field(default_factory=dict)  # wemedia id -> account
    hot: list[str] = field(default_factory=list)  # docids in hot order (any age)
    hot_size: int = 20
    rolling_needs_referer: bool = True  # answer 403 without the latest/ page as Referer

    def publish_dy(self, wemedia_id: str, count: int) -> list[Story]:
        """Add `count` stories to a 网易号 account (made on first use)."""
        account = self.accounts.get(wemedia_id)
        if account is None:
            number = len(self.accounts) + 1
            account = Account(wemedia_id, f"T{1600000000000 + number}", f"测试账号{number}")
            self.accounts[wemedia_id] = account
        made = []
        for _ in range(count):
            self.counter += 1
            self.clock += dt.timedelta(minutes=5)
            title, paras = story_text(1000 + self.counter, 5)
            story = Story(f"K{self.counter:07d}0550DY{len(self.accounts):02d}", title, paras,
                          self.clock, author="", source=account.name, channel="dy")
            account.stories.insert(0, story)
            made.append(story)
        return made

    def publish(self, channel: str, count: int, template: str = "2021",
                path_channel: str | None = None) -> list[Story]:
        """Add `count` stories to a channel list; `path_channel='dy'` makes them 网易号
        articles (www.163.com/dy/article/...) listed on that channel."""
        _host, _, _, ch, suffix = CHANNELS[channel]
        ch = path_channel or ch
        made = []
        for _ in range(count):
            self.counter += 1
            self.clock += dt.timedelta(minutes=5)
            title, paras = story_text(1000 + self.counter, 5)
            docid = f"K{self.counter:07d}{suffix}"
            story = Story(docid, title, paras, self.clock, author="", source=f"测试媒体{ch}",
                          channel=ch, template=template)
            self.stories[channel].insert(0, story)
            made.append(story)
        return made

    def url(self, story: Story) -> str:
        if story.template in ("2021", "redesign"):
            return f"https://www.163.com/{story.channel}/article/{story.id}.html"
        host = {"news": "news.163.com", "tech": "tech.163.com", "money": "money.163.com",
                "dy": "dy.163.com"}
        stamp = story.published.strftime("%y/%m%d/%H")
        return f"https://{host[story.channel]}/{stamp}/{story.id}.html"

    def install(self, server: TestServer) -> None:
        for host in ("www.163.com", "news.163.com", "tech.163.com", "money.163.com",
                     "m.163.com", "dy.163.com"):
            server.route(host, "/robots.txt", Reply(200, "User-agent: *\nDisallow: /private/\n",
                                                    content_type="text/plain"))
        server.fallbacks.append(self.handle)

    def find(self, docid: str) -> Story | None:
        groups = [*self.stories.values(), *(a.stories for a in self.accounts.values())]
        return next((s for group in groups for s in group if s.id == docid), None)

    def handle(self, seen: Seen) -> Reply | None:
        path = urlsplit(seen.path).path
        if (seen.host, seen.path) == ROLLING:
            referer = {k.lower(): v for k, v in seen.headers.items()}.get("referer")
            if self.rolling_needs_referer and referer != ROLLING_REFERER:
                return Reply(403, "<html><body>403 Forbidden</body></html>")
            return self._rolling()
        if (seen.host, path) == HOT:
            return self._hot()
        if (seen.host, path) == DY_LIST:
            return self._dy_list(parse_qs(urlsplit(seen.path).query))
        media = re.fullmatch(r"/dy/media/(T\d+)\.html", path)
        if seen.host == "www.163.com" and media:
            return self._dy_media(media[1])
        for name, (host, path, query, _, _) in CHANNELS.items():
            if seen.host != host:
                continue
            for number in range(1, self.max_pages + 1):
                if seen.path == _paged(path, number) + query:
                    return self._jsonp(name, number)
        match = re.search(r"/([0-9A-Z]{16})\.html$", urlsplit(seen.path).path)
        story = self.find(match[1]) if match else None
        if story is not None and urlsplit(self.url(story)).path == urlsplit(seen.path).path:
            return self.article_reply(story)
        return None

    def article_reply(self, story: Story) -> Reply:
        tags = ["测试", story.channel, "人工智能"]
        common = dict(title=html.escape(story.title), published=story.published.strftime(
            "%Y-%m-%d %H:%M:%S"), source=story.source, body_html=story.body_html,
            tags=",".join(tags), editor="王测试")
        if story.template == "2016":
            text = fill("163/article_2016_gbk.html", summary="测试摘要", **common)
            return Reply(200, text.encode("gbk"), content_type="text/html")
        if story.template == "2019":
            return Reply(200, fill("163/article_2019_utf8.html", **common),
                         content_type="text/html")
        template = "163/article_redesign.html" if story.template == "redesign" else \
            "163/article_2021.html"
        text = fill(template, channel=story.channel, docid=story.id,
                    published_iso=story.published.isoformat(), tags_bar="|".join(tags),
                    **common)
        return Reply(200, text)

    def _jsonp(self, name: str, number: int) -> Reply:
        stories = self.stories[name]
        chunk = stories[(number - 1) * self.per_page: number * self.per_page]
        if not chunk and number > 1:
            return Reply(404, "<html>404</html>")
        rows = []
        for s in chunk:
            rows.append(json.dumps({
                "title": s.title, "digest": "", "docurl": self.url(s),
                "commenturl": f"https://comment.tie.163.com/{s.id}.html", "tienum": 3,
                "time": s.published.strftime("%m/%d/%Y %H:%M:%S"), "newstype": "article",
                "keywords": [{"akey_link": "", "keyname": "测试"}], "channelname": s.channel},
                ensure_ascii=False))
        video = json.dumps({"title": "一条视频（不是文章）", "docurl":
                            "https://www.163.com/v/video/VABCDEFGH.html", "newstype": "video",
                            "time": "11/20/2026 08:00:00"}, ensure_ascii=False)
        body = "data_callback([" + ",\n".join([*rows, video]) + ",\n])"  # trailing comma
        return Reply(200, body, content_type="application/javascript; charset=utf-8")

    def _flow_item(self, s: Story) -> dict:
        return {"docid": s.id, "title": s.title, "source": s.source, "imgsrc": "",
                "ptime": s.published.strftime("%Y-%m-%d %H:%M:%S"), "commentCount": 2}

    def _hot(self) -> Reply:
        stories = [s for s in (self.find(d) for d in self.hot[: self.hot_size]) if s]
        data = {"code": 200, "message": "ok",
                "data": {"list": [{**self._flow_item(s), "url": self.url(s)}
                                  for s in stories]}}
        return Reply(200, json.dumps(data, ensure_ascii=False),
                     content_type="application/json; charset=utf-8")

    def _dy_list(self, query: dict[str, list[str]]) -> Reply:
        account = self.accounts.get(query.get("wemediaId", [""])[0])
        if account is None:
            return Reply(200, json.dumps({"code": 404, "data": None}),
                         content_type="application/json")
        size = int(query.get("size", ["10"])[0])
        number = int(query.get("pageNo", ["1"])[0])
        chunk = account.stories[(number - 1) * size: number * size]
        return Reply(200, json.dumps({"code": 200, "data": {
            "total": len(account.stories), "list": [self._flow_item(s) for s in chunk]}},
            ensure_ascii=False), content_type="application/json; charset=utf-8")

    def _dy_media(self, media_id: str) -> Reply | None:
        account = next((a for a in self.accounts.values() if a.media_id == media_id), None)
        if account is None:
            return None
        rows = "".join(
            f'<li><a class="img" href="{self.url(s)}"><img src="/x.png"></a><h4><a href="'
            f'{self.url(s)}">{html.escape(s.title)}</a></h4><span class="time">'
            f'{s.published:%Y-%m-%d %H:%M}</span></li>' for s in account.stories[:20])
        other = self.find(self.hot[0]) if self.hot else None
        aside = (f'<div class="side"><a href="{self.url(other)}">热门推荐</a></div>'
                 if other is not None else "")
        page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{account.name}"
                f"_网易订阅</title></head><body><h1>{account.name}</h1><div class=\"tab_content"
                f"\"><ul>{rows}</ul></div>{aside}</body></html>")
        return Reply(200, page)

    def _rolling(self) -> Reply:
        everything = sorted((s for group in self.stories.values() for s in group),
                            key=lambda s: s.published, reverse=True)[:40]
        news = [[{"c": 0, "t": s.title, "l": self.url(s),
                  "p": s.published.strftime("%Y-%m-%d %H:%M:%S")} for s in everything]]
        body = "var data=" + json.dumps({"category": [{"n": "国内", "l": ""}], "news": news},
                                        ensure_ascii=False) + ";"
        return Reply(200, body, content_type="application/javascript; charset=utf-8")


def _paged(path: str, number: int) -> str:
    if number == 1:
        return path
    if path.endswith(".js"):
        return f"{path[:-3]}_{number:02d}.js"
    return f"{path[:-1]}_{number:02d}/"
