"""NetEase article pages of every era: where the story, the time, the 来源 and the editor
are, and which blocks around or inside the body are boilerplate.

Templates (team notes, sites.md 2.2), most specific first (2016-2020 pages wrap
#endText in a div.post_body, so #endText is tried before div.post_body):

    photo       photoview pages: the set is JSON in <textarea name="gallery-data">
    entext      亦观察 column (2013-2016): div.entext, author and time in div.details
    endText     2011-2020: #endText (2016-2020 .post_text, 2013-2016 .end-text, 2011-2012
                no class), time/来源 in .post_time_source/.ep-time-soure/span.info
    post_body   2021+ www.163.com/<ch>/article: div.post_body, time html@data-publishtime
    dy_v2       old 网易号 dy.163.com/v2: #content in .article_box, time #contain@data-ptime
    mobile      3g/m/c.m pages: .article-body, or article .content (.info .time/.source)
    wap         3g.163.com/x/ (2017): div.content after h1.atitle, div.about
    table       2004 table layout (biz.163.com): span.grayb, time/来源 in td.graysl
    density     none of these: the generic density extractor finds the container

The body never holds: 原标题 lines, image captions and credits, the 本文来源/责任编辑
note and anything after it, 特别声明/Notice, share prompts, comment boxes, related and
recommendation lists, a first line that repeats the headline, a closing 来源 credit.
Story credits (文/…, 编辑/…) stay.  The metadata rules are in netease_meta.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

from selectolax.lexbor import LexborNode

from pipeline.core.records import Article
from pipeline.page.clean import drop_noise_lines, editor_name
from pipeline.page.dates import parse_time
from pipeline.page.density import main_text
from pipeline.page.parsed import Page
from pipeline.page.segments import SKIP_TAGS
from pipeline.page.text import decompose_all, node_text, outermost, remove, tidy_lines
from pipeline.sources.netease.meta import (
    Parts,
    Profile,
    author,
    describe,
    publish_time,
    source,
    title,
)

NOISE = (
    "script", "style", "iframe", ".post_statement", ".creative_statement", ".statement",
    ".post_comment_area", ".post_next", ".post_recommends", ".post_top", ".post_crumb",
    ".post_btns", ".post_end", ".ep-source", ".ep-editor", ".otitle", ".otitle_editor",
    ".gg200x300", ".post_wemedia", ".share_box", ".js-open-app", ".bot_word", ".s-img",
    ".m-linkCard", ".endMore", ".wb-article-sharewraper", ".tie-areas", ".post_comment",
    ".photo span", ".ep-keywords", ".nph_gallery", ".video-info", ".sharecommend-wrap",
)
CAPTION_CHARS = 60
SHORT_BODY = 300  # visible chars; a profile body this short is checked against density
CAPTION_STYLE = re.compile(r"text-align\s*:\s*center", re.I)
# Lines that end the story: the source/editor note and whatever follows it on the page.
STORY_END = re.compile(r"^\s*(?:[（(]?\s*(?:本文来源|责任编辑|文章来源)\s*[:：]"
                       r"|(?:重点推荐|相关推荐|热点推荐|相关新闻|相关阅读|延伸阅读|推荐阅读)\s*$)")
NETEASE_LINES = re.compile(
    r"^\s*(?:Notice\s*:\s*The content above|特别声明\s*[:：]?\s*以上内容"
    r"|网友评论仅供其?表达个人看法|打开网易新闻\s*查看|下载网易新闻|\[\s*摘要\s*[:：]|【\s*摘要\s*[:：]"
    r"|本文为.{1,30}(?:授权|独家).{0,20}网易.{0,30}发布"
    r"|(?:19|20)\d\d-\d\d-\d\d\s+\d\d:\d\d(?::\d\d)?\s*来源\s*[:：])")
TRAILING_SOURCE = re.compile(r"^\s*[（(]?\s*来源\s*[:：]\s*\S{1,24}\s*[)）]?\s*$")


PROFILES = (
    Profile("entext", ("div.entext",), (".details .con1_ltle", ".details h2"),
            (".details .con1_date",), author=(".details .con1_author",)),
    Profile("endText", ("#endText",),
            ("#epContentLeft h1", "h1#h1title", ".post_content_main h1", ".endContent h1"),
            (".post_time_source", ".ep-time-soure", ".ep-time-source", ".ep-info",
             ".endContent .info"),
            ("#ne_article_source", ".post_time_source a", ".ep-time-soure a",
             ".endContent .info a"),
            (".ep-source", ".ep-editor", ".post_author", "#endText .left")),
    Profile("post_body", ("div.post_body",), ("h1.post_title", ".post_main h1"),
            (".post_info",), (".post_info a",), (".post_author", ".creative_statement")),
    Profile("dy_v2", (".article_box #content", "#contain #content"), (".article_title h2",),
            (".share_box .time",), (".share_box .time span:last-child",),
            time_attr=(("#contain", "data-ptime"),)),
    Profile("mobile", (".article-body", "article .content", "main article"),
            ("article .head h1", "h1.title", ".article-header h1", "article h1"),
            ("article .info", ".article-info"), (".info .source", ".js-source"),
            (".otitle_editor .editor", "p.editor")),
    Profile("wap", ("h1.atitle ~ div.content",), ("h1.atitle",), ("div.about",)),
    Profile("table", ("span.grayb",), ("h1",), ("td.graysl",)),
)
DENSITY = Profile("density", (), ("h1",))


def extract_article(page: Page) -> Article:
    """Read a NetEase page with the first profile whose body container is present."""
    gallery = page.css_first('textarea[name="gallery-data"]')
    if gallery is not None:
        photo = _photo(page, gallery)
        if photo is not None:
            return photo
    for profile in PROFILES:
        for selector in profile.body:
            nodes = outermost(page.tree.css(selector))  # a page may split its container
            if nodes:
                return _article(page, profile, selector, nodes)
    return _article(page, DENSITY, "density", [])


def _article(page: Page, profile: Profile, rule: str, body: list[LexborNode]) -> Article:
    parts = Parts(page, profile)
    article = Article(url=page.url, extractor=f"netease:{profile.name}",
                      provenance={"body": rule})
    lines = "\n".join(filter(None, map(_body_lines, body)))
    if not body or (len(_squash(lines)) < SHORT_BODY and _story_follows(body[-1])):
        fuller = _continued(lines, tidy_lines(main_text(page.tree)))
        if fuller is not None:
            lines = fuller
            if body:
                article.extractor += "+density"
                article.provenance["body"] += "+density"
    article.title = title(page, profile, article)
    article.body = clean_body(lines.split("\n"), article.title, parts.original_title)
    publish_time(page, profile, parts, article)
    source(page, profile, parts, article)
    author(page, profile, parts, article)
    describe(page, article)
    return article


def _story_follows(body: LexborNode) -> bool:
    """Broken markup can close the container early: then the next elements after it
    hold paragraphs of prose."""
    node, seen = body.next, 0
    while node is not None and seen < 3:
        if node.tag and node.tag[0] != "-" and node.tag not in SKIP_TAGS | {"link", "meta"}:
            seen += 1
            for para in ([node] if node.tag == "p" else node.css("p")[:5]):
                text = _squash(para.text() or "")
                linked = sum(len(_squash(a.text() or "")) for a in para.css("a"))
                if len(text) >= 40 and linked < 0.3 * len(text):
                    return True
        node = node.next
    return False


def _continued(lines: str, fuller: str) -> str | None:
    """The density text from the container's first line on, when it continues the
    container's text by a story's worth (SHORT_BODY more visible characters)."""
    if len(_squash(fuller)) - len(_squash(lines)) < SHORT_BODY:
        return None
    if not lines:
        return fuller
    head = _squash(lines.split("\n")[0])[:20]
    found = fuller.split("\n")
    start = next((i for i, line in enumerate(found) if head in _squash(line)), None)
    return "\n".join(found[start:]) if start is not None else None


def _body_lines(body: LexborNode) -> str:
    remove(body, NOISE)
    _drop_captions(body)
    _drop_link_blocks(body)
    return node_text(body)


def _drop_link_blocks(body: LexborNode) -> None:
    """Paragraphs that are nothing but links are promotions, not story (keyword links
    inside a sentence leave most of the paragraph unlinked)."""
    doomed = []
    for block in body.css("p, li, td, dd, h3, h4"):
        text = _squash(block.text() or "")
        linked = sum(len(_squash(a.text() or "")) for a in block.css("a"))
        if text and linked >= 0.9 * len(text):
            doomed.append(block)
    decompose_all(doomed)


def _drop_captions(body: LexborNode) -> None:
    """Image blocks carry captions, not story text: a paragraph or cell holding an
    image and at most a caption's length of text goes, and so does a centred paragraph
    right after an image paragraph (the caption set apart)."""
    doomed = []
    for block in body.css("p, td, li, figure, center"):
        if block.css_first("img") is None or len(_squash(block.text() or "")) > CAPTION_CHARS:
            continue
        doomed.append(block)
        following = block.next
        while following is not None and following.tag in ("-text", "-comment"):
            following = following.next
        if following is not None and following.tag == "p" and _centred(following) \
                and len(_squash(following.text() or "")) <= CAPTION_CHARS:
            doomed.append(following)
    decompose_all(doomed)


def _centred(node: LexborNode) -> bool:
    attrs = node.attributes
    return ("f_center" in (attrs.get("class") or "") or attrs.get("align") == "center"
            or bool(CAPTION_STYLE.search(attrs.get("style") or "")))


def clean_body(lines: list[str], title: str | None, original_title: str | None) -> str:
    """Story lines only: cut at the source/editor note, drop NetEase boilerplate lines,
    a first line repeating the headline, a closing 来源 credit."""
    kept: list[str] = []
    for line in lines:
        if STORY_END.match(line):
            break
        if line.strip():
            kept.append(line)
    text, _ = drop_noise_lines("\n".join(kept), NETEASE_LINES)
    kept = text.split("\n") if text else []
    if kept and any(similar(kept[0], t) for t in (title, original_title) if t):
        kept = kept[1:]
    if kept and TRAILING_SOURCE.match(kept[-1]):
        kept = kept[:-1]
    return "\n".join(kept)


def similar(line: str, title: str) -> bool:
    """A line that restates the headline: the two share most of their characters."""
    a, b = _squash(line), _squash(title)
    if not a or not b or len(a) > 2 * len(b):
        return False
    common = sum(min(a.count(c), b.count(c)) for c in set(a))
    return common / max(len(a), len(b)) >= 0.7


def _squash(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text)


# -------------------------------------------------------------------------- photo sets

def _photo(page: Page, textarea: LexborNode) -> Article | None:
    """A photo set: the introduction and each picture's note are the story."""
    try:
        data = json.loads(textarea.text() or "")
    except ValueError:
        return None
    info: dict[str, Any] = data.get("info") or {} if isinstance(data, dict) else {}
    notes = [str(item.get("note") or "").strip() for item in data.get("list") or []
             if isinstance(item, dict)]
    lines = [str(info.get("prevue") or "").strip(), *notes]
    article = Article(url=page.url, kind="photoview", extractor="netease:photo",
                      provenance={"body": "gallery-data"})
    article.title = str(info.get("setname") or "").strip() or title(page, DENSITY, article)
    article.body = clean_body(tidy_lines(dict.fromkeys(lines)).split("\n"), None, None)
    for rule in ("lmodify", "createdate", "datetime"):
        parsed = parse_time(str(info.get(rule) or ""))
        if parsed:
            article.published_at, article.provenance["published_at"] = parsed, f"gallery:{rule}"
            break
    source, editor = str(info.get("source") or "").strip(), info.get("dutyeditor")
    if source and source != "网易":
        article.source, article.provenance["source"] = source, "gallery:source"
    if editor:
        article.author = editor_name(f"责任编辑：{editor}")
        article.provenance["author"] = "gallery:dutyeditor"
    article.provenance["title"] = "gallery:setname"
    describe(page, article)
    return article
