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
    r"|【?\s*字号\s*[:：]?\s*大\s*中\s*小\s*】?"
    r"|[（(]?\s*原标题\s*[:：]"
    r"|[（(]?\s*(?:图片来源|图片来自|图源|图片由)\S*[:：]?"
    r"|\(?点击(?:查看|看)?(?:清晰)?大图\)?|（点击(?:查看|看)?(?:清晰)?大图）"
    r"|(?:上一篇|下一篇)\s*[:：]"
    r")"
)
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
    head = _SPACES.sub("", first)
    if len(head) >= 4 and head in _SPACES.sub("", title):
        return rest
    return text


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
