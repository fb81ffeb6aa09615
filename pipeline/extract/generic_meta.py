"""Title and author of a page of unknown layout, cleaned of what sites wrap them in.

    headline(page, candidate)   -> (title, rule)   the <h1> the <title> holds, or the
                                                    <title> without its site parts
    byline(raw)                 -> author | None    labels dropped, junk refused
    outlet(dateline)            -> source | None    the 来源 the dateline credits
    dateline_byline(dateline)   -> author | None    the 作者/记者 it names

trafilatura's metadata is a good start on an unknown site, but its title is often the
<title> tag with the site's name and channel still on ('标题_频道_某某网', '标题 - 某网 -
新闻', '标题 | 栏目 | 报名'), and its author is whatever the page's author-like slots
hold: a label with it ('作者：张三', '责任编辑： 李四'), a forum post, the site's
slogan, a domain, or a toolbar word ('字号').  These rules hold for no site in
particular: separators and labels are the conventions of Chinese news pages in general.
"""

from __future__ import annotations

import itertools
import re

from pipeline.page.parsed import Page
from pipeline.page.text import squash

# Separators between a headline and the site's name or channel.  A bare '-' counts only
# between non-alphanumerics ('净利1900万-2900万' and 'G80Q23-Q4' stay whole).
_SEPARATOR = re.compile(r"\s*(?:[_|｜]|\s[-–—]+\s|(?<![0-9A-Za-z])[-–—](?![0-9A-Za-z]))\s*")
_SITE_WORDS = ("网", "報", "报", "新闻", "新聞", "频道", "頻道", "资讯", "資訊", "首页", "在线",
               "論壇", "论坛", "社区", "電子報", "日报", "晚报")
MIN_HEADLINE = 4       # visible characters of the shortest headline taken from a <title>
SHORT_HEADING = 10     # a heading this short that the <title> lacks may be a list's

# A byline: labels ('作者：', '责任编辑：', '文/'), then the name(s); the text after the
# last label is the name.  '文' and '图' count only at the start or after a space.
_LABEL = re.compile(r"(?:(?:作者|責任編輯|责任编辑|网络编辑|網路編輯|编辑|編輯|记者|記者|撰文|撰稿|"
                    r"\bby)|(?:^|(?<=[\s(（【\[]))[文图圖])\s*[:：/]\s*", re.I)
_LABEL_WORD = re.compile(
    r"^(?:(?:责任编辑|責任編輯|网络编辑|網路編輯|(?:实习|實習|见习|見習)?(?:记者|記者)|实习生|實習生)\s*"
    r"(?=\S)|(?:\w+\s)?by\s+)", re.I)
_NOT_A_NAME = re.compile(
    r"原贴|原帖|https?|www|\.com|\.cn|\b(?:com|cn|net|org)\b|[，。！？!?：:]|"
    r"字号|字體|字体|打印|关闭|關閉|分享|收藏|评论|評論|返回|该作者|本文栏目|网友|網友|佚名|匿名|"
    r"手机版|客户端|[<>=\"]|"
    r"\b(?:published|updated|posted|copyright|designer|powered|team|writer|reporter|"
    r"editor|staff|correspondent)\b", re.I)
_NAME_PARTS = re.compile(r"[\s、,，;；/]+")
_SOURCE = re.compile(r"(?<![图圖片])(?:本文)?[来來]\s*源\s*[:：]\s*(?P<name>[^\s|　]+)")
_SOURCE_END = re.compile(r"作者|編輯|编辑|记者|記者|时间|時間|发布|發布|日期|字号|点击|浏览")
MAX_SOURCE = 20
_WRITER = re.compile(r"(?:作者|记者|記者|撰文|撰稿)\s*[:：]\s*(?P<name>[^|　]{1,30})")
_WRITER_END = re.compile(r"[来來]源|责任|責任|編輯|编辑|通讯员|通訊員|摄影|攝影|时间|時間|"
                         r"发布|發布|日期|字号|点击|浏览|\d|[【\[(（<]")
_NO_OUTLET = frozenset({"资料图", "資料圖", "转载", "轉載", "网络", "網絡", "網路", "互联网",
                        "本站", "本网", "本網", "原创", "原創", "未知", "综合", "綜合"})
_TRAINEE = frozenset({"实习记者", "實習記者", "见习记者", "見習記者", "实习生", "實習生", "实习",
                      "實習", "见习", "見習"})
MAX_NAME_PART = 10     # characters of one name (a person, an agency, a desk)
MAX_NAMES = 4
PERSON_NAME = 4        # characters of a further name in a list of several


