"""Extraction as the crawl sees it: paid articles stored with their status, the run's
extraction health recorded, and `newsvault status` flagging a site whose template
changed."""

from __future__ import annotations

import json

import pytest

from pipeline.cli.main import main
from tests.fakesites import Fake36Kr, FakeNetEase
from tests.test_crawl import crawl, one, rows


def test_paid_article_is_stored_with_paywall_status_and_no_body(config, kr: Fake36Kr,
                                                                ne: FakeNetEase):
    free, paid = kr.publish(articles=2)
    kr.paid.add(paid.id)
    assert crawl(config, "--site", "36kr") == 0
    assert rows("SELECT status, body, title FROM articles WHERE article_id = ?",
                [f"36kr:{paid.id}"]) == [("paywall", "", paid.title)]
    assert one("SELECT status FROM articles WHERE article_id = ?", [f"36kr:{free.id}"]) == "ok"


def test_crawl_records_extraction_health_per_site(config, kr: Fake36Kr, ne: FakeNetEase):
    kr.publish(articles=2)
    ne.publish("tech", 3)
    assert crawl(config) == 0
    assert rows("SELECT site, pages, empty_share, no_date_share, noise_share, generic_share "
                "FROM extraction_health ORDER BY site") == [
        ("36kr", 2, 0.0, 0.0, 0.0, 0.0), ("netease", 3, 0.0, 0.0, 0.0, 0.0)]


def status_health(capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status", "--json"]) == 0
    return {row["site"]: row for row in json.loads(capsys.readouterr().out)["health"]}


@pytest.mark.slow
def test_status_flags_a_site_whose_template_changed(config, kr, ne: FakeNetEase, capsys):
    ne.publish("tech", 6)
    assert crawl(config, "--site", "netease") == 0
    assert status_health(capsys)["netease"]["flag"] == "ok"
    ne.publish("tech", 6, template="redesign")
    crawl(config, "--site", "netease")
    flag = status_health(capsys)["netease"]["flag"]
    assert "generic 100% of 6 pages" in flag and "no date 100% of 6 pages" in flag


def test_status_prints_the_health_table(config, kr, ne: FakeNetEase, capsys):
    ne.publish("tech", 2)
    crawl(config, "--site", "netease")
    capsys.readouterr()
    assert main(["--warehouse", "news.duckdb", "status"]) == 0
    out = capsys.readouterr().out
    assert "== extraction health" in out and "no_date_share" in out


def test_extract_command_prints_a_paywalled_page_with_its_status(workdir, kr: Fake36Kr,
                                                                 capsys):
    story = kr.publish(articles=1)[0]
    kr.paid.add(story.id)
    (workdir / "paid.html").write_text(kr.article_page(story), "utf-8")
    assert main(["extract", "paid.html", "--url", f"https://36kr.com/p/{story.id}"]) == 0
    out = capsys.readouterr().out
    assert f"title: {story.title}" in out and "status: paywall" in out
