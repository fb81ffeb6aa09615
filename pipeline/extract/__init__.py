"""Extraction: page bytes to an Article, by the site's layout or, failing that, generically.

    extract(html_bytes, url)  ->  Article

The bytes are decoded here (pipeline.page.decode), never by trafilatura's guess.  A page of
a known site goes to that site's `extract` (its body container and metadata); pages of
unknown layout, and known pages whose container is missing, go to trafilatura on the
whole page.  Bad input never raises: the Article's `status` says what was wrong
('empty', 'not-html', 'blocked', 'too-large') and its body stays empty.
"""

from __future__ import annotations

import re

from pipeline.core.records import Article
from pipeline.extract.generic import extract_generic
from pipeline.page.clean import drop_noise_lines, drop_related_blocks
from pipeline.page.decode import decode
from pipeline.page.parsed import Page
from pipeline.sources import registry
from pipeline.sources.base import Source

EXTRACTOR_VERSION = "2026.11.4"  # bump when a rule changes what is extracted (reextract)
MAX_HTML_CHARS = 12_000_000
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b",
                 b"RIFF", b"\x00\x00\x01\x00", b"BZh", b"7z\xbc\xaf")
_MARKUP = re.compile(
    r"<\s*(?:html|head|body|div|p|meta|title|article|section|span|table|!doctype)\b", re.I)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")

__all__ = ["EXTRACTOR_VERSION", "extract", "extract_page"]


def extract(html: bytes | str, url: str | None = None, *,
            content_type: str | None = None) -> Article:
    """Extract one page. `html` is the raw bytes as served (or text already decoded)."""
    problem = _refuse(html, content_type)
    if problem:
        return Article(url=url, status=problem[0], extractor="none",
                       provenance={"status": problem[1]})
    if isinstance(html, bytes):
        decoded = decode(html, content_type)
        page = Page(url=url, html=decoded.text, decoded=decoded)
    else:
        page = Page(url=url, html=html)
    return extract_page(page)


def extract_page(page: Page) -> Article:
    """Extract a decoded page: its site's reader when the page is one of a known site's
    (by URL, or by what the page says about itself), else the generic extractor."""
    if not _MARKUP.search(page.html[:65536]):
        return _finish(Article(url=page.url, status="not-html", extractor="none",
                               provenance={"status": "no HTML markup in the page"}), page, None)
    source = registry.for_page(page)
    if source is not None:
        reason = source.blocked(page.html)
        if reason:
            return _finish(Article(url=page.url, status="blocked", extractor=source.name,
                                   provenance={"status": reason}), page, source)
    article = source.extract(page) if source is not None else None
    if article is None:
        article = extract_generic(page)
    elif not article.body and article.status == "ok":  # the site's metadata, generic body
        generic = extract_generic(page)
        article.body = generic.body
        article.extractor += "+generic-body"
        article.provenance["body"] = generic.provenance.get("body", "generic")
    return _finish(article, page, source)


def _finish(article: Article, page: Page, source: Source | None) -> Article:
    if source is not None:
        article.site = article.site or source.name
        ref = source.identify(page.url or "")
        if ref is not None:
            article.article_id = article.article_id or ref.article_id
            article.canonical_url = article.canonical_url or ref.canonical_url
            article.kind = ref.kind if article.kind == "article" else article.kind
    article.url = article.url or page.url
    if page.decoded is not None:
        article.decode_rule = f"{page.decoded.rule}:{page.decoded.encoding}"
    article.body, related = drop_related_blocks(article.body)
    article.body, dropped = drop_noise_lines(article.body)
    if dropped or related:
        article.provenance["dropped_lines"] = str(len(dropped) + len(related))
    article.lang = article.lang or guess_lang(article.body or article.title or "")
    if article.status == "ok" and not article.body.strip():
        article.status = "empty"
        article.provenance.setdefault("status", "no body text found")
    return article


def guess_lang(text: str) -> str | None:
    """'zh' when Chinese characters make up a fair share of the letters, else 'en'/None."""
    sample = text[:4000]
    cjk, latin = len(_CJK.findall(sample)), len(_LATIN.findall(sample))
    if cjk == 0 and latin == 0:
        return None
    return "zh" if cjk * 3 >= latin else "en"


def _refuse(html: bytes | str, content_type: str | None) -> tuple[str, str] | None:
    if not html or not html.strip():
        return "empty", "the page is empty (0 bytes of content)"
    if len(html) > MAX_HTML_CHARS:
        return "too-large", f"the page is {len(html):,} bytes; the limit is {MAX_HTML_CHARS:,}"
    if isinstance(html, bytes):
        head = html[:1024]
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if head.startswith(_BINARY_MAGIC) or (b"\x00" in head and not utf16):
            return "not-html", "binary data, not an HTML page"
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind and not (kind.startswith("text/") or "html" in kind or "xml" in kind):
        return "not-html", f"content type {kind}, not an HTML page"
    return None
