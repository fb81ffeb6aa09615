"""What the synthetic sites publish: generated stories, and the page templates they fill.

The headlines and paragraphs are generated (story_text), never a real page's text; the
templates (pipeline/demo/pages, and the tests' own fixtures after them) reproduce a real
site's structure in our own words.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

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
