"""The synthetic 36Kr: feeds, SSR list pages with a gateway nonce, the signed gateway,
article pages in two forms, and 36Kr's refusals by name (see Fake36Kr)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from pipeline.demo.server import Reply, Seen, TestServer
from pipeline.demo.stories import START, Story, b64, fill, story_text, unb64

ROBOTS = "User-agent: *\nDisallow: /api/\nDisallow: /search\n"

@dataclass
class Fake36Kr:
    site = "36kr"  # the registry's name of the site it plays
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
