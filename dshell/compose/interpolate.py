"""``${VAR}`` substitution as docker/cli's cli/compose/template: ``$VAR``, ``${VAR}``,
``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?err}``, ``${VAR?err}``, ``$$``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dshell.compose import ComposeError

_PATTERN = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)"
    r"|\{(?P<braced>[_a-z][_a-z0-9]*(?::?[-?][^}]*)?)\}|(?P<invalid>))",
    re.IGNORECASE,
)


class TemplateError(Exception):
    """What docker quotes in "invalid interpolation format for PATH: …"."""


def substitute(template: str, env: Mapping[str, str]) -> str:
    """One string with its variables replaced from ``env``."""

    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("named")
        if name is not None:
            return env.get(name, "")
        braced = match.group("braced")
        if braced is None:
            raise TemplateError(template)
        for separator in (":?", "?", ":-", "-"):
            if separator in braced:
                name, _, rest = braced.partition(separator)
                value = env.get(name)
                empty = value is None or (separator.startswith(":") and value == "")
                if separator.endswith("?"):
                    if empty:
                        raise TemplateError(f"required variable {name} is missing a value: {rest}")
                    return value or ""
                return rest if empty else value or ""
        return env.get(braced, "")

    return _PATTERN.sub(replace, template)


def interpolate(section: Any, path: str, env: Mapping[str, str]) -> Any:
    """Every string under ``section`` substituted; an error names the dotted path."""
    from dshell.render.formatter import go_quote

    if isinstance(section, dict):
        return {
            key: interpolate(value, f"{path}.{key}" if path else str(key), env)
            for key, value in section.items()
        }
    if isinstance(section, list):
        return [interpolate(value, path, env) for value in section]
    if isinstance(section, str):
        try:
            return substitute(section, env)
        except TemplateError as exc:
            raise ComposeError(
                f"invalid interpolation format for {path}: {go_quote(str(exc))}; "
                "you may need to escape any $ with another $"
            ) from None
    return section
