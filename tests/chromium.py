"""Chromium driven through selenium: Debian's `chromium` and `chromium-driver` packages.

    with chromium(tmp_path / "profile") as browser:
        browser.get(url)

Headless, no sandbox (CI runs as root in a container), no GPU, no QUIC, and none of the
browser's own traffic (background networking, component updates, sync), with a fresh
profile folder each time: the browser talks only to the pages the test opens.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path, package in ((CHROMIUM, "chromium"), (DRIVER, "chromium-driver")):
        if not Path(path).exists():
            return (f"{path} is missing: `apt-get install -y chromium chromium-driver` "
                    f"(the {package} package; .ci/run installs it)")
    return None


@contextlib.contextmanager
def chromium(profile: Path, size: tuple[int, int] = (1280, 900)) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={size[0]},{size[1]}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        browser.set_page_load_timeout(30)
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)
