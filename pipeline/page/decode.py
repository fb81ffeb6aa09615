"""Bytes to text, deciding the charset ourselves and recording which rule decided.

Rules, in order (the first that yields a verified decode wins):

    bom        a UTF-8/UTF-16 byte order mark (it outranks any declaration)
    http       the charset of the HTTP Content-Type header
    meta       <meta charset>, <meta http-equiv content-type> or <?xml encoding?>
    utf-8      no usable declaration, and the bytes are valid UTF-8
    detect     charset_normalizer's guess, when declarations are missing or lie
    fallback   UTF-8 with U+FFFD for what cannot be read

A declaration is verified by a strict decode.  GB2312 and GBK labels are widened to
GB18030 (pages labelled gb2312 routinely use GBK characters), Latin-1 labels to
windows-1252, as browsers do.  Valid UTF-8 with non-ASCII bytes beats a non-UTF-8
declaration ("utf-8 over <declared>"): GBK text is practically never valid UTF-8,
while pages re-saved as UTF-8 keep their old gb2312 <meta>.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
    "euc-cn": "gb18030", "csgb2312": "gb18030", "cp936": "gb18030", "ms936": "gb18030",
    "windows-936": "gb18030", "euc_cn": "gb18030",
    "big5": "big5hkscs", "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "ascii": "cp1252", "us-ascii": "cp1252",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.:\-]+)""", re.I)
_HTTP = re.compile(r"""charset\s*=\s*["']?\s*([a-z0-9_.:\-]+)""", re.I)
PRESCAN_BYTES = 8192
LENIENT_SHARE = 0.001  # a declared charset may have this share of bad characters


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    rule: str


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, widened to its superset; None if unknown."""
    if not label:
        return None
    label = label.strip().lower()
    try:
        return codecs.lookup(SUPERSETS.get(label, label)).name
    except LookupError:
        return None


def http_charset(content_type: str | None) -> str | None:
    match = _HTTP.search(content_type or "")
    return match.group(1) if match else None


def meta_charset(data: bytes) -> str | None:
    match = _META.search(data[:PRESCAN_BYTES])
    if not match:
        return None
    return (match.group(1) or match.group(2)).decode("ascii", "replace")


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    """Decode a page's bytes; see the module docstring for the rules."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return Decoded(data[len(bom):].decode(encoding, "replace"), encoding, "bom")
    utf8 = _strict(data, "utf-8")
    for rule, label in (("http", http_charset(content_type)), ("meta", meta_charset(data))):
        encoding = codec_name(label)
        if encoding is None:
            continue
        if encoding != "utf-8" and utf8 is not None and not data.isascii():
            return Decoded(utf8, "utf-8", f"utf-8 over {rule} {label}")
        text = utf8 if encoding == "utf-8" else _strict(data, encoding)
        if text is not None:
            return Decoded(text, encoding, rule)
        text = data.decode(encoding, "replace")
        if text.count("\ufffd") <= max(1, len(text) * LENIENT_SHARE):
            return Decoded(text, encoding, f"{rule} (lenient)")
    if utf8 is not None:
        return Decoded(utf8, "utf-8", "utf-8")
    guessed = _detect(data)
    if guessed:
        return Decoded(data.decode(guessed, "replace"), guessed, "detect")
    return Decoded(data.decode("utf-8", "replace"), "utf-8", "fallback")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return codec_name(best.encoding) if best is not None else None
