"""Each site's defaults are written once, in its package; config files only override them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pipeline.config import settings
from pipeline.sources import registry
from pipeline.sources.kr36 import defaults as kr36_defaults
from pipeline.sources.netease import defaults as netease_defaults
from pipeline.sources.netease.site import NetEase

ROOT = Path(__file__).resolve().parent.parent
SOURCES_TOML = ROOT / "configs" / "sources.toml"
PACKAGES = {"36kr": kr36_defaults, "netease": netease_defaults}


def load_text(tmp_path: Path, text: str) -> settings.Settings:
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    return settings.load([path], environ={})


def uncommented_examples(text: str) -> str:
    """The example block of configs/sources.toml with its `# ` taken off."""
    block = text.split("Examples", 1)[1].split("\n", 1)[1]
    return "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                     for line in block.splitlines())


@pytest.mark.parametrize("site", sorted(PACKAGES))
def test_a_sites_defaults_come_from_its_package(workdir, site):
    package = PACKAGES[site]
    loaded = settings.load(environ={}).sites[site]
    assert loaded.lists == package.LISTS == registry.get(site).default_lists()
    assert loaded.enabled is package.ENABLED
    for key, value in package.SETTINGS.items():
        assert getattr(loaded, key) == value, key


def test_the_shipped_sources_toml_overrides_nothing():
    shipped = settings.load([SOURCES_TOML], environ={})
    assert settings.as_dict(shipped) == settings.as_dict(settings.load([], environ={}))


def test_the_examples_in_sources_toml_are_valid_overrides(tmp_path):
    loaded = load_text(tmp_path, uncommented_examples(SOURCES_TOML.read_text("utf-8")))
    kr, ne = loaded.sites["36kr"], loaded.sites["netease"]
    assert (kr.min_interval, kr.cooldown) == (10.0, 60.0)
    assert kr.concurrency == kr36_defaults.SETTINGS["concurrency"]  # not overridden: kept
    assert kr.lists == kr36_defaults.LISTS
    assert ne.max_pages == 3
    assert [lst.name for lst in ne.lists] == ["ent"]


@pytest.mark.parametrize("text,site,key,value", [
    ("[sites.36kr]\nconcurrency = 2\n", "36kr", "concurrency", 2),
    ("[sites.36kr]\nmin_interval = -1\n", "36kr", "min_interval", -1.0),
    ("[sites.netease]\nenabled = false\n", "netease", "enabled", False),
    ("[sites.netease]\ncooldown = 5.0\n", "netease", "cooldown", 5.0),
])
def test_a_config_key_wins_over_the_sites_default_and_leaves_the_others(
        tmp_path, text, site, key, value):
    loaded = load_text(tmp_path, text).sites[site]
    assert getattr(loaded, key) == value
    untouched = {k: v for k, v in PACKAGES[site].SETTINGS.items() if k != key}
    assert {k: getattr(loaded, k) for k in untouched} == untouched
    assert loaded.lists == PACKAGES[site].LISTS


@pytest.mark.parametrize("config,enabled", [
    ("", False),
    ("[sites.netease]\nenabled = true\n", True),
])
def test_a_site_that_does_not_say_it_is_on_is_off_until_enabled(
        tmp_path, monkeypatch, config, enabled):
    monkeypatch.setattr(NetEase, "enabled_by_default", False)
    assert load_text(tmp_path, config).sites["netease"].enabled is enabled


def test_the_readme_shows_every_default_list():
    readme = (ROOT / "README.md").read_text("utf-8").splitlines()
    for site, package in PACKAGES.items():
        for lst in package.LISTS:
            rows = [row for row in readme if row.startswith(f"| {site} | {lst.name}")]
            assert rows, (site, lst.name)
            assert f"`{lst.kind}`" in rows[0] and f"`{lst.url}`" in rows[0], rows[0]


def test_site_defaults_cannot_be_changed_in_place():
    with pytest.raises(TypeError):
        kr36_defaults.SETTINGS["min_interval"] = 0.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        kr36_defaults.LISTS[0].url = "https://example.com/"  # type: ignore[misc]
