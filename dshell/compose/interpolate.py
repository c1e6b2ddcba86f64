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


_SERVICE_CASTS = {
    "configs.[].mode": "int",
    "secrets.[].mode": "int",
    "healthcheck.retries": "int",
    "healthcheck.disable": "bool",
    "deploy.replicas": "int",
    "deploy.update_config.parallelism": "int",
    "deploy.update_config.max_failure_ratio": "float",
    "deploy.rollback_config.parallelism": "int",
    "deploy.rollback_config.max_failure_ratio": "float",
    "deploy.restart_policy.max_attempts": "int",
    "deploy.placement.max_replicas_per_node": "int",
    "ports.[].target": "int",
    "ports.[].published": "int",
    "ulimits.*": "int",
    "ulimits.*.hard": "int",
    "ulimits.*.soft": "int",
    "privileged": "bool",
    "oom_score_adj": "int",
    "read_only": "bool",
    "stdin_open": "bool",
    "tty": "bool",
    "volumes.[].read_only": "bool",
    "volumes.[].volume.nocopy": "bool",
}
#: interpolateTypeCastMapping: where an interpolated string becomes a number or a boolean.
CASTS = {f"services.*.{path}": kind for path, kind in _SERVICE_CASTS.items()} | {
    f"{section}.*.{key}": "bool"
    for section, keys in (("networks", ("external", "internal", "attachable")),
                          ("volumes", ("external",)), ("secrets", ("external",)),
                          ("configs", ("external",)))
    for key in keys
}  # fmt: skip


def _cast_kind(path: tuple[str, ...]) -> str | None:
    for pattern, kind in CASTS.items():
        parts = pattern.split(".")
        if len(parts) == len(path) and all(p in ("*", q) for p, q in zip(parts, path, strict=True)):
            return kind
    return None


def _cast(value: str, kind: str) -> Any:
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        func = "Atoi" if kind == "int" else "ParseFloat"
        reason = f'strconv.{func}: parsing "{value}": invalid syntax'
        raise ComposeError(f"failed to cast to expected type: {reason}") from None
    lowered = value.lower()
    if lowered in ("y", "yes", "true", "on"):
        return True
    if lowered in ("n", "no", "false", "off"):
        return False
    raise ComposeError(f"failed to cast to expected type: invalid boolean: {value}")


def interpolate(section: Any, path: str, env: Mapping[str, str]) -> Any:
    """Every string under ``section`` substituted (and cast where docker casts it); an error
    names the dotted path."""
    return _walk(section, tuple(path.split(".")) if path else (), env)


def _walk(value: Any, path: tuple[str, ...], env: Mapping[str, str]) -> Any:
    from dshell.render.formatter import go_quote

    if isinstance(value, dict):
        return {key: _walk(item, (*path, str(key)), env) for key, item in value.items()}
    if isinstance(value, list):
        return [_walk(item, (*path, "[]"), env) for item in value]
    if not isinstance(value, str):
        return value
    try:
        text = substitute(value, env)
    except TemplateError as exc:
        raise ComposeError(
            f"invalid interpolation format for {'.'.join(path)}: {go_quote(str(exc))}; "
            "you may need to escape any $ with another $"
        ) from None
    kind = _cast_kind(path)
    if not kind or "$" not in value:
        return text  # a literal string is left for the schema check to refuse
    try:
        return _cast(text, kind)
    except ComposeError as exc:
        raise ComposeError(f"error while interpolating {'.'.join(path)}: {exc}") from None
