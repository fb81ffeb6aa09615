"""`newsvault serve` over HTTP (uvicorn on loopback, httpx): pages, JSON twins, errors,
the capture frame's policy, access.  The browser's view is in test_web_browser.py."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pipeline.analyze.trend import TrendOptions, trend
from pipeline.config import settings as settings_mod
from pipeline.web import check_bind
from pipeline.web.app import create_app
from pipeline.web.pages import CAPTURE_CSP
from tests.clirun import error_line, nv
from tests.webapp import EDITED_LINE, SCRIPTED_MARK, Live, WebFolder, live, web_folder

__all__ = ["live", "web_folder"]  # fixtures


def get(live: Live, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(live.origin + path, timeout=30, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ pages

def test_home_lists_the_latest_articles_of_each_site(live, web_folder):
    data = get(live, "/?format=json").json()
    assert set(data["latest"]) == {"36kr", "netease"}
    assert web_folder.kr_title in [a["title"] for a in data["latest"]["36kr"]]
    assert {row["site"] for row in data["sites"]} == {"36kr", "netease"}
    assert [r["outcome"] for r in data["runs"]] == ["ok", "ok"]
    assert web_folder.kr_title in get(live, "/").text


def test_the_article_page_shows_each_fields_provenance(live, web_folder):
    data = get(live, f"/a/{web_folder.edited_id}?format=json").json()
    rules = {f["field"]: f["rule"] for f in data["fields"]}
    assert rules["title"] and rules["body"] and rules["published_at"]
    page = get(live, f"/a/{web_folder.edited_id}").text
    assert f'href="/capture/{data["article"]["capture_id"]}"' in page
    assert rules["title"] in page


def test_an_edited_article_shows_its_versions_with_a_diff(live, web_folder):
    data = get(live, f"/a/{web_folder.edited_id}?format=json").json()
    (change,) = data["changes"]
    assert change["reason"] == "refetch"
    assert change["to_capture"] == data["article"]["capture_id"] != change["from_capture"]
    assert ["+", EDITED_LINE] in change["lines"]
    assert any(op == "-" for op, _ in change["lines"])
    assert EDITED_LINE in get(live, f"/a/{web_folder.edited_id}").text


def test_the_capture_page_shows_the_warc_headers_beside_the_frame(live, web_folder):
    capture = get(live, f"/a/{web_folder.scripted_id}?format=json").json()["article"][
        "capture_id"]
    data = get(live, f"/capture/{capture}?format=json").json()
    headers = dict(data["record"]["warc_headers"])
    assert headers["WARC-Target-URI"] == data["capture"]["url"]
    assert headers["WARC-Type"] in ("response", "revisit")
    page = get(live, f"/capture/{capture}").text
    assert f'src="/capture/{capture}/frame" sandbox=""' in page
    assert "WARC-Target-URI" in page


def test_the_frame_serves_the_archived_page_under_a_policy_that_allows_nothing_outside(
        live, web_folder):
    capture = get(live, f"/a/{web_folder.scripted_id}?format=json").json()["article"][
        "capture_id"]
    frame = get(live, f"/capture/{capture}/frame")
    assert frame.headers["content-type"] == "text/html; charset=utf-8"
    policy = frame.headers["content-security-policy"]
    assert policy == CAPTURE_CSP
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy and "http" not in policy
    assert SCRIPTED_MARK in frame.text  # the script is there, as archived


def test_a_gbk_page_is_decoded_by_the_projects_decoder(live, web_folder):
    capture = get(live, f"/a/{web_folder.gbk_id}?format=json").json()["article"]
    record = get(live, f"/capture/{capture['capture_id']}?format=json").json()["record"]
    assert record["encoding"] == "gb18030"
    assert capture["title"] in get(live, f"/capture/{capture['capture_id']}/frame").text


def test_a_revisit_shows_the_payload_of_the_capture_it_repeats(live, web_folder):
    data = get(live, f"/capture/{web_folder.revisit}?format=json").json()
    assert data["capture"]["record_type"] == "revisit"
    assert data["record"]["payload_from"] == data["capture"]["refers_to"]
    assert data["record"]["payload_bytes"] > 0
    assert "<html" in get(live, f"/capture/{web_folder.revisit}/frame").text.lower()


@pytest.mark.parametrize("path", ["/", "/a/{edited}", "/capture/{revisit}",
                                  "/trend?terms=智谱,MiniMax&by=day", "/trend",
                                  "/search?q=智谱", "/search"])
def test_every_page_has_a_json_twin(live, web_folder, path):
    path = path.format(edited=web_folder.edited_id, revisit=web_folder.revisit)
    html = get(live, path)
    twin = get(live, path + ("&" if "?" in path else "?") + "format=json")
    assert html.status_code == twin.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert twin.headers["content-type"] == "application/json"
    assert twin.json()["title"]


def test_the_trend_data_comes_as_csv_and_json(live, web_folder):
    terms = "智谱,MiniMax,DeepSeek"
    expected = trend(web_folder.settings(), TrendOptions(terms.split(","), by="day"))
    rows = list(csv.reader(io.StringIO(get(live, f"/trend?terms={terms}&by=day&format=csv"
                                           ).text)))
    assert rows[0] == expected.columns
    assert rows[1:] == [[str(v) for v in row] for row in expected.rows]
    data = get(live, f"/trend?terms={terms}&by=day&format=json").json()
    assert [s["label"] for s in data["chart"]["series"]] == terms.split(",")
    assert len(data["result"]["rows"]) == len(expected.rows)


def test_pages_load_nothing_from_outside(live):
    response = get(live, "/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "http" not in policy and "*" not in policy
    assert re.findall(r'(?:src|href)="(?!/|\?)', response.text) == []
    uplot = get(live, "/static/uPlot.iife.min.js")
    assert uplot.status_code == 200 and "uPlot" in uplot.text
    assert "MIT" in get(live, "/static/uPlot.LICENSE").text


# ------------------------------------------------------------------------------ errors

@pytest.mark.parametrize(("path", "parameter"), [
    ("/trend?terms=智谱&by=year", "by"),
    ("/trend?terms=智谱&since=2026-13-01", "since"),
    ("/trend?terms=智谱&since=2026-11-02&until=2026-11-01", "until"),
    ("/trend?terms=智谱&share=maybe", "share"),
    ("/trend?terms=智谱&site=nosuch", "site"),
    ("/trend?format=csv", "terms"),
    ("/?per_site=0", "per_site"),
    ("/?format=xml", "format"),
    ("/a/{edited}?format=pdf", "format"),
    ("/search?q=测试稿&page=0", "page"),
    ("/search?q=测试稿&page=5&per_page=5", "page"),
    ("/search?q=测试稿&per_page=500", "per_page"),
    ("/search?q=测试稿&since=yesterday", "since"),
    ("/search?q=测试稿&site=sina", "site"),
])
def test_a_bad_parameter_gets_a_400_naming_it(live, web_folder, path, parameter):
    path = path.format(edited=web_folder.edited_id)
    response = get(live, path)
    assert response.status_code == 400
    assert f"parameter `{parameter}`" in response.text
    if "format=" not in path:
        twin = get(live, path + ("&" if "?" in path else "?") + "format=json")
        assert twin.status_code == 400 and twin.json()["parameter"] == parameter


@pytest.mark.parametrize("path", ["/a/36kr:1", "/a/nothing", "/capture/12345",
                                  "/capture/12345/frame", "/capture/abc", "/nowhere"])
def test_an_unknown_id_or_page_gets_a_404(live, path):
    response = get(live, path)
    assert response.status_code == 404
    assert "not found" in response.text


def test_a_missing_warehouse_gets_a_clear_503(tmp_path):
    settings = settings_mod.load([], {"warehouse.path": str(tmp_path / "none.duckdb")},
                                 environ={})
    with Live(create_app(settings)) as running:
        response = get(running, "/")
    assert response.status_code == 503
    assert "no warehouse at" in response.text


def test_a_warehouse_held_by_a_writer_gets_a_503_and_the_crawl_is_not_held_up(
        web_folder, tmp_path):
    for name in ("news.duckdb", "news.duckdb.wal"):
        if (web_folder.folder / name).exists():
            shutil.copy(web_folder.folder / name, tmp_path / name)
    script = ("import duckdb, time; con = duckdb.connect('news.duckdb'); "
              "print('ready', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        settings = settings_mod.load([], {"warehouse.path": str(tmp_path / "news.duckdb"),
                                          "warehouse.lock_wait": 0.2}, environ={})
        with Live(create_app(settings)) as running:
            response = get(running, "/a/36kr:1")
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "busy" in response.text


@pytest.mark.parametrize("path", ["/", "/a/{edited}", "/capture/{revisit}",
                                  "/trend?terms=智谱&by=day"])
def test_a_page_lets_the_file_go_so_a_crawl_can_write_right_after(live, web_folder, path):
    assert get(live, path.format(edited=web_folder.edited_id, revisit=web_folder.revisit)
               ).status_code == 200
    script = ("import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('wrote')")
    done = subprocess.run([sys.executable, "-c", script,
                           str(web_folder.folder / "news.duckdb")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "wrote", done.stderr


def test_pages_viewed_at_once_each_get_their_answer(live, web_folder):
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/", f"/a/{web_folder.edited_id}", f"/capture/{web_folder.revisit}",
             "/trend?terms=智谱&by=day", "/search?q=测试稿"] * 4
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda path: get(live, path).status_code, paths))
    assert statuses == [200] * len(paths)


# ------------------------------------------------------------------------------ access

@pytest.fixture(scope="module")
def guarded(web_folder: WebFolder):
    with Live(create_app(web_folder.settings(), token="s3cret")) as running:
        yield running


@pytest.mark.parametrize(("how", "status"), [
    ({}, 401),
    ({"params": {"token": "wrong"}}, 401),
    ({"params": {"token": "s3cret"}}, 200),
    ({"headers": {"X-Newsvault-Token": "s3cret"}}, 200),
    ({"headers": {"Authorization": "Bearer s3cret"}}, 200),
    ({"cookies": {"newsvault_token": "s3cret"}}, 200),
])
def test_a_token_is_asked_of_every_request(guarded, how, status):
    assert get(guarded, "/trend", **how).status_code == status


def test_a_token_given_in_the_address_is_remembered_in_a_cookie(guarded):
    response = get(guarded, "/trend", params={"token": "s3cret"})
    assert "newsvault_token=s3cret" in response.headers["set-cookie"]
    assert "httponly" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_no_permission(host):
    assert check_bind(host, allow_remote=False, token=None) == []


def test_another_address_needs_allow_remote(workdir, capsys):
    assert nv("serve", "--host", "0.0.0.0") == 2
    line = error_line(capsys)
    assert "--allow-remote" in line and "0.0.0.0" in line


def test_allow_remote_warns_and_more_without_a_token():
    assert len(check_bind("0.0.0.0", allow_remote=True, token=None)) == 2
    assert len(check_bind("0.0.0.0", allow_remote=True, token="x")) == 1


def test_templates_and_static_files_are_package_data():
    import tomllib

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    data = project["tool"]["setuptools"]["package-data"]["pipeline.web"]
    assert "templates/*.html" in data and "static/*" in data


def test_a_port_in_use_is_a_usage_error(workdir, capsys):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        port = str(taken.getsockname()[1])
        assert nv("serve", "--port", port) == 2
    finally:
        taken.close()
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


# ------------------------------------------------------------------------------ search

def test_a_search_finds_a_known_article_with_its_words_marked(live, web_folder):
    word = web_folder.kr_title[:2]
    data = get(live, f"/search?q={word}&format=json").json()
    hit = next(h for h in data["results"]["hits"] if h["title"] == web_folder.kr_title)
    text, marks = hit["snippet"]["text"], hit["snippet"]["marks"]
    assert marks and all(text[start:end] == word for start, end in marks)
    page = get(live, f"/search?q={word}").text
    assert f"<mark>{word}</mark>" in page and web_folder.kr_title in page


def test_search_results_come_in_pages(live):
    first = get(live, "/search?q=测试稿&per_page=5&format=json").json()
    total = first["results"]["total"]
    assert total == 16 and len(first["results"]["hits"]) == 5
    assert first["pages"]["previous"] is None and "page=2" in first["pages"]["next"]
    last = get(live, "/search?q=测试稿&per_page=5&page=4&format=json").json()
    assert len(last["results"]["hits"]) == 1 and last["pages"]["next"] is None
    seen = {h["article_id"] for n in range(1, 5) for h in get(
        live, f"/search?q=测试稿&per_page=5&page={n}&format=json").json()["results"]["hits"]}
    assert len(seen) == total


def test_search_facets_count_sites_months_and_sources_and_narrow_the_search(live):
    data = get(live, "/search?q=测试稿&format=json").json()
    facets = data["results"]["facets"]
    assert {f["value"]: f["count"] for f in facets["site"]} == {"36kr": 8, "netease": 8}
    assert sum(f["count"] for f in facets["month"]) == 16
    assert facets["source"]
    narrowed = get(live, "/search" + data["facet_links"]["site"]["36kr"]).json()
    assert {h["site"] for h in narrowed["results"]["hits"]} == {"36kr"}
    month = get(live, "/search" + data["facet_links"]["month"]["2026-11"]).json()
    assert month["form"]["since"] == "2026-11-01" and month["form"]["until"] == "2026-11-30"
    assert month["results"]["total"] == 16
