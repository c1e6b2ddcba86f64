"""``docker plugin ls`` output: docker/cli's plugin formatter over ``GET /plugins``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.render.formatter import (
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    ellipsis,
    render_list,
    truncate_id,
)
from dshell.render.listing import marshal_fields, natural_less_key

__all__ = ["PLUGIN_HEADER", "PluginContext", "plugin_format", "render_plugins"]

DEFAULT_PLUGIN_TABLE_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Description}}\t{{.Enabled}}"
DEFAULT_QUIET_FORMAT = "{{.ID}}"

PLUGIN_HEADER = {
    "ID": "ID",
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "Enabled": "ENABLED",
    "PluginReference": "IMAGE",
}
_JSON_FIELDS = list(PLUGIN_HEADER)


def plugin_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``pluginsFormat`` (not with ``-q``), else table; the
    ``table`` and ``raw`` keys as docker's plugin NewFormat expands them."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else DEFAULT_PLUGIN_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        if quiet:
            return "plugin_id: {{.ID}}"
        return "plugin_id: {{.ID}}\nname: {{.Name}}\ndescription: {{.Description}}\n" \
               "enabled: {{.Enabled}}\n"  # fmt: skip
    return source


def render_plugins(plugins: list[dict], fmt: str, trunc: bool) -> str:
    """The plugins sorted naturally by name (as docker's runList) and rendered with ``fmt``."""
    ordered = sorted(plugins, key=lambda p: natural_less_key(p.get("Name") or ""))
    return render_list(fmt, [PluginContext(p, trunc) for p in ordered], PLUGIN_HEADER)


class PluginContext:
    """One plugin as ``docker plugin ls --format`` sees it."""

    go_type_name = "*plugin.pluginContext"

    def __init__(self, plugin: Mapping[str, Any], trunc: bool) -> None:
        self._p = plugin
        self._trunc = trunc

    def ID(self) -> str:
        ident = str(self._p.get("Id") or "")
        return truncate_id(ident) if self._trunc else ident

    def Name(self) -> str:
        return str(self._p.get("Name") or "")

    def Description(self) -> str:
        config = self._p.get("Config") or {}
        text = str(config.get("Description") or "").replace("\n", "").replace("\r", "")
        return ellipsis(text, 45) if self._trunc else text

    def Enabled(self) -> bool:
        return bool(self._p.get("Enabled"))

    def PluginReference(self) -> str:
        return str(self._p.get("PluginReference") or "")

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, _JSON_FIELDS)