def headline(page: Page, candidate: str | None) -> tuple[str | None, str]:
    """The page's headline and the rule that found it: trafilatura's title (from the
    page's og:title, <h1> or <title>) without the site's parts, unless an <h1> shows
    more of it (a column's name before the headline); the <title>'s own headline when
    trafilatura took a short heading the <title> does not name (a '相关新闻' over a
    list), or found none."""
    tag = page.title_tag
    from_tag = strip_site_parts(tag) if tag else None
    if from_tag and len(squash(from_tag)) < MIN_HEADLINE:
        from_tag = None
    if not candidate:
        return (from_tag, "title-tag") if from_tag else (None, "none")
    title = strip_site_parts(candidate)
    size = len(squash(title))
    if from_tag and squash(title) not in squash(tag or "") \
            and size <= SHORT_HEADING and len(squash(from_tag)) >= 2 * size:
        return from_tag, "title-tag"
    whole = squash(candidate)
    for heading in _h1s(page):  # '图说洛阳｜标题' shown whole in the <h1>: keep it whole
        squashed = squash(heading)
        if whole.startswith(squashed) and len(squashed) > size:
            return heading, "h1"
    return title, "trafilatura"


def _h1s(page: Page) -> list[str]:
    return [" ".join((node.text() or "").split()) for node in page.tree.css("h1")]


def strip_site_parts(title: str) -> str:
    """'标题_频道_某某网' -> '标题'; a title whose first part is the site's name keeps
    its longest other part; a first part too short to be a headline keeps the whole."""
    title = " ".join(title.split())
    parts = [p for p in _SEPARATOR.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    first, rest = parts[0], parts[1:]
    longest = max(rest, key=lambda p: len(squash(p)))
    if _is_site_name(first) and len(squash(longest)) > len(squash(first)):
        return longest.strip()
    if len(squash(first)) >= MIN_HEADLINE and not (first.isascii() and len(first.split()) < 2):
        return first.strip()
    return title  # 'Opinion | ...', '金锺国 - 维基百科': no telling which part is the headline


def _is_site_name(text: str) -> bool:
    text = text.strip()
    return len(text) <= 10 and text.endswith(_SITE_WORDS)


def byline(raw: str | None) -> str | None:
    """The author names in an author slot, or None when it holds no name.

    trafilatura joins several values with '; ': the first is read, and those after it
    while they look like further people's names (what follows a name is more often a
    keyword, the publisher or a domain).
    """
    first, *others = (raw or "").split("; ")
    names = [_one_byline(first)]
    if not names[0]:
        return None
    for value in others:
        name = _one_byline(value)
        if not name or not _person_like(name):
            break
        names.append(name)
    return " ".join(names)


def _person_like(name: str) -> bool:
    if name.isascii():
        return len(name.split()) <= 3 and name.istitle()
    return len(name) <= PERSON_NAME


def _one_byline(value: str) -> str | None:
    text = " ".join(value.split())
    labels = list(_LABEL.finditer(text))
    if labels:
        text = text[labels[-1].end():]
    text = _LABEL_WORD.sub("", text).strip(" ()（）[]【】")
    if not text or _NOT_A_NAME.search(text) or not any(ch.isalpha() for ch in text):
        return None
    if text.isascii():  # 'Bruce Y Lee', 'LISA MASCARO'
        return text if len(text.split()) <= MAX_NAMES else None
    names = [n for n in _NAME_PARTS.split(text) if n]
    if len(names) > 1 and all(len(n) == 1 for n in names):  # a name spaced out: '赵 培'
        names = ["".join(names)]
    if not names or len(names) > MAX_NAMES \
            or any(not 2 <= len(n) <= MAX_NAME_PART or _is_site_name(n) for n in names):
        return None  # a sentence, a list, or the outlet (its name is no author's)
    return " ".join(names)


def dateline_byline(line: str | None) -> str | None:
    """The author a dateline names ('作者：张三', '记者：李四'), cleaned like any byline."""
    match = _WRITER.search(line or "")
    if not match:
        return None
    words = _WRITER_END.split(match.group("name"), 1)[0].split()
    if words and words[0] in _TRAINEE:
        words = words[1:]
    names = words[:1] + list(itertools.takewhile(_further_name, words[1:MAX_NAMES]))
    return byline(" ".join(names))


def _further_name(word: str) -> bool:
    """A next word of a dateline that is one more name ('张三 李四'), not what follows."""
    return 2 <= len(word) <= PERSON_NAME and not word.isascii()


def outlet(line: str | None) -> str | None:
    """The outlet a dateline credits ('来源：某某日报', '來源: 某報'), or None."""
    match = _SOURCE.search(line or "")
    if not match:
        return None
    name = _SOURCE_END.split(match.group("name"), 1)[0].strip(" 【】[]()（）《》:：|,，")
    for opening, closing in ("()", "（）", "【】", "[]"):
        if opening in name and closing not in name:  # '某网(综合)' lost its ')' above
            name = name.split(opening, 1)[0]
    if not 2 <= len(name) <= MAX_SOURCE or _NOT_A_NAME.search(name) or name in _NO_OUTLET:
        return None  # (_NOT_A_NAME also refuses markup: 'size="20"')
    return name
