"""The synthetic 36Kr and NetEase sites, for the tests.

They live in pipeline.demo.sites, so `newsvault demo` serves the same sites; page
templates that only tests use stay in tests/pages and are found after the demo's own.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.demo import sites as _sites
from pipeline.demo.netease import _paged  # noqa: F401
from pipeline.demo.sites import *  # noqa: F403 (the public names of the fake sites)

_sites.TEMPLATE_DIRS.append(Path(__file__).parent / "pages")
