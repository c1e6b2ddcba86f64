"""``docker volume ls`` output: docker/cli's volume formatter over ``GET /volumes``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.render.formatter import RAW_FORMAT_KEY, TABLE_FORMAT_KEY, render_list
from dshell.render.listing import joined_labels, marshal_fields, natural_less_key
from dshell.render.units import human_size

__all__ = ["VOLUME_HEADER", "VolumeContext", "render_volumes", "volume_format"]

DEFAULT_VOLUME_TABLE_FORMAT = "table {{.Driver}}\t{{.Name}}"
DEFAULT_VOLUME_QUIET_FORMAT = "{{.Name}}"

VOLUME_HEADER = {
    "ID": "ID",
    "Name": "VOLUME NAME",
    "Group": "GROUP",
    "Driver": "DRIVER",
    "Scope": "SCOPE",
    "Availability": "AVAILABILITY",
    "Mountpoint": "MOUNTPOINT",
    "Labels": "LABELS",
    "Links": "LINKS",
    "Size": "SIZE",
    "Status": "STATUS",
}
_JSON_FIELDS = [name for name in VOLUME_HEADER if name != "ID"]


def volume_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``volumesFormat`` (not with ``-q``), else table."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_VOLUME_QUIET_FORMAT if quiet else DEFAULT_VOLUME_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        return "name: {{.Name}}" if quiet else "name: {{.Name}}\ndriver: {{.Driver}}\n"
    return source


def render_volumes(volumes: list[dict], fmt: str, header: Mapping[str, str] = VOLUME_HEADER,
                   type_name: str = "*formatter.volumeContext") -> str:
    """The volumes sorted naturally by name and rendered with ``fmt``."""
    ordered = sorted(volumes, key=lambda v: natural_less_key(v.get("Name") or ""))
    contexts = [VolumeContext(volume, type_name) for volume in ordered]
    return render_list(fmt, contexts, header)


class VolumeContext:
    """One volume as ``docker volume ls --format`` (and ``system df -v``) sees it."""

    def __init__(self, volume: Mapping[str, Any],
                 type_name: str = "*formatter.volumeContext") -> None:
        self._v = volume
        self.go_type_name = type_name

    def Name(self) -> str:
        return self._v.get("Name") or ""

    def Driver(self) -> str:
        return self._v.get("Driver") or ""

    def Scope(self) -> str:
        return self._v.get("Scope") or ""

    def Mountpoint(self) -> str:
        return self._v.get("Mountpoint") or ""

    def Labels(self) -> str:
        return joined_labels(self._v.get("Labels"))

    def Label(self, name: str) -> str:
        return (self._v.get("Labels") or {}).get(name, "")

    def Links(self) -> str:
        usage = self._v.get("UsageData")
        return "N/A" if usage is None else str(usage.get("RefCount", 0))

    def Size(self) -> str:
        usage = self._v.get("UsageData")
        return "N/A" if usage is None else human_size(usage.get("Size", 0))

    def _cluster(self, getter) -> str:  # noqa: ANN001
        cluster = self._v.get("ClusterVolume")
        return "N/A" if cluster is None else getter(cluster)

    def Group(self) -> str:
        return self._cluster(lambda c: (c.get("Spec") or {}).get("Group", ""))

    def Availability(self) -> str:
        return self._cluster(lambda c: (c.get("Spec") or {}).get("Availability", ""))

    def Status(self) -> str:
        def status(cluster: Mapping[str, Any]) -> str:
            if not (cluster.get("Info") or {}).get("VolumeID"):
                return "pending creation"
            published = len(cluster.get("PublishStatus") or [])
            if published == 0:
                return "created"
            return "in use (1 node)" if published == 1 else f"in use ({published} nodes)"

        return self._cluster(status)

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, _JSON_FIELDS)
