"""``docker system df`` output over ``GET /system/df``: the summary table (one row per kind:
images, containers, local volumes, build cache) and the verbose per-object tables."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dshell.render import gojson, gotemplate
from dshell.render.containers import CONTAINER_HEADER, RAW_CONTAINER_FORMAT, ContainerContext
from dshell.render.formatter import (
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    FormatError,
    human_age,
    is_table,
    prepare_format,
    render_list,
    truncate_id,
)
from dshell.render.images import (
    IMAGE_HEADER,
    RAW_IMAGE_FORMAT_WITH_DIGEST,
    ImageContext,
    _is_dangling,
    parse_normalized_reference,
)
from dshell.render.listing import go_time_text, marshal_fields
from dshell.render.units import human_size, human_size_with_precision
from dshell.render.volumes import VOLUME_HEADER, VolumeContext

__all__ = ["render_disk_usage"]

SUMMARY_TABLE = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
SUMMARY_RAW = ("type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\n"
               "size: {{.Size}}\nreclaimable: {{.Reclaimable}}\n")
SUMMARY_HEADER = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
                  "Reclaimable": "RECLAIMABLE"}
IMAGES_TABLE = ("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t"
                "{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}")
CONTAINERS_TABLE = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t"
                    "{{.RunningFor}}\t{{.Status}}\t{{.Names}}")
VOLUMES_TABLE = "table {{.Name}}\t{{.Links}}\t{{.Size}}"
BUILD_CACHE_TABLE = ("table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t"
                     "{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}")
VERBOSE_RAW = (
    "{{range .Images}}type: Image\n" + RAW_IMAGE_FORMAT_WITH_DIGEST + "\n{{end -}}\n"
    "{{range .Containers}}type: Container\n" + RAW_CONTAINER_FORMAT + "size: {{.Size}}\n"
    "\n{{end -}}\n"
    "{{range .Volumes}}type: Volume\nname: {{.Name}}\ndriver: {{.Driver}}\n\n{{end -}}\n"
    "{{range .BuildCache}}type: Build Cache\nbuild_cache_id: {{.ID}}\nparent_id: {{.Parent}}\n"
    "build_cache_type: {{.CacheType}}\ndescription: {{.Description}}\n"
    "created_at: {{.CreatedAt}}\ncreated_since: {{.CreatedSince}}\n"
    "last_used_at: {{.LastUsedAt}}\nlast_used_since: {{.LastUsedSince}}\n"
    "usage_count: {{.UsageCount}}\nin_use: {{.InUse}}\nshared: {{.Shared}}\n\n{{end -}}"
)
BUILD_CACHE_HEADER = {
    "ID": "CACHE ID", "CacheType": "CACHE TYPE", "Size": "SIZE", "CreatedSince": "CREATED",
    "LastUsedSince": "LAST USED", "UsageCount": "USAGE", "Shared": "SHARED",
    "Description": "DESCRIPTION", "Parent": "PARENT",
}  # fmt: skip


def _with_percent(amount: int, total: int) -> str:
    if total > 0:
        return f"{human_size(amount)} ({amount * 100 // total}%)"
    return human_size(amount)


class _Summary:
    """One row of the summary table (docker's diskUsage*Context types)."""

    def __init__(self, kind: str, go_name: str, total: int, active: int, size: int,
                 reclaimable: str) -> None:
        self._values = (kind, str(total), str(active), human_size(size), reclaimable)
        self.go_type_name = f"*formatter.{go_name}"

    def Type(self) -> str:
        return self._values[0]

    def TotalCount(self) -> str:
        return self._values[1]

    def Active(self) -> str:
        return self._values[2]

    def Size(self) -> str:
        return self._values[3]

    def Reclaimable(self) -> str:
        return self._values[4]

    def marshal_json(self) -> gojson.RawJSON:
        return marshal_fields(self, list(SUMMARY_HEADER))


def _container_active(container: Mapping[str, Any]) -> bool:
    state = container.get("State") or ""
    return any(word in state for word in ("running", "paused", "restarting"))


def summary_rows(usage: Mapping[str, Any]) -> list[_Summary]:
    images = usage.get("Images") or []
    containers = usage.get("Containers") or []
    volumes = usage.get("Volumes") or []
    cache = usage.get("BuildCache") or []
    layers = int(usage.get("LayersSize") or 0)
    used = 0
    for image in images:
        if image.get("Containers", 0) != 0:
            size, shared = image.get("Size", -1), image.get("SharedSize", -1)
            if size != -1 and shared != -1:
                used += size - shared
    container_size = sum(int(c.get("SizeRw") or 0) for c in containers)
    container_free = sum(int(c.get("SizeRw") or 0) for c in containers
                         if not _container_active(c))
    volume_sizes = [(v.get("UsageData") or {}) for v in volumes]
    volume_size = sum(u.get("Size", 0) for u in volume_sizes if u.get("Size", -1) != -1)
    volume_free = sum(u.get("Size", 0) for u in volume_sizes
                      if u.get("Size", -1) != -1 and u.get("RefCount", 0) == 0)
    return [
        _Summary("Images", "diskUsageImagesContext", len(images),
                 sum(1 for i in images if (i.get("Containers") or 0) > 0), layers,
                 _with_percent(layers - used, layers)),
        _Summary("Containers", "diskUsageContainersContext", len(containers),
                 sum(1 for c in containers if _container_active(c)), container_size,
                 _with_percent(container_free, container_size)),
        _Summary("Local Volumes", "diskUsageVolumesContext", len(volumes),
                 sum(1 for u in volume_sizes if u.get("RefCount", 0) > 0), volume_size,
                 _with_percent(volume_free, volume_size)),
        _Summary("Build Cache", "diskUsageBuilderContext", len(cache),
                 sum(1 for b in cache if b.get("InUse")),
                 sum(int(b.get("Size") or 0) for b in cache if not b.get("Shared")),
                 human_size(sum(int(b.get("Size") or 0) for b in cache
                                if not b.get("InUse") and not b.get("Shared")))),
    ]


class BuildCacheContext:
    go_type_name = "*formatter.buildCacheContext"

    def __init__(self, record: Mapping[str, Any], trunc: bool) -> None:
        self._b = record
        self._trunc = trunc

    def ID(self) -> str:
        ident = self._b.get("ID") or ""
        if self._trunc:
            ident = truncate_id(ident)
        return ident + ("*" if self._b.get("InUse") else "")

    def Parent(self) -> str:
        parents = self._b.get("Parents") or ([self._b["Parent"]] if self._b.get("Parent")
                                             else [])
        text = ", ".join(parents)
        return truncate_id(text) if self._trunc else text

    def CacheType(self) -> str:
        return self._b.get("Type") or ""

    def Description(self) -> str:
        return self._b.get("Description") or ""

    def Size(self) -> str:
        # docker's buildCacheContext: three significant digits ("10.1kB"), not HumanSize's four
        return human_size_with_precision(int(self._b.get("Size") or 0), 3)

    def CreatedSince(self) -> str:
        return _since(self._b.get("CreatedAt"))

    def CreatedAt(self) -> str:
        return go_time_text(self._b.get("CreatedAt") or "")

    def LastUsedAt(self) -> str:
        return go_time_text(self._b.get("LastUsedAt") or "") if self._b.get("LastUsedAt") else ""

    def LastUsedSince(self) -> str:
        return _since(self._b.get("LastUsedAt"))

    def UsageCount(self) -> str:
        return str(self._b.get("UsageCount") or 0)

    def InUse(self) -> str:
        return "true" if self._b.get("InUse") else "false"

    def Shared(self) -> str:
        return "true" if self._b.get("Shared") else "false"

    def marshal_json(self) -> gojson.RawJSON:
        return marshal_fields(self, ["CacheType", "CreatedAt", "CreatedSince", "Description",
                                     "ID", "InUse", "LastUsedAt", "LastUsedSince", "Parent",
                                     "Shared", "Size", "UsageCount"])


def _since(stamp: str | None) -> str:
    """"3 minutes ago" for an RFC 3339 timestamp (nanoseconds cut to what Python keeps)."""
    when = _instant(stamp or "")
    if when is None:
        return ""
    seconds, nanoseconds = when
    return human_age(seconds + nanoseconds // 1000 / 1e6)  # its fraction counts, as Go's Sub


class _Verbose:
    """docker's ``diskUsageContext``: what a custom ``-v --format`` template sees."""

    go_type_name = "*formatter.diskUsageContext"

    def __init__(self, images: list, containers: list, volumes: list, cache: list) -> None:
        self._lists = (images, containers, volumes, cache)

    def Images(self) -> list:
        return self._lists[0]

    def Containers(self) -> list:
        return self._lists[1]

    def Volumes(self) -> list:
        return self._lists[2]

    def BuildCache(self) -> list:
        return self._lists[3]

    def marshal_json(self) -> gojson.RawJSON:
        names = ("Images", "Containers", "Volumes", "BuildCache")
        return gojson.RawJSON("{" + ",".join(
            f'"{name}":{gojson.dumps(items, escape_html=True)}'
            for name, items in zip(names, self._lists, strict=True)) + "}")


def _verbose_contexts(usage: Mapping[str, Any], trunc: bool) -> _Verbose:
    images = []
    for image in usage.get("Images") or []:
        repo = tag = "<none>"
        tags = image.get("RepoTags") or []
        if tags and not _is_dangling(image):
            ref = parse_normalized_reference(tags[0])
            if ref is None:
                continue
            if ref.tag:
                repo, tag = ref.familiar_name, ref.tag
        images.append(ImageContext(image, repo, tag, "", trunc=trunc))
    containers = [ContainerContext({**c, "SizeRootFs": 0}, trunc=trunc)
                  for c in usage.get("Containers") or []]
    volumes = [VolumeContext(v) for v in usage.get("Volumes") or []]
    cache = sorted(usage.get("BuildCache") or [], key=_build_cache_order)
    return _Verbose(images, containers, volumes,
                    [BuildCacheContext(b, trunc) for b in cache])


def _build_cache_order(record: Mapping[str, Any]) -> tuple:
    """docker's buildCacheSort: least recently used first (never used before all), then ID."""
    used = record.get("LastUsedAt")
    when = _instant(used) if isinstance(used, str) else None
    return (when is not None, when or (0, 0), str(record.get("ID") or ""))


def _instant(text: str) -> tuple[int, int] | None:
    """An RFC 3339 time as (seconds since the epoch, nanoseconds); None if it is not one."""
    from datetime import datetime

    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
    if match is None:
        return None
    base, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(base + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None
    return int(moment.timestamp()), int((fraction or "0").ljust(9, "0")[:9])


def render_disk_usage(usage: Mapping[str, Any], fmt: str | None, verbose: bool) -> str:
    """The whole ``system df`` output for the daemon's answer; raises FormatError."""
    source = fmt or TABLE_FORMAT_KEY
    if not verbose:
        if source == TABLE_FORMAT_KEY:
            source = SUMMARY_TABLE
        elif source == RAW_FORMAT_KEY:
            source = SUMMARY_RAW
        return render_list(source, summary_rows(usage), SUMMARY_HEADER)
    contexts = _verbose_contexts(usage, trunc=is_table(source))
    if source == TABLE_FORMAT_KEY:
        # docker's BuilderSize: what the records not shared with others take
        cache_total = sum(int(b.get("Size") or 0) for b in usage.get("BuildCache") or []
                          if not b.get("Shared"))  # fmt: skip
        return "".join((
            "Images space usage:\n\n",
            render_list(IMAGES_TABLE, contexts.Images(), IMAGE_HEADER),
            "\nContainers space usage:\n\n",
            render_list(CONTAINERS_TABLE, contexts.Containers(), CONTAINER_HEADER),
            "\nLocal Volumes space usage:\n\n",
            render_list(VOLUMES_TABLE, contexts.Volumes(), VOLUME_HEADER),
            f"\nBuild cache usage: {human_size(cache_total)}\n\n",
            render_list(BUILD_CACHE_TABLE, contexts.BuildCache(), BUILD_CACHE_HEADER),
        ))
    if source == RAW_FORMAT_KEY:
        source = VERBOSE_RAW
    try:
        template = gotemplate.parse(prepare_format(source))
        return template.execute(contexts)
    except gotemplate.TemplateError as err:
        raise FormatError(str(err)) from None
