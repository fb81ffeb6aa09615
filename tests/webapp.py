"""A warehouse made by real crawls of the fake sites, and `newsvault serve` running on it.

`web_folder` (once per session): two crawls of the fake 36Kr and NetEase sites through
the command line, as cron runs them.  Between them one NetEase story is edited, so the
second crawl (every article is re-fetched once: refetch_after is tiny) stores a new
version of it and archives the unchanged pages as revisit records.  One NetEase page
carries a script that would mark the page if it ran (SCRIPTED_MARK), and an image from
outside; one NetEase page is GBK (the 2016 template).

`Live(app)` serves an app with uvicorn on a free loopback port in a thread.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from pipeline.cli.main import main
from pipeline.config import settings as settings_mod
from pipeline.demo.server import Reply, Seen, TestServer
from tests.db import one
from tests.fakesites import Fake36Kr, FakeNetEase

CONFIG = """
[fetch]
min_interval = 0.0
retries = 1
backoff_base = 0.01
backoff_max = 0.05
timeout = 5.0
connect_to = ["*={origin}"]

[warehouse]
lock_wait = 1.0

[crawl]
batch_size = 5
refetch_after = 0.0001
refetch_window = 100000.0
"""
SCRIPTED_MARK = "SCRIPT RAN"
OUTSIDE_IMAGE = "http://127.0.0.1:9/beacon.gif"  # port 9 (discard): nothing answers
INJECTED = (f'<script>document.title = "{SCRIPTED_MARK}"; document.body.insertAdjacentHTML('
            f'"afterbegin", "<p id=\\"script-ran\\">{SCRIPTED_MARK}</p>");</script>'
            f'<img id="outside" src="{OUTSIDE_IMAGE}" alt="">')
EDITED_LINE = "更正：本段在发布后被编辑修改。"


@dataclass(frozen=True)
class WebFolder:
    folder: Path
    edited_id: str      # the article with two versions
    scripted_id: str    # the article whose page carries INJECTED
    gbk_id: str         # a GBK page
    kr_title: str       # the title of a 36Kr article
    kr_id: str          # its id
    revisit: int        # a revisit capture (its page unchanged on the second crawl)

    def settings(self, **overrides: Any) -> settings_mod.Settings:
        return settings_mod.load([], {"warehouse.path": str(self.folder / "news.duckdb"),
                                      **overrides}, environ={})


def build(folder: Path) -> WebFolder:
    """Crawl the fake sites twice into `folder` (news.duckdb, warc/)."""
    from pipeline.sources.kr36.site import Kr36

    server = TestServer().start()
    try:
        kr, ne = Fake36Kr(), FakeNetEase()
        kr.install(server)
        ne.install(server)
        stories = kr.publish(articles=8)
        tech = ne.publish("tech", 6)
        gbk = ne.publish("yaowen", 2, template="2016")
        scripted, edited = tech[0], tech[1]
        server.route("www.163.com", f"/tech/article/{scripted.id}.html",
                     lambda seen: _with_script(ne, scripted, seen))
        (folder / "test.toml").write_text(CONFIG.format(origin=server.origin), "utf-8")
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(folder)
            mp.setattr(Kr36, "site_defaults", {**Kr36.site_defaults, "min_interval": 0.0})
            for name in ("NEWSVAULT_WAREHOUSE", "NEWSVAULT_CONFIG"):
                mp.delenv(name, raising=False)
            args = ["--config", "test.toml", "--warehouse", "news.duckdb", "crawl", "-q"]
            assert main(args) == 0
            edited.paragraphs[1] = EDITED_LINE
            time.sleep(0.5)  # past refetch_after (0.36 s)
            assert main(args) == 0
    finally:
        server.stop()
    revisit = one("SELECT min(capture_id) FROM captures WHERE record_type = 'revisit' AND "
                  "purpose = 'article'", warehouse=str(folder / "news.duckdb"))
    return WebFolder(folder, f"163:{edited.id}", f"163:{scripted.id}", f"163:{gbk[0].id}",
                     stories[-1].title, f"36kr:{stories[-1].id}", revisit)


def _with_script(ne: FakeNetEase, story: Any, seen: Seen) -> Reply:
    reply = ne.article_reply(story)
    text = reply.payload().decode("utf-8").replace("</body>", INJECTED + "</body>")
    return Reply(200, text)


class Live:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port) in a thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.origin = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> Live:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="session")
def web_folder(tmp_path_factory: pytest.TempPathFactory) -> WebFolder:
    return build(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def live(web_folder: WebFolder) -> Any:
    from pipeline.web.app import create_app

    with Live(create_app(web_folder.settings())) as running:
        yield running
