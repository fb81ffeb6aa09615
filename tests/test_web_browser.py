"""`newsvault serve` in a real browser: Chromium (Debian's chromium and chromium-driver)
driven by selenium against the app served on loopback.  .ci/run installs the browser;
where it is absent these tests are skipped with the reason."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from pipeline.analyze.trend import TrendOptions, trend
from pipeline.config import settings as settings_mod
from pipeline.web.app import create_app
from tests.chromium import chromium, missing
from tests.webapp import EDITED_LINE, SCRIPTED_MARK, Live, live, web_folder

__all__ = ["live", "web_folder"]  # fixtures

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(missing() is not None, reason=str(missing()))]
TERMS = ["智谱", "MiniMax", "DeepSeek"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    with chromium(tmp_path_factory.mktemp("chromium") / "profile") as running:
        yield running


def arrive(browser, path: str) -> None:
    """Wait until a click or a submitted form has loaded the page at `path`."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(
        lambda b: path in b.current_url and b.execute_script(
            "return document.readyState") == "complete")


def by_css(browser, selector: str) -> list:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def test_the_article_page_shows_title_provenance_and_the_diff(browser, live, web_folder):
    article = httpx.get(f"{live.origin}/a/{web_folder.edited_id}?format=json").json()
    browser.get(f"{live.origin}/a/{web_folder.edited_id}")
    assert by_css(browser, "h1.headline")[0].text == article["article"]["title"]
    rules = [cell.text for cell in by_css(browser, "#provenance td.rule") if cell.text]
    assert article["article"]["provenance"]["title"] in rules
    added = [span.text for span in by_css(browser, "pre.diff span.opadd")]
    assert any(EDITED_LINE in line for line in added)
    by_css(browser, "#capture-link")[0].click()
    arrive(browser, f"/capture/{article['article']['capture_id']}")


def test_the_capture_frame_shows_the_page_with_its_scripts_blocked(browser, live, web_folder):
    article = httpx.get(f"{live.origin}/a/{web_folder.scripted_id}?format=json").json()
    browser.get_log("browser")  # start with an empty log
    browser.get(f"{live.origin}/capture/{article['article']['capture_id']}")
    frame = by_css(browser, "iframe#archived")[0]
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    try:
        assert article["article"]["title"] in by_css(browser, "body")[0].text  # drawn
        assert by_css(browser, "#script-ran") == []        # but its script did not run
        assert SCRIPTED_MARK not in by_css(browser, "body")[0].text
    finally:
        browser.switch_to.default_content()
    assert browser.title != SCRIPTED_MARK
    tried = [e["message"] for e in browser.get_log("browser")
             if "Failed to load resource" in e["message"]]
    assert tried == []  # the outside image was refused before any request (the CSP)


def test_the_same_page_outside_the_frame_would_run_its_script(browser, live, web_folder):
    """The control: the marker does appear when the archived page's scripts may run
    (inline scripts only: its images and links still go nowhere)."""
    article = httpx.get(f"{live.origin}/a/{web_folder.scripted_id}?format=json").json()
    html = httpx.get(f"{live.origin}/capture/{article['article']['capture_id']}/frame").text
    inline_only = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                   'script-src \'unsafe-inline\'">')
    html = html.replace("<head>", "<head>" + inline_only, 1)
    assert inline_only in html
    browser.get("data:text/html;charset=utf-8," + quote(html))
    assert by_css(browser, "#script-ran")[0].text == SCRIPTED_MARK


@pytest.fixture(scope="module")
def archive_live(archive_master: Path):
    """The app over the small archive of tests/archive.py: 66 articles over nine weeks."""
    settings = settings_mod.load([], {"warehouse.path": str(archive_master)}, environ={})
    with Live(create_app(settings)) as running:
        yield running, settings


def test_the_trend_chart_draws_one_line_per_term_and_a_point_per_period(browser, archive_live):
    running, settings = archive_live
    expected = trend(settings, TrendOptions(TERMS, by="week"))
    periods = len({row[0] for row in expected.rows})
    browser.get_log("browser")  # start with an empty log
    browser.get(f"{running.origin}/trend?terms={','.join(TERMS)}&by=week")
    drawn = browser.execute_script(
        "const u = window.newsvaultChart; return u && [u.series.slice(1).map(s => s.label),"
        " u.data[0].length, u.data.slice(1).map(s => s.length)];")
    assert drawn == [TERMS, periods, [periods] * len(TERMS)]
    assert periods >= 8
    legend = [e.text for e in by_css(browser, ".u-legend .u-series th")]
    assert [label.rstrip(":") for label in legend[1:]] == TERMS
    assert by_css(browser, ".uplot canvas")[0].size["width"] > 400
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_hovering_over_the_chart_shows_the_values(browser, archive_live):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait

    running, _ = archive_live
    browser.get(f"{running.origin}/trend?terms={','.join(TERMS)}&by=week")
    before = [e.text for e in by_css(browser, ".u-legend .u-series td.u-value")]
    ActionChains(browser).move_to_element(by_css(browser, ".uplot .u-over")[0]).perform()
    WebDriverWait(browser, 10).until(
        lambda b: by_css(b, ".u-legend .u-series td.u-value")[1].text != "–")
    after = [e.text for e in by_css(browser, ".u-legend .u-series td.u-value")]
    assert before[1:] == ["–"] * len(TERMS)
    assert all(v.isdigit() for v in after[1:]), after
    assert after[0][:4] == "2026"  # the period under the cursor


def test_clicking_a_term_in_the_legend_hides_its_line(browser, archive_live):
    running, _ = archive_live
    browser.get(f"{running.origin}/trend?terms={','.join(TERMS)}&by=week")
    by_css(browser, ".u-legend .u-series th")[1].click()  # the first term
    shown = browser.execute_script("return window.newsvaultChart.series.map(s => s.show)")
    assert shown == [True, False, True, True]


def test_a_search_from_the_start_page_finds_a_known_article(browser, live, web_folder):
    from selenium.webdriver.common.keys import Keys

    word = web_folder.kr_title[:2]
    browser.get(live.origin + "/")
    box = by_css(browser, "form.searchbox input[name=q]")[0]
    box.send_keys(word, Keys.ENTER)
    arrive(browser, "/search?q=")
    titles = [a.text for a in by_css(browser, "#results a.title")]
    assert web_folder.kr_title in titles
    assert {m.text for m in by_css(browser, "#results mark")} == {word}
    by_css(browser, f"#results li a[href='/a/{web_folder.kr_id}']")[0].click()
    arrive(browser, f"/a/{web_folder.kr_id}")
    assert by_css(browser, "h1.headline")[0].text == web_folder.kr_title
