"""The synthetic NetEase: JSONP channel lists with `_0N` pages, the rolling list, the
hot flow, 网易号 accounts, and article pages of three eras (GBK 2016, 2019, 2021)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from pipeline.demo.server import Reply, Seen, TestServer
from pipeline.demo.stories import START, Story, fill, story_text

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
    site = "netease"  # the registry's name of the site it plays
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
