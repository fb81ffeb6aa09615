"""Boilerplate lines of Chinese news pages that must never reach a body.

These are lines around or inside body containers that are not the story: editor and
source notes, platform disclaimers, share and app prompts, comment-box labels, image
credits.  Credit lines that belong to the story ('文/…', '编辑/…', '作者 | …') are
kept: they match none of the patterns below.  Site modules add their own patterns;
these hold for any Chinese news page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NOISE_LINE = re.compile(
    r"^\s*(?:"
    r"[（(【\[]?\s*(?:本文来源|文章来源|稿件来源|责任编辑|责编|特别声明|免责声明|版权声明"
    r"|声明)\s*[:：]"
    r"|[（(【\[]\s*编辑\s*[:：][^)）】\]]*[)）】\]]\s*$"
    r"|用微信扫(?:码|描)二维码|分享至好友和朋友圈|分享到\s*[:：]?"
    r"|(?:相关推荐|热点推荐|往期回顾|热门跟贴|最新跟贴|相关阅读|推荐阅读|相关新闻|相关链接"
    r"|延伸阅读|猜你喜欢|热门推荐)\s*[:：]?\s*$"
    r"|举报\s*$|打印(?:本页|此文)?\s*$|关闭窗口\s*$|返回(?:首页|顶部)\s*$"
    r"|(?:我来说两句|我要评论|发表评论|查看评论|写进博客|发起话题|提问作者|新闻首页)\s*$"
    r"|[（(]?\s*(?:(?:内容|內容|本文)[^。()（）]{0,16}[。，,]?\s*)?(?:未经|未經)(?:授权|授權|许可|許可)"
    r"[，,]?\s*(?:不得|禁止|严禁|嚴禁)(?:转载|轉載|复制|複製)[^。()（）]{0,10}[。]?\s*[)）]?\s*$"
    r"|【?\s*字号\s*[:：]?\s*大\s*中\s*小\s*】?"
    r"|[（(]?\s*原标题\s*[:：]"
    r"|[（(]?\s*(?:图片来源|图片来自|图源|图片由)\S*[:：]?"
    r"|\(?点击(?:查看|看)?(?:清晰)?大图\)?|（点击(?:查看|看)?(?:清晰)?大图）"
    r"|(?:上一篇|下一篇)\s*[:：]"
    r")"
)
_DECOR = r"\s【】\[\]（）()「」『』<>《》—\-=·•▼▲◆■□●○★☆#|｜↓👇"
# A heading over a list of other stories: the heading alone on its line, decorated or not
# ('延伸·推荐', '【相关阅读】', '▼ 推荐阅读 ▼'); a sentence that mentions 推荐 is no heading.
RECOMMEND_HEADING = re.compile(
    rf"^[{_DECOR}]*(?:延伸\s*[·・.]?\s*(?:推荐|阅读)|相关(?:阅读|推荐|文章|新闻|报道|链接|内容)"
    r"|推荐阅读|延伸阅读|扩展阅读|猜你喜欢|往期(?:回顾|推荐|精选|阅读|文章)|热门(?:推荐|文章|阅读)"
    r"|精彩推荐|精选推荐|更多(?:阅读|推荐|精彩|资讯|文章)|为你推荐|编辑推荐|今日推荐|推荐文章"
    r"|你可能(?:还)?(?:喜欢|感兴趣)|(?:more|related)\s+(?:stories|articles|reading))"
    rf"[{_DECOR}:：]*$", re.I)
# Lines of a list of stories under such a heading: short, no sentence inside.
_ITEM_MARK = re.compile(r"^\s*(?:[·•▪►>\-*]|\d{1,2}\s*[.、．)]|[①-⑳])")
_SENTENCE = re.compile(r"[。；;]|[，,].*[，,].*[，,]")
# Publishers' prompts at a story's end: follow us, scan, download the app, buy the report.
PROMO = re.compile(
    r"扫(?:码|描|一扫)|二维码|长按(?:识别|关注|扫)|关注(?:我们|本?公众号|微信公众号|微信号|官方微信|官微)"
    r"|(?:点击|戳)(?:下载|阅读原文|下方|上方|关注|链接|这里|进入)|阅读原文|下载\S{0,8}(?:APP|客户端)"
    r"|(?:获取|领取|下载|购买|订购)\S{0,8}报告|报告\S{0,8}(?:购买|下载|获取|咨询|订购)"
    r"|点(?:个|一下)?\s*[「“\"]?在看|(?:转发|分享)\S{0,3}(?:在看|朋友圈)|商务合作|投稿(?:邮箱|请|通道)"
    r"|欢迎(?:关注|订阅|转发)|添加(?:小助手|客服)?微信|进群|加入\S{0,6}社群", re.I)
PROMO_CHARS = 80   # a longer line (or a long one ending in 。) is a story's sentence
SMALL_CHARS = 30   # a short line without a sentence end may sit among the prompts
EDITOR = re.compile(r"责任编辑\s*[:：]\s*(?P<name>[^\s_\]）)|｜]+)")
SOURCE = re.compile(r"(?:本文)?来源\s*[:：]\s*(?P<name>[^\s|　]+)")
_SPACES = re.compile(r"\s+")


def drop_noise_lines(text: str, extra: re.Pattern[str] | None = None
                     ) -> tuple[str, list[str]]:
    """The text without boilerplate lines (and lines matching `extra`), and the lines
    dropped."""
    kept, dropped = [], []
    for line in text.split("\n"):
        noise = NOISE_LINE.match(line) or (extra is not None and extra.search(line))
        (dropped if noise else kept).append(line)
    return "\n".join(kept), dropped


def drop_related_blocks(text: str) -> tuple[str, list[str]]:
    """The text without recommendation blocks (a heading such as 相关阅读 or 延伸·推荐
    and the list of stories under it) and without the publisher's prompts that end a
    story (follow us, scan the code, download the app, buy the report), and the lines
    dropped.  Story lines stay: a list ends at the first line that is a sentence, and
    a prompt is a short line at the end of the text (or among other prompts there)."""
    lines = text.split("\n")
    kept: list[str] = []
    dropped: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if RECOMMEND_HEADING.match(line) and _size(line):
            dropped.append(line)
            index += 1
            while index < len(lines) and (_is_item(lines[index]) or not _size(lines[index])):
                dropped.append(lines[index])
                index += 1
            continue
        kept.append(line)
        index += 1
    cut = _promo_tail(kept)
    return "\n".join(kept[:cut]), dropped + kept[cut:]


def _size(line: str) -> int:
    return len("".join(line.split()))


def _is_item(line: str) -> bool:
    """A line of a list of other stories: a short title, not a sentence."""
    size = _size(line)
    if size == 0 or RECOMMEND_HEADING.match(line):
        return size > 0
    if _ITEM_MARK.match(line) and size <= 80:
        return _SENTENCE.search(line) is None or size <= 40
    return size <= 48 and _SENTENCE.search(line) is None and not line.rstrip().endswith("。")


def _promo_tail(lines: list[str]) -> int:
    """Where the closing prompts start (len(lines): none).  The tail is the longest run
    of prompt lines and short lines at the end that holds a prompt; it starts at its
    first prompt, or at a short line about the report the prompt sells."""
    start, first_promo = len(lines), None
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        size = _size(line)
        promo = (size <= PROMO_CHARS and PROMO.search(line) is not None
                 and (size <= SMALL_CHARS or not line.rstrip().endswith("。")))
        small = size <= SMALL_CHARS and not re.search(r"[。！？!?]\s*$", line)
        if not (promo or small or size == 0):
            break
        start = index
        if promo:
            first_promo = index
    if first_promo is None:
        return len(lines)
    while first_promo > start and "报告" in lines[first_promo - 1]:
        first_promo -= 1
    return first_promo


def drop_repeated_lines(lines: Iterable[str], min_chars: int = 10) -> list[str]:
    """Lines after their first occurrence are dropped (galleries and captions repeat
    on a page; a story does not repeat a paragraph word for word)."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = _SPACES.sub("", line)
        if len(key) >= min_chars and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return kept


def drop_title_line(text: str, title: str | None) -> str:
    """Drop a first line that is the headline (the body does not repeat it)."""
    if not title or not text:
        return text
    first, _, rest = text.partition("\n")
    return rest if title_line(first, title) else text


def title_line(line: str, title: str | None) -> bool:
    """Whether a line is (part of) the headline, as a body's first line may be."""
    head = _SPACES.sub("", line)
    return bool(title) and len(head) >= 4 and head in _SPACES.sub("", title or "")


def editor_name(text: str | None) -> str | None:
    """'责任编辑：李曦_NN2587' -> '李曦' (the _NN… staff code is dropped)."""
    match = EDITOR.search(text or "")
    return match.group("name").strip() if match else None


def strip_title_suffix(title: str | None, suffixes: tuple[str, ...] = ()) -> str | None:
    """Drop a site suffix ('_某某新闻网') from a <title>; sites pass their suffixes."""
    if not title:
        return None
    title = title.strip()
    for suffix in suffixes:
        if title.endswith(suffix):
            title = title[: -len(suffix)].rstrip()
    return title or None
