"""36Kr's gateway: the signed POSTs that page its SSR lists, and the nonce they need.

Facts from team notes, sites.md section 1 (K5/K6) and sites-2026.md: the next page of
/newsflashes and /information/<nick>/ is a POST to gateway.36kr.com with the page's
`pageCallback`, signed: sign = md5(body + nonce), the nonce being a page's
`window.__GATEWAY_SIGN__`.  A list with no nonce of its own takes one from NONCE_PAGES;
a refused (stale) nonce is fetched afresh once.  No gateway request is ever sent unsigned.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

from pipeline.core.errors import SourceError
from pipeline.core.records import Request
from pipeline.sources.base import ListPage, js_value
from pipeline.sources.lists import ListSettings

GATEWAY = "https://gateway.36kr.com"
NEWSFLASH_API = GATEWAY + "/api/mis/nav/newsflash/list"
INFORMATION_API = GATEWAY + "/api/mis/nav/ifm/subNav/flow"
_INFO_NICK = re.compile(r"^/information/(?P<nick>[\w-]+)/?$")
# Pages that hand out the gateway nonce, tried in turn when a list page has none (or a
# stale one): the RSS centre, then the newsflash catalog on the bare and mobile hosts.
NONCE_PAGES = ("https://www.36kr.com/rss-center", "https://36kr.com/newsflashes/catalog/0",
               "https://m.36kr.com/newsflashes/catalog/0")


def page_nonce(text: str) -> str | None:
    """The gateway nonce an SSR page hands out (window.__GATEWAY_SIGN__), if any."""
    nonce = js_value(text, "__GATEWAY_SIGN__")
    return str(nonce) if isinstance(nonce, str | int) and str(nonce).strip() else None


def signed_request(lst: ListSettings, param: dict[str, Any], nonce: str,
                   refreshed: bool = False) -> Request:
    """A signed gateway POST: sign = md5(JSON body + nonce) over the bytes sent.
    There is no unsigned form: without a nonce there is no request."""
    if not nonce:
        raise ValueError("a gateway request needs a nonce")
    url = NEWSFLASH_API if lst.kind == "newsflashes" else INFORMATION_API
    body = {"nonce": nonce, "partner_id": "web", "timestamp": int(time.time() * 1000),
            "param": param}
    compact = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    url += "?sign=" + hashlib.md5((compact + nonce).encode()).hexdigest()
    headers = (("Accept", "application/json"), ("Content-Type", "application/json"),
               ("Origin", "https://www.36kr.com"), ("Referer", lst.url))
    return Request(url, method="POST", content=compact.encode("utf-8"), headers=headers,
                   purpose="list", state={"step": "gateway", "nonce": nonce,
                                          "param": param, "refreshed": refreshed})


def signed_or_via_nonce(lst: ListSettings, param: dict[str, Any],
                        nonce: str | None) -> Request:
    """The gateway request for `param`, or the first nonce page on the way to it."""
    if nonce:
        return signed_request(lst, param, nonce)
    return Request(NONCE_PAGES[0], purpose="list",
                   state={"step": "nonce", "param": param, "left": list(NONCE_PAGES[1:])})


def refresh_nonce(lst: ListSettings, param: dict[str, Any]) -> Request:
    """After the gateway refused a nonce: the list page again, then the nonce pages."""
    return Request(lst.url, purpose="list", state={
        "step": "nonce", "param": param, "left": list(NONCE_PAGES), "refreshed": True})


def after_nonce_page(lst: ListSettings, text: str, step: dict[str, Any]) -> ListPage:
    """A page read only for its nonce: then the gateway, else the next nonce page."""
    nonce = page_nonce(text)
    if nonce:
        return ListPage(links=[], hop=True, next=signed_request(
            lst, step["param"], nonce, refreshed=bool(step.get("refreshed"))))
    left = list(step.get("left") or [])
    if left:
        return ListPage(links=[], hop=True, next=Request(
            left[0], purpose="list", state={**step, "left": left[1:]}))
    raise SourceError(f"36kr {lst.name}: no page gave a gateway nonce (tried the list and "
                      f"{', '.join(NONCE_PAGES)}); newsvault never sends an unsigned "
                      "gateway request, so the list stops here", reason="no-nonce")


def gateway_param(lst: ListSettings, callback: str | None) -> dict[str, Any]:
    """The gateway's `param`: page 1 is pageEvent 0 with no pageCallback."""
    paging: dict[str, Any] = {"pageEvent": 1 if callback else 0}
    if callback:
        paging["pageCallback"] = callback
    if lst.kind == "newsflashes":
        return {"pageSize": 20, **paging, "siteId": 1, "platformId": 2,
                "type": _flash_type(lst)}
    return {"subnavType": 1, "subnavNick": _info_nick(lst.url), "pageSize": 30, **paging,
            "siteId": 1, "platformId": 2}


def _flash_type(lst: ListSettings) -> int:
    match = re.search(r"/newsflashes/catalog/(\d)", lst.url)
    return int(match.group(1)) if match else 0


def _info_nick(url: str) -> str:
    match = _INFO_NICK.match(urlsplit(url).path)
    return match["nick"] if match else "web_news"
