"""Article links of a list page of any era, read from the data the page carries.

List pages hold their items in one of a few shapes, whatever the site and year:

    JSON           a gateway or app API answer ({"data": {"itemList": [...]}})
    JSONP          callback([...]) or callback({...}) (NetEase data_callback, artiList)
    assignment     var data = {...}; window.initialState = {...}; var props = {...}
    feed           RSS 2.0, RSS 1.0 (RDF) or Atom
    markup         <a href> anchors (read by base.anchor_links)

`data_links` finds every JSON value of the first three shapes, walks it, and asks the
site (`Source.item_url`) for the URL of each object that looks like an item (a URL, a
route, an id); `feed_links` reads the entries of a feed.  Both keep the site's article
links only (`Source.link`), in page order, once each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from pipeline.core.records import Link
from pipeline.page.dates import parse_time
from pipeline.sources.base import Source

_OPENERS = re.compile(r"(?:=|\(|^)\s*(?=[\[{])", re.M)
MAX_VALUES = 200  # JSON values tried per page (a page has a handful; scripts have more)
TITLE_KEYS = ("title", "widgetTitle", "t", "stitle", "name")
TIME_KEYS = ("publishTime", "published_at", "ptime", "p", "time", "pubDate", "date")


def json_values(text: str) -> Iterator[Any]:
    """Every JSON object or array that starts right after '=', '(' or a line start."""
    decoder = json.JSONDecoder()
    stripped = text.strip()
    if stripped[:1] in "[{":
        try:
            yield json.loads(stripped)
            return
        except ValueError:
            pass
    tried, end = 0, -1
    for match in _OPENERS.finditer(text):
        start = match.end()
        if start < end or tried >= MAX_VALUES:
            continue  # inside a value already read
        tried += 1
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            if not match.group().startswith("("):  # only JSONP files are hand-made
                continue
            repaired = _without_trailing_commas(text, start)
            if repaired is None:
                continue
            value, end = repaired
        if isinstance(value, (dict, list)) and value:
            yield value


def _without_trailing_commas(text: str, start: int) -> tuple[Any, int] | None:
    """JSONP lists with `,]` / `,}` (NetEase's hand-made files): up to the call's ')'."""
    close = text.find(");", start)
    close = close if close >= 0 else text.rfind(")")
    if close <= start:
        return None
    chunk = re.sub(r",\s*([\]}])", r"\1", text[start:close])
    try:
        return json.loads(chunk), close
    except ValueError:
        return None


def walk(value: Any, key: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(the key holding it, object) for every object inside `value`, outermost first."""
    stack: list[tuple[str, Any]] = [(key, value)]
    while stack:
        key, node = stack.pop()
        if isinstance(node, dict):
            yield key, node
            stack.extend(reversed([(str(k), v) for k, v in node.items()
                                   if isinstance(v, (dict, list))]))
        elif isinstance(node, list):
            stack.extend(reversed([(key, v) for v in node if isinstance(v, (dict, list))]))


def data_links(source: Source, text: str, base: str) -> list[Link]:
    """The site's article links among the items of the page's JSON data."""
    found: list[Link] = []
    seen: set[str] = set()
    for value in json_values(text):
        for key, item in walk(value):
            url = source.item_url(item, key, base)
            if not url:
                continue
            link = source.link(urljoin(base, url), None, title=_first(item, TITLE_KEYS),
                               published_at=_time(item))
            if link is not None and link.article_id not in seen:
                seen.add(link.article_id)
                found.append(link)
    return found


def feed_links(source: Source, text: str) -> list[Link] | None:
    """Entries of an RSS 2.0, RSS 1.0 or Atom feed; None when the text is no feed."""
    from lxml import etree

    cleaned = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1).strip()
    if not cleaned.startswith("<") or not re.match(r"<(?:\w+:)?(?:rss|RDF|feed)\b", cleaned):
        return None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(cleaned.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    found, seen = [], set()
    for entry in root.iter():
        if not isinstance(entry.tag, str) or etree.QName(entry).localname not in ("item",
                                                                                 "entry"):
            continue
        fields = {etree.QName(c).localname: c for c in entry if isinstance(c.tag, str)}
        link_node = fields.get("link")
        url = (link_node.get("href") or link_node.text or "").strip() if link_node is not None \
            else ""
        url = url or (fields["guid"].text or "").strip() if "guid" in fields else url
        title = (fields["title"].text or "").strip() if "title" in fields else None
        stamp = next((fields[k].text for k in ("pubDate", "published", "updated", "date")
                      if k in fields and fields[k].text), None)
        link = source.link(url, None, title=title or None, published_at=parse_time(stamp))
        if link is not None and link.article_id not in seen:
            seen.add(link.article_id)
            found.append(link)
    return found


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    material = item.get("templateMaterial")
    if isinstance(material, dict) and material is not item:
        return _first(material, keys)
    return None


def _time(item: dict[str, Any]) -> str | None:
    material = item.get("templateMaterial")
    for data in (item, material if isinstance(material, dict) else {}):
        for key in TIME_KEYS:
            value = data.get(key)
            if isinstance(value, (int, float)) and value > 10**11:  # epoch milliseconds
                from pipeline.core.records import from_epoch_ms

                return from_epoch_ms(int(value))
            if isinstance(value, str) and value.strip():
                parsed = parse_time(value)
                if parsed:
                    return parsed
    return None
