"""36Kr article and newsflash pages: the JSON state in each of its forms, then the DOM.

Where the story is, in order (team notes, sites.md 1.2):

    state       window.initialState = {...}: articleDetail.articleDetailData.data
                (title widgetTitle, body widgetContent HTML, author, publishTime ms)
    encrypted   window.initialState = {"state": "<base64>", "isEncrypt": true}: the same
                JSON, AES-128-ECB with PKCS#7 under a fixed key (aes.py)
    props       2018 pages with no body in the markup: var props = {"detailArticle|post":
                {title, content HTML, published_at, user.name, extraction_tags}}
    dom         div.articleDetailContent, h1.article-title, a.title-icon-item.item-a,
                span.item-time; newsflash pages: .newsflash-detail / .item-desc

A reprint carries a frame: a first paragraph `编者按：本文来自微信公众号“X”（ID：…），作者：
Y，36氪经授权发布。` and tail lines `本文来自…` / `该文观点仅代表作者本人…`.  The frame is
kept out of the body and read into original_source (X) and original_author (Y).
Pages that withhold the story (a teaser behind a purchase prompt; in a paid column,
/goods/p/… or a state marking the article paid, a short text) come back with status
'paywall' and no body, never the teaser as if it were the story.  A free article of a
paid column (its state marks it free, or its page shows the whole text) is an article.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser

from pipeline.core.records import Article, from_epoch_ms
from pipeline.page.clean import drop_noise_lines, drop_related_blocks, strip_title_suffix
from pipeline.page.dates import parse_time
from pipeline.page.parsed import Page
from pipeline.page.text import node_text, remove
from pipeline.sources.base import dig, js_value
from pipeline.sources.kr36.aes import decrypt_ecb

STATE_KEY = b"efabccee-b754-4c"
TITLE_SUFFIXES = ("_36氪", "-36氪", " | 36氪", "|36氪")
BODY_NOISE = (".img-desc", "script", "style", ".article-footer-txt", ".kr-rich-text-ad",
              "figcaption", ".image-desc")
ITEM_PATHS = (("articleDetail", "articleDetailData", "data"),
              ("newsflashDetail", "newsflashDetailData", "data"),
              ("newsflashDetail", "data"))
REPRINT = re.compile(
    r"^\s*(?:编者按\s*[:：]\s*)?(?:本文|文章)(?:来自|来源于|转载自|转自)\s*"
    r"(?:(?:微信)?公众号|合作媒体|微博|网站)?\s*[:：]?\s*[“\"「『]?(?P<outlet>[^”\"」』（(，,：:]{1,40})"
    r"[”\"」』]?\s*(?:[（(][^）)]*[）)])?\s*[，,]?\s*(?:作者\s*[:：]?\s*(?P<author>[^，,。；;]{1,40}))?")
REPRINT_END = re.compile(r"36\s*[氪Kk][Rr]?.{0,12}(?:授权|经授权|发布|转载)|该文观点仅代表作者本人"
                         r"|36氪平台仅提供信息存储空间服务")
PAYWALL_TEXT = re.compile(r"(?:购买|付费|订阅|开通会员|解锁)\S{0,4}(?:阅读|查看)(?:全文|完整内容)")
SITE_TITLE = re.compile(r"^\s*36\s*氪\s*(?:$|[|_｜-])")  # the site's own title, not a story's
FREE_KEYS = ("isFree", "is_free", "free", "freeRead", "free_read")
PAID_KEYS = ("needPay", "need_pay", "isCharge", "is_charge")
WITHHELD_CHARS = 600  # a paid column's page with less text than this shows a teaser
RELATIVE_TIME = re.compile(r"(?:刚刚|\d+\s*(?:秒|分钟|小时|天)前|昨天|前天)")


def extract_article(page: Page) -> Article:
    """Read a 36Kr page; see the module doc for the order of the rules."""
    state = page_state(page)
    item = _item(state) if isinstance(state, dict) else None
    if item is not None and (item.get("widgetContent") or item.get("content")):
        article = _from_item(page, item)
    else:
        article = _from_props(page) or _from_dom(page) or Article(
            url=page.url, extractor="36kr:none")
        if item is not None:  # a state without a body still has the metadata
            _fill(article, _from_item(page, item))
    _finish(page, article, item)
    return article


# --------------------------------------------------------------------------- the state

def page_state(page: Page) -> Any:
    """window.initialState, decrypted when it comes in the encrypted form."""
    state = js_value(page.html, "initialState")
    if isinstance(state, dict) and state.get("isEncrypt") and isinstance(state.get("state"), str):
        return decrypt_state(state["state"])
    return state


def decrypt_state(cipher_b64: str) -> Any:
    """The JSON inside an encrypted initialState; None when it does not decrypt."""
    try:
        raw = base64.b64decode(cipher_b64 + "=" * (-len(cipher_b64) % 4))
        return json.loads(decrypt_ecb(STATE_KEY, raw).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _item(state: dict[str, Any]) -> dict[str, Any] | None:
    for path in ITEM_PATHS:
        found = dig(state, *path)
        if isinstance(found, dict) and (found.get("widgetTitle") or found.get("widgetContent")):
            return found
    return None


def _from_item(page: Page, item: dict[str, Any]) -> Article:
    rule = "36kr:state"
    content = str(item.get("widgetContent") or item.get("content") or "")
    article = Article(url=page.url, extractor=rule, body=fragment_text(content),
                      title=_text(item.get("widgetTitle") or item.get("title")),
                      author=_text(item.get("author") or item.get("authorName")),
                      summary=_text(item.get("summary")),
                      published_at=from_epoch_ms(item.get("publishTime") or 0))
    article.source_url = webview_target(str(item.get("sourceUrlRoute") or ""))
    for name in ("body", "title", "author", "summary", "published_at", "source_url"):
        if getattr(article, name):
            article.provenance[name] = rule
    return article


def _fill(article: Article, other: Article) -> None:
    for name in ("title", "author", "summary", "published_at", "source_url"):
        if not getattr(article, name) and getattr(other, name):
            setattr(article, name, getattr(other, name))
            article.provenance[name] = other.provenance.get(name, other.extractor)


# ------------------------------------------------------------------------------ props

def _from_props(page: Page) -> Article | None:
    props = js_value(page.html, "props")
    post = dig(props, "detailArticle|post")
    if not isinstance(post, dict) or not post.get("content"):
        return None
    rule = "36kr:props"
    user = post.get("user")
    article = Article(url=page.url, extractor=rule, body=fragment_text(str(post["content"])),
                      title=_text(post.get("title")), summary=_text(post.get("summary")),
                      author=_text(user.get("name")) if isinstance(user, dict) else None,
                      published_at=parse_time(str(post.get("published_at") or "")),
                      tags=_props_tags(post.get("extraction_tags")))
    for name in ("body", "title", "author", "summary", "published_at", "tags"):
        if getattr(article, name):
            article.provenance[name] = rule
    return article


def _props_tags(value: Any) -> list[str]:
    """extraction_tags is JSON text of [[tag, weight], ...]."""
    try:
        pairs = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return []
    return [str(p[0]) for p in pairs or [] if isinstance(p, list) and p and p[0]]


# -------------------------------------------------------------------------------- DOM

def _from_dom(page: Page) -> Article | None:
    """The rendered page; without a known body container, the metadata alone (the
    generic extractor then reads the body)."""
    node = (page.css_first("div.articleDetailContent") or page.css_first(".newsflash-detail")
            or page.css_first(".article-content .item-desc"))
    if node is None and page.css_first("h1.article-title") is None:
        return None
    article = Article(url=page.url, extractor="36kr:dom")
    if node is not None:
        remove(node, BODY_NOISE)
        article.body = node_text(node)
        article.provenance["body"] = node.attributes.get("class") or node.tag or ""
    for name, selector in (("title", "h1.article-title"), ("summary", "div.summary"),
                           ("author", "a.title-icon-item.item-a")):
        found = page.css_first(selector)
        text = node_text(found).strip("· ") if found is not None else ""
        if text:
            setattr(article, name, text)
            article.provenance[name] = selector
    stamp = page.css_first("span.item-time") or page.css_first(".time")
    stamp_text = node_text(stamp) if stamp is not None else ""
    if stamp_text and not RELATIVE_TIME.search(stamp_text) and parse_time(stamp_text):
        article.published_at = parse_time(stamp_text)
        article.provenance["published_at"] = "span.item-time"
    return article


def fragment_text(fragment: str) -> str:
    """Paragraphs of a body held as an HTML string (state or props JSON)."""
    if not fragment.strip():
        return ""
    tree = LexborHTMLParser(f"<div id='nv-body'>{fragment}</div>")
    node = tree.css_first("#nv-body")
    if node is None:
        return ""
    remove(node, BODY_NOISE)
    return node_text(node)


# ------------------------------------------------------------------ frame and metadata

def _finish(page: Page, article: Article, item: dict[str, Any] | None) -> None:
    body, _ = drop_related_blocks(article.body)  # prompts after the reprint tail first
    lines = [x for x in body.split("\n") if x.strip()]
    article.body = "\n".join(strip_reprint(lines, article))
    article.body, _ = drop_noise_lines(article.body)
    if not article.title:
        title = strip_title_suffix(page.meta("og:title") or page.title_tag, TITLE_SUFFIXES)
        if title and not SITE_TITLE.match(title):
            article.title, article.provenance["title"] = title, "og:title"
    if not article.published_at:
        article.published_at = parse_time(page.meta("article:published_time"))
        if article.published_at:
            article.provenance["published_at"] = "meta:article:published_time"
    if _paywalled(page, article, item):
        article.status, article.body = "paywall", ""
        article.provenance["status"] = "paid article: only a teaser is public"
    article.lang = "zh"


def strip_reprint(lines: list[str], article: Article) -> list[str]:
    """Drop the reprint header and tail lines, reading the original outlet and author."""
    if lines:
        match = REPRINT.match(lines[0])
        if match and (REPRINT_END.search(lines[0]) or lines[0].lstrip().startswith("编者按")):
            _credit(article, match, "reprint:header")
            lines = lines[1:]
    while lines and REPRINT_END.search(lines[-1]) and len(lines[-1]) <= 160:
        match = REPRINT.match(lines[-1])
        if match and not article.original_source:
            _credit(article, match, "reprint:tail")
        lines = lines[:-1]
    return lines


def _credit(article: Article, match: re.Match[str], rule: str) -> None:
    outlet = (match["outlet"] or "").strip()
    author = (match["author"] or "").strip()
    if outlet:
        article.original_source = outlet
        article.provenance["original_source"] = rule
        if not article.source:
            article.source, article.provenance["source"] = outlet, rule
    if author:
        article.original_author, article.provenance["original_author"] = author, rule


def _paywalled(page: Page, article: Article, item: dict[str, Any] | None) -> bool:
    """Whether the page withholds the story: a short text behind a purchase prompt, or,
    in a paid column (a /goods/ URL, or a state that marks the article paid), a text
    that is short or ends in a prompt.  An article its state marks free is never a
    paywall, in a paid column or not: its body is the story."""
    path = urlsplit(page.url or "").path
    if path.startswith("/newsflashes"):
        return False
    free = free_mark(item) if item is not None else None
    if free is None:
        free = free_mark(dig(js_value(page.html, "props"), "detailArticle|post"))
    if free:
        return False
    visible = len(re.sub(r"\s", "", article.body))
    prompt = PAYWALL_TEXT.search(article.body + " " + _teaser(page)) is not None
    if path.startswith("/goods/") or free is False:
        return visible < WITHHELD_CHARS or prompt
    return visible < WITHHELD_CHARS and prompt


def free_mark(data: Any) -> bool | None:
    """What a state or props item says about payment: True free, False paid, None
    nothing.  Keys seen in paid-column items: isFree / is_free / free (true: free),
    needPay / need_pay / isCharge / is_charge (true: paid)."""
    if not isinstance(data, dict):
        return None
    for key in FREE_KEYS:
        if key in data and data[key] not in (None, ""):
            return _truthy(data[key])
    for key in PAID_KEYS:
        if key in data and data[key] not in (None, ""):
            return not _truthy(data[key])
    return None


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() not in ("0", "false", "no", "none", "null")


def _teaser(page: Page) -> str:
    node = page.css_first(".kr-paywall") or page.css_first(".pay-content") or page.css_first(
        ".article-pay")
    return node_text(node) if node is not None else ""


def webview_target(route: str | None) -> str | None:
    """'webview?url=<encoded>' -> the external 原文 URL."""
    if not route or not route.startswith("webview"):
        return None
    target = parse_qs(urlsplit(route).query).get("url", [""])[0]
    return unquote(target) or None


def _text(value: Any) -> str | None:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    return text or None
