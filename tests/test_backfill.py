"""`newsvault backfill`: history from synthetic Wayback and Common Crawl archives.

The archives (tests/fakearchives.py) hold pages of the fake sites (tests/fakesites.py),
some in both archives, some only reachable through archived lists, some refused (a
redirect, a challenge page, another site's page), behind 429s and a truncated range.
Assertions read DuckDB rows and WARC records.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.cli.main import main
from tests.clirun import process_configs
from tests.fakearchives import Capture, FakeCommonCrawl, FakeWayback
from tests.fakesites import Fake36Kr, FakeNetEase, Story
from tests.server import TestServer

# nearly every test backfills a world of fake archive captures: 5 to 7 s each on 2 shared
# cores, so the module runs in the whole suite, not in the fast subset
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
WARCIO = str(Path(sys.executable).parent / "warcio")
UTC = dt.UTC
CRAWL = "CC-MAIN-2026-48"
OLD_CRAWL = "CC-MAIN-2026-40"
CHALLENGE = ("<html><head><title>安全验证</title></head><body><script>var _wafchallengeid="
             "'x1';</script><p>正在进行安全检测</p></body></html>")

SETTINGS = """
[backfill]
wayback_interval = 0.0
commoncrawl_interval = 0.0
commoncrawl_data_interval = 0.0
cdx_limit = 4
concurrency = 2
"""


@dataclass
class World:
    """The archives and what they hold: ids that have a good capture, and their text."""

    kr: Fake36Kr
    ne: FakeNetEase
    wb: FakeWayback
    cc: FakeCommonCrawl
    held: dict[str, Story] = field(default_factory=dict)
    both: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # id -> the reason expected
    via_list: list[str] = field(default_factory=list)       # only an archived list names
    flashes: list[str] = field(default_factory=list)

    def kr_capture(self, story: Story, hours: float, body: str | None = None,
                   url: str | None = None) -> Capture:
        return Capture(url or f"https://36kr.com/p/{story.id}",
                       story.published + dt.timedelta(hours=hours),
                       (body if body is not None else self.kr.article_page(story)).encode())

    def ne_capture(self, story: Story, hours: float) -> Capture:
        reply = self.ne.article_reply(story)
        return Capture(self.ne.url(story), story.published + dt.timedelta(hours=hours),
                       reply.payload(), content_type=reply.content_type or "text/html")


def build(kr: Fake36Kr, ne: FakeNetEase, wb: FakeWayback, cc: FakeCommonCrawl) -> World:
    world = World(kr, ne, wb, cc)
    cc.crawl(CRAWL, dt.datetime(2026, 11, 15, tzinfo=UTC), dt.datetime(2026, 12, 10, tzinfo=UTC))
    cc.crawl(OLD_CRAWL, dt.datetime(2026, 9, 20, tzinfo=UTC), dt.datetime(2026, 10, 5, tzinfo=UTC))
    for i, story in enumerate(kr.publish(articles=15)):
        aid = f"36kr:{story.id}"
        world.held[aid] = story
        if i % 3 == 0:
            wb.add(world.kr_capture(story, 1))
        elif i % 3 == 1:
            cc.add(CRAWL, world.kr_capture(story, 2))
        else:  # in both: Wayback's capture is nearer after publication
            wb.add(world.kr_capture(story, 1))
            cc.add(CRAWL, world.kr_capture(story, 5))
            world.both.append(aid)
    for story in ne.publish("tech", 6):
        world.held[f"163:{story.id}"] = story
        wb.add(world.ne_capture(story, 3))
    for story in ne.publish("money", 3, template="2016"):  # legacy URLs, GBK pages
        world.held[f"163:{story.id}"] = story
        cc.add(CRAWL, world.ne_capture(story, 4))
    # refused captures, each with a good one after it
    redirect, challenge, truncated, foreign = kr.publish(articles=4)
    wb.add(world.kr_capture(redirect, 1))
    wb.replay_redirect.add((world.kr_capture(redirect, 1).stamp,
                            f"36kr.com/p/{redirect.id}"))
    cc.add(CRAWL, world.kr_capture(redirect, 6))
    wb.add(world.kr_capture(challenge, 1, body=CHALLENGE))
    wb.add(world.kr_capture(challenge, 30))
    cc.add(CRAWL, world.kr_capture(truncated, 1))  # read first, cut short: Wayback's next
    cc.truncate_once.add(f"https://36kr.com/p/{truncated.id}")
    wb.add(world.kr_capture(truncated, 8))
    for story in (redirect, challenge, truncated):
        world.held[f"36kr:{story.id}"] = story
    netease_page = ne.article_reply(ne.stories["tech"][0]).payload().decode()
    cc.add(CRAWL, world.kr_capture(foreign, 2, body=netease_page))  # another site's page
    world.refused[f"36kr:{foreign.id}"] = "refused-other-site"
    cc.add(CRAWL, Capture(f"https://36kr.com/p/{foreign.id}9", foreign.published,  # a 301 row
                          b"", status=301, location="https://36kr.com/"))
    # an article captured only after the window, named by an archived feed in it
    late = kr.publish(articles=1)[0]
    late.published = dt.datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
    wb.add(world.kr_capture(late, 60))
    world.held[f"36kr:{late.id}"] = story_held = late
    world.via_list.append(f"36kr:{story_held.id}")
    flashes = kr.publish(flashes=3)
    feed = kr._rss([late, *kr.articles[1:3]]).payload()
    wb.add(Capture("https://www.36kr.com/feed-article", dt.datetime(2026, 11, 29, 23, 30,
                                                                     tzinfo=UTC), feed,
                   content_type="application/xml; charset=utf-8"))
    wb.add(Capture("https://www.36kr.com/feed-newsflash", dt.datetime(2026, 11, 25, tzinfo=UTC),
                   kr._rss(flashes).payload(), content_type="application/xml; charset=utf-8"))
    world.flashes = [f"36kr:{s.id}" for s in flashes]
    return world


@pytest.fixture
def archives(server: TestServer) -> tuple[FakeWayback, FakeCommonCrawl]:
    wb, cc = FakeWayback(), FakeCommonCrawl()
    wb.install(server)
    cc.install(server)
    return wb, cc


@pytest.fixture
def world(archives, server: TestServer) -> World:
    kr, ne = Fake36Kr(), FakeNetEase()  # their pages, not their live site: never installed
    return build(kr, ne, *archives)


@pytest.fixture
def bconfig(config: Path) -> Path:
    config.write_text(config.read_text() + SETTINGS, encoding="utf-8")
    return config


def nv(config: Path, *args: str) -> int:
    return main(["--config", str(config), "--warehouse", "news.duckdb", "backfill", "-q",
                 *args])


def window() -> tuple[str, ...]:
    return ("--since", "2026-11-01", "--until", "2026-11-30")


def rows(sql: str, *params: object) -> list[tuple]:
    con = duckdb.connect("news.duckdb", read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def f1(got: str, want: str) -> float:
    a = Counter(ch for ch in got if not ch.isspace())
    b = Counter(ch for ch in want if not ch.isspace())
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def record_reads(server: TestServer) -> list[str]:
    return [s.path for s in server.seen if (s.host == "web.archive.org" and "id_/" in s.path)
            or (s.host == "data.commoncrawl.org" and s.path != "/robots.txt")]


# ------------------------------------------------------------------------------ tests

def test_a_backfill_stores_the_articles_the_archives_hold(bconfig, world):
    assert nv(bconfig, *window()) == 0
    stored = dict(rows("SELECT article_id, body FROM articles WHERE kind = 'article'"))
    held = world.held
    assert len(set(held) & set(stored)) >= 0.99 * len(held)
    scores = {aid: f1(stored[aid], held[aid].body) for aid in held if aid in stored}
    assert min(scores.values()) >= 0.95, sorted(scores.items(), key=lambda x: x[1])[:3]
    assert rows("SELECT article_id FROM articles GROUP BY 1 HAVING count(*) > 1") == []
    assert set(stored) <= set(held)  # nothing refused was stored


def test_each_article_is_stored_from_one_backfill_capture_with_its_origin(bconfig, world):
    assert nv(bconfig, *window()) == 0
    found = rows("SELECT a.article_id, c.purpose, c.url, c.via, c.fetched_at, c.site "
                 "FROM articles a JOIN captures c USING (capture_id) WHERE a.kind = 'article'")
    assert found
    for article_id, purpose, url, via, fetched_at, site in found:
        assert purpose == "backfill" and via.startswith(("https://web.archive.org/web/",
                                                         "https://data.commoncrawl.org/"))
        assert "archive.org" not in url and "commoncrawl" not in url  # the site's own URL
        assert site == ("36kr" if article_id.startswith("36kr:") else "netease")
        story = world.held[article_id]
        assert fetched_at >= story.published  # the archive's capture time, after publication


def test_an_article_in_both_archives_is_read_once_from_the_capture_nearest_after_publication(
        bconfig, world, server):
    assert nv(bconfig, *window()) == 0
    for article_id in world.both:
        item = article_id.split(":")[1]
        reads = [p for p in record_reads(server) if f"/p/{item}" in p]
        assert len(reads) == 1 and "id_/" in reads[0]  # Wayback's, 1 h after; not CC's, 5 h
        (via,) = rows("SELECT c.via FROM articles a JOIN captures c USING (capture_id) "
                      "WHERE a.article_id = ?", article_id)[0]
        assert via.startswith("https://web.archive.org/web/")


@pytest.mark.parametrize("case,reason", [("redirect", "refused-redirect"),
                                         ("challenge", "refused-challenge"),
                                         ("foreign", "refused-other-site")])
def test_a_refused_capture_is_recorded_with_its_reason_and_never_stored(bconfig, world,
                                                                       case, reason):
    assert nv(bconfig, *window()) == 0
    refusals = rows("SELECT url, detail, warc_file FROM captures WHERE error = ?", reason)
    assert len(refusals) == 1, refusals
    url, detail, warc_file = refusals[0]
    assert detail and warc_file  # archived as it came, with a sentence saying why
    article_id = "36kr:" + url.rsplit("/", 1)[1]
    stored = rows("SELECT a.capture_id, c.error FROM articles a JOIN captures c "
                  "USING (capture_id) WHERE a.article_id = ?", article_id)
    if case == "foreign":  # its only capture is refused: not stored at all
        assert stored == []
    else:  # the next capture was read instead
        assert len(stored) == 1 and stored[0][1] is None


def test_a_truncated_range_is_a_failure_and_the_next_capture_is_read(bconfig, world):
    assert nv(bconfig, *window()) == 0
    failed = rows("SELECT url, detail FROM captures WHERE error = 'truncated'")
    assert len(failed) == 1 and "bytes" in failed[0][1]
    article_id = "36kr:" + failed[0][0].rsplit("/", 1)[1]
    (via,) = rows("SELECT c.via FROM articles a JOIN captures c USING (capture_id) "
                  "WHERE a.article_id = ?", article_id)[0]
    assert via.startswith("https://web.archive.org/web/")


def test_a_truncated_only_capture_fails_the_run_and_is_read_by_the_next(bconfig, archives,
                                                                        server):
    wb, cc = archives
    kr = Fake36Kr()
    world = World(kr, FakeNetEase(), wb, cc)
    cc.crawl(CRAWL, dt.datetime(2026, 11, 15, tzinfo=UTC), dt.datetime(2026, 12, 10, tzinfo=UTC))
    story = kr.publish(articles=1)[0]
    cc.add(CRAWL, world.kr_capture(story, 1))
    cc.truncate_once.add(f"https://36kr.com/p/{story.id}")
    assert nv(bconfig, *window()) == 1
    assert rows("SELECT count(*) FROM articles") == [(0,)]
    assert nv(bconfig, *window()) == 0
    assert rows("SELECT article_id FROM articles") == [(f"36kr:{story.id}",)]


def test_a_second_run_adds_nothing_and_reads_no_record_again(bconfig, world, server):
    assert nv(bconfig, *window()) == 0
    before = rows("SELECT count(*), max(updated_at) FROM articles")
    server.clear()
    assert nv(bconfig, *window()) == 0
    assert record_reads(server) == []
    assert rows("SELECT count(*), max(updated_at) FROM articles") == before
    assert rows("SELECT count(*) FROM article_versions") == [(0,)]
    # the index queries are not asked again either: their paging finished
    assert [s.path for s in server.seen if "/cdx/" in s.path or "-index?" in s.path] == []


def test_ids_only_an_archived_list_names_are_looked_up_and_stored(bconfig, world):
    assert nv(bconfig, *window()) == 0
    stored = {r[0] for r in rows("SELECT article_id FROM articles")}
    assert set(world.via_list) <= stored
    flashes = rows("SELECT article_id, kind, c.purpose FROM articles JOIN captures c "
                   "USING (capture_id) WHERE kind = 'newsflash'")
    assert {r[0] for r in flashes} == set(world.flashes)  # stored from the archived feed
    assert {r[2] for r in flashes} == {"backfill-list"}


def test_paging_goes_on_from_the_saved_position_after_a_failure(bconfig, archives, server):
    wb, cc = archives
    kr = Fake36Kr()
    world = World(kr, FakeNetEase(), wb, cc)
    for story in kr.publish(articles=10):
        wb.add(world.kr_capture(story, 1))
    calls = {"n": 0}
    original = wb.handle

    def failing_second_page(seen):
        if "resumeKey" in seen.path and "url=36kr.com%2Fp%2F%2A" in seen.path:
            calls["n"] += 1
            if calls["n"] <= 3:  # the first try and both retries
                from tests.server import Reply
                return Reply(503, "busy", content_type="text/plain")
        return original(seen)

    server.fallbacks.insert(0, failing_second_page)
    assert nv(bconfig, *window(), "--from", "wayback") == 1
    assert rows("SELECT count(*) FROM articles")[0][0] == 4  # the first page's
    server.clear()
    assert nv(bconfig, *window(), "--from", "wayback") == 0
    first = next(s.path for s in server.seen if "url=36kr.com%2Fp%2F%2A" in s.path)
    assert "resumeKey=" in first  # went on from the saved position
    assert rows("SELECT count(*) FROM articles")[0][0] == 10


def test_429_with_retry_after_is_waited_out(bconfig, world, server):
    world.wb.cdx_429 = 1
    world.cc.cdx_429 = 1
    assert nv(bconfig, *window()) == 0
    cdx = [s for s in server.seen if s.host == "web.archive.org" and "/cdx/" in s.path]
    assert cdx[1].at - cdx[0].at >= 0.9  # Retry-After: 1
    assert len(rows("SELECT article_id FROM articles")) >= len(world.held) - 1


def test_the_archives_are_paced_as_configured(bconfig, archives, server):
    wb, cc = archives
    kr = Fake36Kr()
    world = World(kr, FakeNetEase(), wb, cc)
    for story in kr.publish(articles=3):
        wb.add(world.kr_capture(story, 1))
    bconfig.write_text(bconfig.read_text().replace("wayback_interval = 0.0",
                                                   "wayback_interval = 0.15"))
    assert nv(bconfig, *window(), "--from", "wayback", "--site", "36kr") == 0
    # start to start as the server saw them (after robots.txt, whose connection setup
    # delays its arrival)
    times = [s.at for s in server.seen if s.host == "web.archive.org"
             and s.path != "/robots.txt"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # a request held up after its slot (a loaded machine) arrives late and squeezes the
    # gap to the next one, so single gaps prove little; the whole run keeps the pace, and
    # most gaps are whole slots
    assert len(times) >= 8
    assert times[-1] - times[0] >= (len(times) - 1) * 0.15 - 0.05, gaps
    assert sorted(gaps)[len(gaps) // 2] >= 0.13, gaps
    assert times[-1] - times[0] >= (len(times) - 2) * 0.15


def test_the_warc_records_keep_the_origin(bconfig, world):
    assert nv(bconfig, *window()) == 0
    (name, offset, url, via, when), = rows(
        "SELECT warc_file, warc_offset, url, via, fetched_at FROM captures "
        "WHERE purpose = 'backfill' AND error IS NULL ORDER BY capture_id LIMIT 1")
    with (Path("warc") / name).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
    assert record.rec_type == "response"
    assert record.rec_headers.get_header("WARC-Target-URI") == url
    assert record.rec_headers.get_header("WARC-Source-URI") == via
    date = dt.datetime.fromisoformat(record.rec_headers.get_header("WARC-Date")
                                     .replace("Z", "+00:00"))
    assert date == when
    files = sorted(str(p) for p in Path("warc").glob("*.warc.gz"))
    check = subprocess.run([WARCIO, "check", *files], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_dry_run_counts_captures_per_archive_site_and_month_and_writes_nothing(
        bconfig, world, capsys):
    assert nv(bconfig, *window(), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "wayback" in out and "commoncrawl" in out and "2026-11" in out
    assert "netease" in out and "36kr" in out
    assert not Path("news.duckdb").exists() and not Path("warc").exists()


@pytest.mark.parametrize("args,needle", [
    ((), "--since"),
    (("--since", "2026-11-05", "--until", "2026-11-01"), "--until"),
    (("--since", "2026-11-01", "--from", "wayback,archive-is"), "archive-is"),
    (("--since", "yesterday"), "--since"),
])
def test_bad_arguments_exit_2_with_one_line(bconfig, capsys, args, needle):
    assert nv(bconfig, *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and needle in err


def test_a_bad_archives_setting_is_refused(workdir, capsys):
    Path("bad.toml").write_text('[backfill]\narchives = ["wayback", "archive.today"]\n')
    assert main(["--config", "bad.toml", "backfill", "--since", "2026-01-01"]) == 2
    assert "backfill.archives" in capsys.readouterr().err


def test_refused_pages_are_filled_in_as_new_versions(bconfig, archives, server):
    wb, cc = archives
    kr = Fake36Kr()
    world = World(kr, FakeNetEase(), wb, cc)
    cc.crawl(CRAWL, dt.datetime(2026, 11, 15, tzinfo=UTC), dt.datetime(2026, 12, 10, tzinfo=UTC))
    feed_only, blocked = kr.publish(articles=2)
    for story in (feed_only, blocked):
        wb.add(world.kr_capture(story, 1))
    # what a crawl under refusal left: one article from feed text, one blocked item
    from pipeline.config import settings as settings_mod
    from pipeline.core.records import Article, Link
    from pipeline.store.warehouse import Batch, Warehouse

    settings = settings_mod.load([bconfig], {"warehouse.path": "news.duckdb"})
    with Warehouse.open(settings.warehouse) as warehouse:
        batch = Batch()
        batch.links = [Link(f"https://36kr.com/p/{s.id}", f"36kr:{s.id}", "36kr",
                            title=s.title, published_at=s.published.isoformat(),
                            list_name="feed-article") for s in (feed_only, blocked)]
        batch.articles = [(Article(url=f"https://36kr.com/p/{feed_only.id}",
                                   article_id=f"36kr:{feed_only.id}", site="36kr",
                                   title=feed_only.title, body=feed_only.paragraphs[0],
                                   status="feed"), None, dt.datetime.now(UTC))]
        batch.done = [(f"36kr:{blocked.id}", "retry",
                       "36Kr anti-bot page (WAF security check)")]
        warehouse.write_batch(batch, run_id=1, max_attempts=3)
    assert nv(bconfig, "--refused") == 0
    got = dict(rows("SELECT article_id, status FROM articles"))
    assert got == {f"36kr:{feed_only.id}": "ok", f"36kr:{blocked.id}": "ok"}
    assert rows("SELECT article_id, reason FROM article_versions") == [
        (f"36kr:{feed_only.id}", "backfill")]
    assert rows("SELECT state FROM frontier WHERE article_id = ?",
                f"36kr:{blocked.id}") == [("done",)]
    # no index query was paged: the refused ids were looked up one by one
    assert all("url=36kr.com%2Fp%2F37" in s.path for s in server.seen
               if s.host == "web.archive.org" and "/cdx/" in s.path)


def test_limit_bounds_the_pages_read(bconfig, world, server):
    assert nv(bconfig, *window(), "--limit", "5") == 0
    assert len(record_reads(server)) == 5


def test_the_on_refusal_setting_is_off_by_default():
    from pipeline.config import settings as settings_mod

    assert settings_mod.load([], environ={}).backfill.on_refusal is False


# ---------------------------------------------------------------------- killed runs

def backfill_process(config: Path, fault: str | None) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NEWSVAULT_FAULT", None)
    if fault:
        env["NEWSVAULT_FAULT"] = fault
    return subprocess.Popen([sys.executable, "-m", "pipeline", *process_configs(config),
                             "--warehouse", "news.duckdb", "backfill", "-q", *window()],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("fault", ["commit:3", "fetched:20", "archive:12", "extract:4",
                                   "commit:40", "archive:95", "fetched:100"])
def test_a_killed_backfill_resumes_and_stores_each_article_once(bconfig, world, server,
                                                                fault):
    proc = backfill_process(bconfig, fault)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()
    assert nv(bconfig, *window()) == 0
    stored = [r[0] for r in rows("SELECT article_id FROM articles WHERE kind = 'article'")]
    assert len(stored) == len(set(stored))
    assert set(world.held) - set(stored) == set()
    server.clear()
    assert nv(bconfig, *window()) == 0
    assert record_reads(server) == []


def test_the_readme_query_counts_what_backfill_stored_per_archive(bconfig, world):
    import re

    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### History from web archives (backfill)", 1)[1]
    query = re.search(r"```sql\n(.*?)```", section, re.S)[1]
    assert nv(bconfig, *window()) == 0
    from pipeline.analyze.query import sql
    from pipeline.config import settings as settings_mod

    _, found = sql(settings_mod.load([bconfig], {"warehouse.path": "news.duckdb"}), query)
    archives = {archive for _, archive, _ in found}
    assert archives == {"web.archive.org", "data.commoncrawl.org"}
    assert sum(n for *_, n in found) == rows("SELECT count(*) FROM articles")[0][0]


def test_the_crawl_fills_refused_pages_from_the_archives_when_on_refusal_is_set(
        bconfig, archives, server, kr):
    from tests.server import Reply

    wb, cc = archives
    world = World(kr, FakeNetEase(), wb, cc)
    refused, fine = kr.publish(articles=2)
    for host in ("36kr.com", "www.36kr.com"):
        for path in (f"/p/{refused.id}", f"/p/{refused.id}?f=rss"):
            server.route(host, path, Reply(200, CHALLENGE))
    wb.add(world.kr_capture(refused, 1))
    bconfig.write_text(bconfig.read_text() + "on_refusal = true\n")
    main(["--config", str(bconfig), "--warehouse", "news.duckdb", "crawl", "-q",
          "--site", "36kr"])  # refused a page: its feed text meanwhile, then the archive
    got = {aid: (status, purpose) for aid, status, purpose in rows(
        "SELECT a.article_id, a.status, c.purpose FROM articles a JOIN captures c "
        "USING (capture_id) WHERE a.kind = 'article'")}
    assert got[f"36kr:{refused.id}"] == ("ok", "backfill")
    assert got[f"36kr:{fine.id}"][1] != "backfill"  # the archive has no capture of it
    assert rows("SELECT reason FROM article_versions WHERE article_id = ?",
                f"36kr:{refused.id}") in ([], [("backfill",)])
    assert rows("SELECT command FROM runs ORDER BY run_id") == [("crawl",), ("backfill",)]


def test_index_rows_of_redirects_are_never_read(bconfig, world, server):
    assert nv(bconfig, *window()) == 0
    (foreign,) = world.refused
    redirect_row = f"/p/{foreign.split(':')[1]}9"  # a 301 row in Common Crawl's index
    assert not any(redirect_row in s.path for s in server.seen
                   if s.host == "data.commoncrawl.org")
    assert rows("SELECT count(*) FROM backfill_index WHERE url LIKE ?",
                f"%{redirect_row}") == [(0,)]


@pytest.mark.parametrize("listed,first", [(True, 1), (False, -2)])
def test_the_capture_nearest_after_publication_is_tried_first(workdir, listed, first):
    from pipeline.config import settings as settings_mod
    from pipeline.core.records import Link
    from pipeline.discover.archives import IndexRow
    from pipeline.store.backfill import BackfillStore, Found
    from pipeline.store.warehouse import Batch, Warehouse

    settings = settings_mod.load([], {"warehouse.path": "news.duckdb"}, environ={})
    published = dt.datetime(2026, 3, 1, 12, tzinfo=UTC)
    with Warehouse.open(settings.warehouse) as warehouse:
        if listed:  # the frontier knows when it was published
            batch = Batch(links=[Link("https://36kr.com/p/1234567", "36kr:1234567", "36kr",
                                      published_at=published.isoformat())])
            warehouse.write_batch(batch, run_id=1, max_attempts=3)
        store = BackfillStore(warehouse)
        found = [Found("36kr", "article", "36kr:1234567", IndexRow(
            archive, "https://36kr.com/p/1234567", published + dt.timedelta(hours=h),
            f"https://{archive}/{h}")) for archive, h in
            (("commoncrawl", -2), ("wayback", 3), ("commoncrawl", 1), ("wayback", 30))]
        store.save_page("q", found, None, None, True, run_id=1)
        (item,) = next(store.articles(["36kr"], ["wayback", "commoncrawl"], refresh=False,
                                      refused=False, max_attempts=3, candidates=4))
    hours = [round((c["captured_at"] - published).total_seconds() / 3600)
             for c in item["captures"]]
    assert hours[0] == first
    assert hours == ([1, 3, 30, -2] if listed else [-2, 1, 3, 30])
