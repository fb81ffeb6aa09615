"""The drift guard: extraction health per site and run, and when it counts as a drop."""

from __future__ import annotations

from pipeline.core.records import Article
from pipeline.extract.health import Health, drift, measure

GOOD_BODY = "这是一段正常的正文，长度足够，讲的是一件合成的新闻事件。" * 4


def page(**fields: object) -> Article:
    values = {"title": "标题", "published_at": "2026-05-20T10:30:00+08:00", "body": GOOD_BODY,
              "extractor": "netease:post_body"}
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_healthy_pages_have_zero_shares():
    health = measure("netease", [page() for _ in range(4)])
    assert health == Health("netease", 4)


def test_each_symptom_is_counted_as_a_share():
    pages = [page(), page(body="太短"), page(title=None), page(published_at=None),
             page(body=GOOD_BODY + "\n责任编辑：某某"), page(extractor="generic:density"),
             page(status="blocked", body="")]
    health = measure("netease", pages)
    assert health.pages == 7
    assert (health.empty_share, health.no_title_share, health.no_date_share) == (
        round(1 / 6, 4), round(1 / 6, 4), round(1 / 6, 4))
    assert (health.noise_share, health.generic_share) == (round(1 / 6, 4), round(1 / 6, 4))
    assert health.blocked_share == round(1 / 7, 4)


def test_paywalled_page_is_not_an_empty_body():
    assert measure("36kr", [page(status="paywall", body="")]).empty_share == 0.0


def test_a_share_jumping_above_the_usual_flags_the_site():
    usual = [Health("netease", 30, no_date_share=0.02) for _ in range(5)]
    now = Health("netease", 30, no_date_share=0.4)
    assert drift(now, usual) == ["no date 40% (usually 2%)"]


def test_small_wobble_is_not_a_drop():
    usual = [Health("netease", 30, empty_share=0.05) for _ in range(5)]
    assert drift(Health("netease", 30, empty_share=0.1), usual) == []


def test_a_very_bad_first_run_is_flagged_without_history():
    assert drift(Health("36kr", 10, generic_share=0.8), []) == ["generic 80% of 10 pages"]


def test_runs_with_few_pages_are_not_judged():
    assert drift(Health("36kr", 2, empty_share=1.0), []) == []
