"""Boilerplate lines of Chinese news pages that must never reach a body.

These are lines around or inside body containers that are not the story: editor and
source notes, platform disclaimers, share and app prompts, comment-box labels.
Credit lines that belong to the story ('文/…', '编辑/…', '作者 | …') are kept.
"""

from __future__ import annotations

import re

NOISE_LINE = re.compile(
    r"^\s*(?:"
    r"[（(]?\s*(?:本文来源|文章来源|责任编辑|责编|特别声明|声明)\s*[:：]"
    r"|Notice\s*:\s*The content above"
    r"|特别声明\s*[:：]?\s*以上内容"
    r"|用微信扫码二维码|分享至好友和朋友圈|分享到[:：]?$"
    r"|网友评论仅供其表达个人看法"
    r"|打开网易新闻\s*查看精彩图片|打开网易新闻\s*查看更多"
    r"|(?:相关推荐|热点推荐|往期回顾|热门跟贴|最新跟贴|相关阅读|推荐阅读)\s*$"
    r"|举报\s*$"
    r"|[（(]?\s*原标题\s*[:：]"
    r")"
)
EDITOR = re.compile(r"责任编辑\s*[:：]\s*(?P<name>[^\s_\]）)]+)")
SOURCE = re.compile(r"(?:本文)?来源\s*[:：]\s*(?P<name>[^\s|　]+)")


def drop_noise_lines(text: str) -> tuple[str, list[str]]:
    """The text without boilerplate lines, and the lines dropped."""
    kept, dropped = [], []
    for line in text.split("\n"):
        (dropped if NOISE_LINE.match(line) else kept).append(line)
    return "\n".join(kept), dropped


def editor_name(text: str | None) -> str | None:
    """'责任编辑：李曦_NN2587' -> '李曦' (the _NN… staff code is dropped)."""
    match = EDITOR.search(text or "")
    return match.group("name").strip() if match else None


def strip_title_suffix(title: str | None, suffixes: tuple[str, ...] = ()) -> str | None:
    """Drop a site suffix ('_网易新闻', '_36氪') and NetEase's '|tag|tag' tail."""
    if not title:
        return None
    title = title.strip()
    for suffix in suffixes:
        if title.endswith(suffix):
            title = title[: -len(suffix)].rstrip()
    return title or None
