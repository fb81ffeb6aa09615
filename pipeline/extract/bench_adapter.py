"""The project's extractor in the shape the team's extraction yardstick calls:

    run.py --extractor pipeline.extract.bench_adapter:extract --set all

`extract(html_bytes, url)` returns a dict: "text" is the body the kit scores; the other
keys are the metadata scripts/bench.py checks against the sites_dev gold.
"""

from __future__ import annotations

from typing import Any

from pipeline.extract import extract as _extract


def extract(html: bytes, url: str | None = None) -> dict[str, Any]:
    article = _extract(html, url)
    return {"text": article.body, "title": article.title, "published": article.published_at,
            "author": article.author, "source": article.source, "status": article.status,
            "extractor": article.extractor}


def text(html: bytes, url: str | None = None) -> str:
    """The body only (for kit tools that want a str)."""
    return _extract(html, url).body
