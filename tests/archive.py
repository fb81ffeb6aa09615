"""A small real archive for the term, trend and export tests.

Sixty articles over nine weeks (two months) on both sites, stored through the
warehouse's own writer with the crawl's term hook, so the term index is built exactly as
a crawl builds it.  The stories come from tests/fakesites.story_text (they mention
智谱, MiniMax, DeepSeek, ...); some bodies carry what CSV must survive (quotes, commas,
newlines, emoji), six 36Kr reprints are credited to WeChat accounts, and six NetEase
articles repost a 36Kr story with a line added on top.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from pipeline.config import settings as settings_mod
from pipeline.core.records import Article
from pipeline.index.terms import crawl_hook
from pipeline.store.warehouse import Batch, Warehouse
from tests.fakesites import story_text

BEIJING = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 9, 28, 9, 30, tzinfo=BEIJING)  # a Monday
TRICKY = 'He said "yes, and no",\n然后说：“好的，谢谢”。😀 100% done'
REPOSTED = (3, 13, 23, 33, 43, 53)  # 36Kr stories a 网易号 account reposts
# Words for a paragraph of its own per story, so that stories differ as much as real ones
# (the fakesites templates alone make them near-duplicates of each other).
WORDS = """市场 用户 产品 技术 数据 平台 服务 行业 经济 投资 增长 政策 芯片 汽车 手机 能源 消费
资本 估值 上市 营收 利润 季度 全球 国际 创新 研发 团队 项目 业务 客户 价格 规模 领域 方向 战略
管理 智能 机器人 电池 新能源 半导体 应用 开发者 生态 开源 训练 推理 计划 同比 环比 美元 创始人
董事长 工程师 分析师 报告 预计 未来 部门 地区 城市 政府 监管 标准 安全 风险 竞争 需求 供应链
订单 交付 销量 出口 制造 工厂 员工 物流 零售 医疗 教育 金融 保险 银行 证券 基金 游戏 视频 音乐
电商 直播 广告 搜索 地图 云计算 存储 网络 通信 卫星 航天 材料 化工 农业 旅游 酒店 餐饮
地产""".split()  # noqa: SIM905 (a list literal of 114 words reads worse)


def stories() -> list[Article]:
    articles = []
    for n in range(60):
        site = "36kr" if n % 2 else "netease"
        title, paragraphs = story_text(n + 1)
        own = random.Random(n).sample(WORDS, 60)
        paragraphs.append("，".join("".join(own[i:i + 3]) for i in range(0, 60, 3)) + "。")
        body = "\n".join(paragraphs)
        if n % 5 == 0:
            body += "\n" + TRICKY
        published = START + dt.timedelta(days=n, hours=n % 7)
        article = _article(n, site, title, body, published)
        if n % 10 == 7:  # a 36Kr reprint credited to a WeChat account (as extracted)
            article.original_source, article.original_author = f"硅谷观察{n % 3}", "李明"
        articles.append(article)
        if n in REPOSTED:
            articles.append(_article(1000 + n, "netease", title + "（转载）",
                                     "转载。\n" + body,
                                     published + dt.timedelta(hours=5), source="网易号科技前线"))
    return articles


def _article(n: int, site: str, title: str, body: str, published: dt.datetime,
             source: str | None = None) -> Article:
    if site == "36kr":
        article_id, url = f"36kr:{3800000000000000 + n}", f"https://www.36kr.com/p/{n}"
    else:
        docid = f"K{n:07d}000199AB"
        article_id, url = f"163:{docid}", f"https://www.163.com/dy/article/{docid}.html"
    default_source = "36氪" if site == "36kr" else "网易科技"
    return Article(url=url, article_id=article_id, site=site, title=title, body=body,
                   author=f"作者{n % 4}", source=source or default_source,
                   published_at=published.isoformat(), tags=["科技", "AI"])


def build(path: Path) -> Path:
    """Write the archive into a new warehouse at `path` (indexed on store)."""
    settings = settings_mod.load([], {"warehouse.path": str(path)}, environ={})
    with Warehouse.open(settings.warehouse) as warehouse:
        warehouse.after_store = crawl_hook(settings)
        articles = stories()
        for first in range(0, len(articles), 20):  # crawl-sized batches
            batch = Batch()
            batch.articles = [(a, None, dt.datetime.now(dt.UTC))
                              for a in articles[first:first + 20]]
            warehouse.write_batch(batch, run_id=1, max_attempts=3)
    return path
