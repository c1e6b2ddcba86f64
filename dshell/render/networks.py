"""``docker network ls`` output: docker/cli's network formatter over ``GET /networks``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    render_list,
    truncate_id,
)
from dshell.render.listing import go_time_text, joined_labels, marshal_fields, natural_less_key

__all__ = ["NETWORK_HEADER", "NetworkContext", "network_format", "render_networks"]

DEFAULT_NETWORK_TABLE_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
RAW_NETWORK_FORMAT = (
    "network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: {{.Scope}}\n"
)

NETWORK_HEADER = {
    "ID": "NETWORK ID",
    "Name": "NAME",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "IPv4": "IPV4",
    "IPv6": "IPV6",
    "Internal": "INTERNAL",
    "Labels": "LABELS",
    "CreatedAt": "CREATED AT",
}


def network_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``networksFormat`` (not with ``-q``), else table."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else DEFAULT_NETWORK_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        return "network_id: {{.ID}}" if quiet else RAW_NETWORK_FORMAT
    return source


def render_networks(networks: list[dict], fmt: str, *, trunc: bool = True) -> str:
    """The networks sorted by name (naturally, as docker) and rendered with ``fmt``."""
    ordered = sorted(networks, key=lambda n: natural_less_key(n.get("Name") or ""))
    return render_list(fmt, [NetworkContext(n, trunc) for n in ordered], NETWORK_HEADER)


class NetworkContext:
    """One network as ``docker network ls --format`` sees it."""

    go_type_name = "*network.networkContext"

    def __init__(self, network: Mapping[str, Any], trunc: bool = True) -> None:
        self._n = network
        self._trunc = trunc

    def ID(self) -> str:
        ident = self._n.get("Id") or ""
        return truncate_id(ident) if self._trunc else ident

    def Name(self) -> str:
        return self._n.get("Name") or ""

    def Driver(self) -> str:
        return self._n.get("Driver") or ""

    def Scope(self) -> str:
        return self._n.get("Scope") or ""

    def IPv4(self) -> str:
        return "true" if self._n.get("EnableIPv4") else "false"

    def IPv6(self) -> str:
        return "true" if self._n.get("EnableIPv6") else "false"

    def Internal(self) -> str:
        return "true" if self._n.get("Internal") else "false"

    def Labels(self) -> str:
        return joined_labels(self._n.get("Labels"))

    def Label(self, name: str) -> str:
        return (self._n.get("Labels") or {}).get(name, "")

    def CreatedAt(self) -> str:
        return go_time_text(self._n.get("Created") or "")

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, [name for name in NETWORK_HEADER])
