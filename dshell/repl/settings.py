"""The REPL's own settings: a TOML file in the XDG config dir, written with commented defaults
on first run so that users find every knob in one place."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

DEFAULT_CONFIG = """\
# dshell interactive settings. Uncomment a line to change it.
[repl]
# Vi key bindings instead of Emacs ones (F4 switches while typing).
# vi = false
# Match completions by subsequence ("cntr" finds "container"), not only by prefix.
# fuzzy = false
# Pygments style for highlighting and menus, e.g. "default", "monokai", "solarized-dark".
# theme = "default"
# Show the bottom toolbar (endpoint, engine version, containers, key hints).
# toolbar = true
# How many lines of history to keep.
# history_size = 10000
# Send output longer than the screen through $PAGER (default "less -R").
# pager = false

# Aliases, as with the alias command: the first word of a command is replaced by the text.
[aliases]
# ll = "ps -a"
# web = "ps --filter name=web"
"""


@dataclass(frozen=True)
class Settings:
    vi: bool = False
    fuzzy: bool = False
    theme: str = "default"
    toolbar: bool = True
    history_size: int = 10000
    pager: bool = False
    aliases: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class SettingsError(Exception):
    """The config file cannot be read; the REPL warns and uses the defaults."""


def config_home(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "dshell"


def state_home(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "dshell"


def parse_toml(text: str) -> dict:
    """TOML with ``tomllib`` (3.11+) or ``tomli`` when installed; otherwise the subset the
    settings file needs: ``[tables]`` and ``key = bool | int | "string"`` lines."""
    try:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - 3.10 only
            import tomli as tomllib  # type: ignore[no-redef]
    except ImportError:  # pragma: no cover - 3.10 without tomli
        return _parse_simple_toml(text)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(str(exc)) from exc


_LINE = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*(true|false|-?\d+|"(?:[^"\\]|\\.)*")\s*(#.*)?\Z')


def _parse_simple_toml(text: str) -> dict:
    data: dict = {}
    table = data
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            table = data.setdefault(line[1:-1].strip(), {})
            continue
        found = _LINE.match(line)
        if not found:
            raise SettingsError(f"line {number}: cannot parse {raw.strip()!r}")
        key, value = found.group(1), found.group(2)
        if value in ("true", "false"):
            table[key] = value == "true"
        elif value.startswith('"'):
            table[key] = value[1:-1].encode().decode("unicode_escape")
        else:
            table[key] = int(value)
    return data


def settings_from(data: dict) -> Settings:
    section = data.get("repl", {})
    if not isinstance(section, dict):
        raise SettingsError("[repl] must be a table")
    values: dict = {"aliases": _aliases(data.get("aliases", {}))}
    for spec in fields(Settings):
        if spec.name == "aliases":
            continue
        if spec.name in section:
            value = section[spec.name]
            if type(value) is not type(spec.default):
                raise SettingsError(
                    f"repl.{spec.name}: expected {type(spec.default).__name__}, got {value!r}")
            values[spec.name] = value
    return Settings(**values)


def _aliases(table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        raise SettingsError("[aliases] must be a table")
    for name, value in table.items():
        if not isinstance(value, str):
            raise SettingsError(f"aliases.{name}: expected str, got {value!r}")
    return dict(table)


def load_settings(directory: Path | None = None) -> tuple[Settings, str | None]:
    """The settings and a warning to show (None when all is well). Writes the commented
    defaults when the file does not exist yet."""
    path = (directory or config_home()) / "config.toml"
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DEFAULT_CONFIG, encoding="utf-8")
            return Settings(), None
        return settings_from(parse_toml(path.read_text(encoding="utf-8"))), None
    except (OSError, SettingsError) as exc:
        return Settings(), f"WARNING: ignoring {path}: {exc}"
