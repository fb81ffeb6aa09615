"""robots.txt rules as RFC 9309 reads them (the matcher is protego's)."""

from __future__ import annotations

import pytest

from pipeline.fetch.robots import allow_all, disallow_all, parse

FILE = """
User-agent: *
Disallow: /api/
Allow: /api/public
Disallow: /*.pdf$
Disallow: /search
Crawl-delay: 3

User-agent: newsvault
User-agent: otherbot
Disallow: /private/
Allow: /private/open$
Disallow: /drafts*/edit
Crawl-delay: 1.5
"""

CASES = [  # (agent, path, allowed, why)
    ("somebot", "/p/1", True, "no rule matches"),
    ("somebot", "/api/list", False, "disallowed prefix"),
    ("somebot", "/api/public/x", True, "longer Allow wins"),
    ("somebot", "/files/a.pdf", False, "wildcard with end anchor"),
    ("somebot", "/files/a.pdf?x=1", True, "anchor: the path must end there"),
    ("somebot", "/search?q=1", False, "prefix covers the query"),
    ("newsvault", "/api/list", True, "the agent's own group replaces '*'"),
    ("newsvault", "/private/x", False, "the agent's group disallows"),
    ("newsvault", "/private/open", True, "anchored Allow, longer"),
    ("newsvault", "/private/open/more", False, "anchored Allow does not reach further"),
    ("newsvault", "/drafts-2026/edit", False, "wildcard in the middle"),
    ("newsvault", "/drafts-2026/view", True, "wildcard needs the rest to match"),
    ("otherbot", "/private/x", False, "a group may name several agents"),
]


@pytest.mark.parametrize(("agent", "path", "allowed", "why"), CASES,
                         ids=[f"{a}{p}" for a, p, _, _ in CASES])
def test_rule(agent, path, allowed, why):
    assert parse(FILE, agent).allows(f"https://www.36kr.com{path}") is allowed, why


@pytest.mark.parametrize(("agent", "delay"), [("newsvault", 1.5), ("somebot", 3.0)])
def test_crawl_delay_of_the_agents_group(agent, delay):
    assert parse(FILE, agent).crawl_delay == delay


def test_equal_length_allow_beats_disallow():
    rules = parse("User-agent: *\nDisallow: /page\nAllow: /page\n", "newsvault")
    assert rules.allows("https://x.test/page")


def test_percent_encoded_and_raw_paths_match_alike():
    rules = parse("User-agent: *\nDisallow: /新闻/\n", "newsvault")
    assert not rules.allows("https://x.test/%E6%96%B0%E9%97%BB/1")
    assert not rules.allows("https://x.test/新闻/1")


@pytest.mark.parametrize("text", ["", "garbage\n\x00\xff", "Disallow: /\n"])
def test_empty_or_groupless_files_allow_everything(text):
    assert parse(text, "newsvault").allows("https://x.test/anything")


def test_blanket_verdicts():
    assert allow_all("robots.txt answered 404").allows("https://x.test/a")
    blocked = disallow_all("robots.txt answered 503")
    assert not blocked.allows("https://x.test/a") and blocked.reason == "robots-unreachable"
