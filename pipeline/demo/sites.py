"""Synthetic 36Kr and NetEase sites, served by pipeline.demo.server: `newsvault demo` and the tests.

They reproduce the real structures (feeds with CDATA links and the two-space pubDate,
SSR pages with `window.initialState` and a gateway nonce, pageCallback paging through a
signed POST, JSONP channel lists with `_0N` pages and trailing commas, the rolling
list, article pages of three NetEase eras and two 36Kr forms) filled with generated
text.  No text of a real page is used.  Sites grow with `publish()`, so a test can
publish more than a page between two runs.

Each site is a module of its own (kr36.py, netease.py) over stories.py (the generated
text and the templates); this module gathers their names.
"""

from pipeline.demo.kr36 import ROBOTS, Fake36Kr, refusal_page
from pipeline.demo.netease import (
    CHANNELS,
    DY_LIST,
    HOT,
    ROLLING,
    ROLLING_REFERER,
    Account,
    FakeNetEase,
)
from pipeline.demo.stories import (
    ACTIONS,
    BEIJING,
    DETAILS,
    PAGES,
    START,
    SUBJECTS,
    TEMPLATE_DIRS,
    Story,
    b64,
    fill,
    story_text,
    unb64,
)

__all__ = ["ACTIONS", "BEIJING", "CHANNELS", "DETAILS", "DY_LIST", "HOT", "PAGES", "ROBOTS",
           "ROLLING", "ROLLING_REFERER", "START", "SUBJECTS", "TEMPLATE_DIRS", "Account",
           "Fake36Kr", "FakeNetEase", "Story", "b64", "fill", "refusal_page", "story_text",
           "unb64"]
