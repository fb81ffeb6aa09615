"""NetEase article metadata: title, publish time, 来源, author, tags, summary.

Each field is taken by the first rule that yields a value, and the rule is recorded in
`article.provenance` (e.g. published_at: html@data-publishtime).  The rules, per
field, in order:

    title         the template's headline element; og:title / <title> without the site
                  suffix and the '|tag|tag' tail 网易号 pages append
    published_at  html@data-publishtime, a template attribute (#contain@data-ptime),
                  meta article:published_time / og:release_date, the info line's time
    source        the info line's link (#ne_article_source, .post_info a), '来源：X' in
                  the info line, '本文来源：X' in the editor note, mobile article:author
    author        a template byline (亦观察), a credit line in the body (作者：X), '作者：'
                  in the source note, 责任编辑 without its staff code, the editor icon alt
    tags          meta keywords;  summary: meta description unless it repeats the title

meta[name=author] and article:author on desktop pages are always "网易": never the
author (team notes, sites.md 2.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.core.records import Article
from pipeline.page.clean import SOURCE, editor_name, strip_title_suffix
from pipeline.page.dates import parse_time
from pipeline.page.parsed import Page
from pipeline.page.text import node_text


@dataclass(frozen=True)
class Profile:
    """Where one template keeps each part of an article (CSS selectors, first wins)."""

    name: str
    body: tuple[str, ...]
    title: tuple[str, ...] = ()
    info: tuple[str, ...] = ()       # the line with the time and 来源
    source: tuple[str, ...] = ()     # elements whose text is the 来源 name
    editor: tuple[str, ...] = ()     # elements holding 责任编辑 / 本文来源
    author: tuple[str, ...] = ()
    time_attr: tuple[tuple[str, str], ...] = ()  # (selector, attribute) holding the time


TITLE_SUFFIXES = ("_网易订阅", "_网易新闻中心", "_网易新闻", "_网易科技", "_网易财经", "_网易",
                  "_手机网易网", "_网易体育", "_网易娱乐", "_网易汽车", "_网易商业", "_商业频道",
                  "_网易号", "_网易财经_网易网", "_网易网")
BYLINE = re.compile(r"^\s*(?:作者|文|撰文|记者)\s*[:：/|｜]\s*(?P<name>[\u4e00-\u9fff·]{2,6})\s*$")
AUTHOR_NOTE = re.compile(r"作者\s*[:：]\s*(?P<name>[\u4e00-\u9fff·]{2,6})")
PLACE_SUFFIX = re.compile(r"\s*[(（][^)）]{1,8}[)）]\s*$")
INFO_TIME = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*\d{1,2}:\d{2}(?::\d{2})?")


class Parts:
    """Texts read from the page before the body's noise nodes are removed."""

    def __init__(self, page: Page, profile: Profile) -> None:
        self.info = first_text(page, profile.info)
        self.editor = " ".join(t for t in (node_text(n) for s in profile.editor
                                           for n in page.tree.css(s)) if t) or None
        self.source_name = first_text(page, profile.source, skip=("举报",))
        otitle = first_text(page, (".otitle",))
        self.original_title = re.sub(r"^[（(]?\s*原标题\s*[:：]|[)）]\s*$", "",
                                     otitle or "").strip() or None
        self.editor_alt = _editor_alt(page)



def title(page: Page, profile: Profile, article: Article) -> str | None:
    """The headline element, else og:title or <title> without the site suffix and the
    '|tag|tag' tail 网易号 pages append."""
    heading = first_text(page, profile.title)
    if heading:
        article.provenance["title"] = profile.title[0]
        return heading
    tags = {t.strip() for t in re.split(r"[,，]", page.meta("keywords") or "")}
    for rule, value in (("og:title", page.meta("og:title")), ("title", page.title_tag)):
        text = strip_title_suffix(value, TITLE_SUFFIXES)
        parts = (text or "").split("|")
        while len(parts) > 1 and parts[-1].strip() in tags:
            parts.pop()
        text = "|".join(parts).strip()
        if text:
            article.provenance["title"] = rule
            return text
    return None


def publish_time(page: Page, profile: Profile, parts: Parts, article: Article) -> None:
    root = page.css_first("html")
    candidates = [("html@data-publishtime",
                   root.attributes.get("data-publishtime") if root is not None else None)]
    for selector, attr in profile.time_attr:
        node = page.css_first(selector)
        candidates.append((f"{selector}@{attr}",
                           node.attributes.get(attr) if node is not None else None))
    candidates += [("meta:article:published_time", page.meta("article:published_time")),
                   ("meta:og:release_date", page.meta("og:release_date")),
                   ("info", _info_time(parts.info))]
    for rule, value in candidates:
        parsed = parse_time(value)
        if parsed:
            article.published_at, article.provenance["published_at"] = parsed, rule
            return


def _info_time(info: str | None) -> str | None:
    match = INFO_TIME.search(info or "")
    return match.group(0) if match else (info if info and len(info) <= 40 else None)


def source(page: Page, profile: Profile, parts: Parts, article: Article) -> None:
    candidates = [("info:a", parts.source_name)]
    for rule, text in (("info:来源", parts.info), ("editor:本文来源", parts.editor)):
        match = SOURCE.search(text or "")
        candidates.append((rule, match["name"] if match else None))
    if profile.name == "mobile":
        candidates.append(("meta:article:author", page.meta("article:author")))
    for rule, value in candidates:
        name = PLACE_SUFFIX.sub("", value or "").strip(" ·　《》「」“”\"")
        if name and name != "网易" and "举报" not in name:
            article.source, article.provenance["source"] = name, rule
            return


def author(page: Page, profile: Profile, parts: Parts, article: Article) -> None:
    byline = next((m["name"] for m in map(BYLINE.match, article.body.split("\n")[-2:] +
                                          article.body.split("\n")[:1]) if m), None)
    note = AUTHOR_NOTE.search(parts.editor or "")
    candidates = (("author", first_text(page, profile.author)),
                  ("body:byline", byline),
                  ("editor:作者", note["name"] if note else None),
                  ("责任编辑", editor_name(parts.editor) or editor_name(parts.info)),
                  ("editor:img@alt", parts.editor_alt))
    for rule, value in candidates:
        if value and value != "网易":
            article.author, article.provenance["author"] = value.strip(), rule
            return


def _editor_alt(page: Page) -> str | None:
    """2011-2016 pages name the editor only in the alt of the icon after 本文来源."""
    for selector in (".ep-source img.icon", "#endText .left img.icon", "#endText img.icon"):
        node = page.css_first(selector)
        alt = (node.attributes.get("alt") or "").strip() if node is not None else ""
        if alt and re.fullmatch(r"[\u4e00-\u9fff·]{2,6}", alt):
            return alt
    return None


def describe(page: Page, article: Article) -> None:
    """Tags from meta keywords, summary from the description, canonical URL."""
    keywords = page.meta("keywords")
    if keywords:
        article.tags = [t.strip() for t in re.split(r"[,，]", keywords) if t.strip()]
        article.provenance["tags"] = "meta:keywords"
    description = page.meta("description")
    if description and not (article.title and description.startswith(article.title)):
        article.summary, article.provenance["summary"] = description, "meta:description"
    article.lang = "zh"


def first_text(page: Page, selectors: tuple[str, ...], skip: tuple[str, ...] = ()
               ) -> str | None:
    for selector in selectors:
        for node in page.tree.css(selector):
            text = node_text(node).replace("\n", " ").strip()
            if text and not any(s in text for s in skip):
                return text
    return None
