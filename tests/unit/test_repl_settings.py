"""The TOML settings file: commented defaults on first run, values, mistakes."""

from __future__ import annotations

import pytest

from dshell.repl.settings import (
    DEFAULT_CONFIG,
    Settings,
    _parse_simple_toml,
    load_settings,
    parse_toml,
)


def test_first_run_writes_commented_defaults(tmp_path):
    settings, warning = load_settings(tmp_path)
    assert (settings, warning) == (Settings(), None)
    assert (tmp_path / "config.toml").read_text() == DEFAULT_CONFIG
    assert load_settings(tmp_path) == (Settings(), None)


def test_every_setting_is_documented_in_the_defaults():
    for name in Settings.__dataclass_fields__:
        if name != "aliases":
            assert f"# {name} = " in DEFAULT_CONFIG
    assert "\n[aliases]\n# ll = " in DEFAULT_CONFIG


def test_aliases_table_is_read(tmp_path):
    (tmp_path / "config.toml").write_text('[aliases]\nll = "ps -a"\npsg = "ps | grep"\n')
    settings, warning = load_settings(tmp_path)
    assert warning is None
    assert settings.aliases == {"ll": "ps -a", "psg": "ps | grep"}


def test_an_alias_that_is_not_text_warns(tmp_path):
    (tmp_path / "config.toml").write_text("[aliases]\nll = 3\n")
    settings, warning = load_settings(tmp_path)
    assert settings.aliases == {} and "aliases.ll: expected str" in warning


def test_values_are_read(tmp_path):
    (tmp_path / "config.toml").write_text(
        '[repl]\nvi = true\nfuzzy = true\ntheme = "monokai"\ntoolbar = false\n'
        "history_size = 50\npager = true  # long output\n")
    settings, warning = load_settings(tmp_path)
    assert warning is None
    assert settings == Settings(vi=True, fuzzy=True, theme="monokai", toolbar=False,
                                history_size=50, pager=True)


@pytest.mark.parametrize("text", ["[repl]\nvi = 1\n", "[repl\nvi = true\n", "repl = 3\n"])
def test_mistakes_warn_and_use_defaults(tmp_path, text):
    (tmp_path / "config.toml").write_text(text)
    settings, warning = load_settings(tmp_path)
    assert settings == Settings()
    assert warning.startswith("WARNING: ignoring ") and "config.toml" in warning


def test_fallback_parser_agrees_with_tomllib():
    text = DEFAULT_CONFIG.replace("# vi = false", "vi = true").replace(
        '# theme = "default"', 'theme = "solarized-dark"').replace("# history_size = 10000",
                                                                   "history_size = -1")
    assert _parse_simple_toml(text) == parse_toml(text)
    assert parse_toml(text)["repl"] == {"vi": True, "theme": "solarized-dark", "history_size": -1}
