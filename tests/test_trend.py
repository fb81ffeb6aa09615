"""`newsvault trend`: counts per period that equal a direct count, shares, dedupe, plots."""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

import duckdb
import pytest

from pipeline.analyze.trend import TrendOptions, trend
from pipeline.config import settings as settings_mod
from pipeline.core.errors import ConfigError, UsageError
from tests.clirun import error_line, nv

TERMS = ["智谱", "MiniMax", "DeepSeek", "月之暗面", "千问", "火山引擎", "摩尔线程", "沐曦", "壁仞"]
REPOST = "article_id LIKE '163:K0001%'"  # tests/archive.py: the 网易号 reposts


def settings_for(path: Path) -> settings_mod.Settings:
    return settings_mod.load([], {"warehouse.path": str(path)}, environ={})


def direct(path: Path, words: list[str], by: str, site: str | None,
           where: str = "TRUE") -> dict[tuple, tuple[int, int, int]]:
    """(period, word) -> (articles, mentions, all articles) counted on the article text."""
    text = "lower(title || ' ' || body)"
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = con.execute(f"""
            SELECT CAST(date_trunc('{by}', CAST(timezone('Asia/Shanghai', published_at) AS DATE))
                        AS DATE) AS period, w.word,
                   count(*) FILTER (WHERE strpos({text}, lower(w.word)) > 0 AND {where}),
                   sum((length({text}) - length(replace({text}, lower(w.word), '')))
                       // length(w.word)) FILTER (WHERE {where}),
                   count(*)
            FROM articles CROSS JOIN unnest($words::VARCHAR[]) AS w(word)
            WHERE $site IS NULL OR site = $site
            GROUP BY ALL""", {"words": words, "site": site}).fetchall()
    finally:
        con.close()
    return {(p, w): (a, int(m or 0), n) for p, w, a, m, n in found}


@pytest.mark.parametrize("by", ["day", "week", "month"])
@pytest.mark.parametrize("site", [None, "36kr", "netease"])
def test_counts_equal_a_direct_count_of_the_article_text(archive, by, site):
    result = trend(settings_for(archive), TrendOptions(TERMS, by=by, site=site))
    got = {(row[0], row[1]): row[2:4] for row in result.rows}
    expected = {key: (a, m) for key, (a, m, _) in direct(archive, TERMS, by, site).items()}
    assert got == expected
    assert sum(a for a, _ in got.values()) >= 20  # the archive mentions them often


def test_share_divides_by_all_articles_of_the_period(archive):
    result = trend(settings_for(archive), TrendOptions(TERMS, by="week", share=True))
    assert result.columns == ["period", "term", "articles", "mentions", "all_articles", "share"]
    expected = direct(archive, TERMS, "week", None)
    for period, term, articles, _, total, share in result.rows:
        assert total == expected[(period, term)][2]
        assert share == pytest.approx(articles / total, abs=1e-6)


def test_either_word_counts_an_article_once(archive):
    result = trend(settings_for(archive), TrendOptions(["芯片=摩尔线程|沐曦|壁仞"], by="month"))
    words = ("摩尔线程", "沐曦", "壁仞")
    either = " OR ".join(f"strpos(title || ' ' || body, '{w}') > 0" for w in words)
    con = duckdb.connect(str(archive), read_only=True)
    expected = dict(con.execute(
        "SELECT CAST(date_trunc('month', CAST(timezone('Asia/Shanghai', published_at) AS DATE)) "
        f"AS DATE), count(*) FILTER (WHERE {either}) FROM articles GROUP BY 1").fetchall())
    con.close()
    assert {row[0]: row[2] for row in result.rows} == expected
    assert {row[1] for row in result.rows} == {"芯片"}


def test_dedupe_counts_a_reposted_story_once(archive):
    result = trend(settings_for(archive),
                   TrendOptions(TERMS, by="week", dedupe=True, share=True))
    assert result.columns[:5] == ["period", "term", "stories", "articles", "mentions"]
    reposts = direct(archive, TERMS, "week", None, where=REPOST)
    for period, term, stories, articles, *_ in result.rows:
        assert stories == articles - reposts[(period, term)][0]
    counted_once = sum(r[3] - r[2] for r in result.rows)
    assert counted_once == sum(n for n, _, _ in reposts.values()) and counted_once >= 5


def test_a_word_never_seen_counts_zero_with_a_note(archive):
    result = trend(settings_for(archive), TrendOptions(["寒武纪"], by="month"))
    assert {row[2] for row in result.rows} == {0} and len(result.rows) == 3
    assert result.notes == ["never indexed: 寒武纪 (counted as 0)"]


@pytest.mark.parametrize("args,message", [
    (["智谱*"], "'*' is not allowed in a word"),
    (["(智谱)"], "'(' is not allowed in a word"),
    (["智谱 AND DeepSeek"], "' ' is not allowed in a word"),
    (["=智谱"], "empty label before '='"),
    (["智谱|"], "an empty word"),
    (["阶跃X星辰"], "is not one term to the segmenter"),
    (["我们"], "is a stop-word"),
    (["智谱", "智谱"], "is given twice"),
    (["智谱", "--since", "2026-11-01", "--until", "2026-10-01"], "the range is empty"),
    (["智谱", "--since", "yesterday"], "--since 'yesterday' is not a date"),
    (["智谱", "--until", "2026-10-01T08:00"], "trends count whole days"),
    (["智谱", "--plot", "nofolder/x.png"], "the folder nofolder does not exist"),
    (["智谱", "--plot", "news.duckdb/x.png"], "is a file, not a folder"),
    (["智谱", "--plot", "x.png", "--plot-size", "10x10"], "--plot-size '10x10'"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_input_exits_2_with_one_line(archive, capsys, args, message):
    assert nv("trend", *args) == 2
    assert message in error_line(capsys)


def test_the_table_csv_and_json_outputs(archive, capsys):
    assert nv("trend", "智谱", "--by", "month", "--csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "period,term,articles,mentions" and lines[1].startswith("2026-09-01,智谱,")
    assert nv("trend", "智谱", "--by", "month", "--json") == 0
    assert '"period": "2026-09-01"' in capsys.readouterr().out


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("size", [(1200, 600), (640, 480)])
def test_the_plot_is_a_png_of_the_asked_size_with_chinese_labels(archive, capsys, size):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns: it must not happen
        assert nv("trend", "智谱", "月之暗面", "摩尔线程", "--share", "--plot", "trend.png",
                  "--plot-size", f"{size[0]}x{size[1]}") == 0
    assert png_size(Path("trend.png")) == size
    assert "drawn with" in capsys.readouterr().err
    assert [p.name for p in Path(".").iterdir() if p.name.startswith(".trend.png")] == []


def test_without_a_chinese_font_the_error_says_what_to_install():
    from matplotlib import font_manager

    from pipeline.analyze.plot import find_font

    latin_only = Path(font_manager.findfont("DejaVu Sans"))
    with pytest.raises(UsageError, match="no font with Chinese glyphs found for --plot: pip "
                                         "install 'newsvault\\[plot\\]'"):
        find_font("", "智谱", options=[latin_only])
    with pytest.raises(ConfigError, match="has no glyphs for"):
        find_font(str(latin_only), "智谱")
