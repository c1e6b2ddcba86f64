"""``docker ps`` output: docker/cli's container formatter over the ``/containers/json`` answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dshell.render import gojson
from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    FormatError,
    ellipsis,
    go_quote,
    go_time_string,
    human_age,
    plain_row,
    render_list,
    truncate_id,
)
from dshell.render.images import parse_normalized_reference
from dshell.render.units import human_size_with_precision

__all__ = [
    "CONTAINER_HEADER",
    "IGNORED_FORMAT_WARNING",
    "ContainerContext",
    "container_format",
    "container_list_size",
    "displayable_ports",
    "render_containers",
]

DEFAULT_CONTAINER_TABLE_FORMAT = (
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
)
RAW_CONTAINER_FORMAT = """container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
"""

IGNORED_FORMAT_WARNING = (
    "WARNING: Ignoring custom format, because both --format and --quiet are set."
)

CONTAINER_HEADER = {
    "ID": "CONTAINER ID",
    "Names": "NAMES",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED",
    "Ports": "PORTS",
    "State": "STATE",
    "Status": "STATUS",
    "Size": "SIZE",
    "Labels": "LABELS",
    "Mounts": "MOUNTS",
    "LocalVolumes": "LOCAL VOLUMES",
    "Networks": "NETWORKS",
    "Platform": "PLATFORM",
}

# Fields of docker 28's ContainerContext that MarshalJSON emits (all but Label, which takes
# an argument).
_JSON_FIELDS = sorted(CONTAINER_HEADER)


def container_format(fmt: str | None, config_format: str | None, quiet: bool, size: bool) -> str:
    """The format ``docker ps`` renders with.

    ``fmt`` is ``--format``; without it config.json's ``psFormat`` applies.  ``-q`` wins over
    any format (docker prints :data:`IGNORED_FORMAT_WARNING` on stderr when ``--format`` was
    given too).  ``size`` is whether sizes were requested (see :func:`container_list_size`):
    it adds the SIZE column to the default table.
    """
    source = fmt or config_format or ""
    if source in (TABLE_FORMAT_KEY, ""):
        if quiet:
            return DEFAULT_QUIET_FORMAT
        return DEFAULT_CONTAINER_TABLE_FORMAT + ("\t{{.Size}}" if size else "")
    if source == RAW_FORMAT_KEY:
        if quiet:
            return "container_id: {{.ID}}"
        return RAW_CONTAINER_FORMAT + ("size: {{.Size}}\n" if size else "")
    return DEFAULT_QUIET_FORMAT if quiet else source


def container_list_size(
    fmt: str | None, config_format: str | None, quiet: bool, size: bool | None
) -> bool:
    """Whether ``docker ps`` asks the daemon for sizes (``size=1``), validating the format.

    ``size`` is the ``-s`` flag (``None`` when not given).  As docker, a format (from
    ``--format`` or ``psFormat``) is parsed and run once over an empty container before the
    API call; if it reads ``.Size`` (``{{json .}}`` does) sizes are requested unless ``-q``
    or an explicit ``--size=false``.  Raises :class:`FormatError` with docker's
    ``failed to parse template: …`` / ``failed to execute template: …``.
    """
    source = fmt or config_format or ""
    wanted = bool(size)
    if not source:
        return wanted
    probe = _probe_plain(source)
    if probe is None:
        from dshell.render import gotemplate  # not for plain formats (a cold start's cost)

        try:
            template = gotemplate.parse(source)
        except gotemplate.TemplateError as err:
            raise FormatError(f"failed to parse template: {err}") from None
        probe = ContainerContext({}, trunc=False)
        try:
            template.execute(probe)
        except gotemplate.TemplateError as err:
            raise FormatError(f"failed to execute template: {err}") from None
    if not quiet and not wanted and size is None and probe.size_used:
        wanted = True
    return wanted


def _probe_plain(source: str) -> ContainerContext | None:
    """The empty container after a plain format (text, fields, ``if``) ran over it without
    the template package, so its ``size_used`` says whether ``.Size`` was read; ``None`` for
    any other format or any failure, which the executor then reports as docker does."""
    row = plain_row(source, ContainerContext)
    if row is None:
        return None
    probe = ContainerContext({}, trunc=False)
    try:
        row(probe)
    except Exception:  # noqa: BLE001 - the executor says what Go says
        return None
    return probe


def render_containers(
    containers: list[dict], fmt: str, *, trunc: bool = True, now: float | None = None
) -> str:
    """Render the ``GET /containers/json`` answer with a format from :func:`container_format`.

    ``trunc`` is the opposite of ``--no-trunc``; ``now`` (Unix seconds) fixes the clock for
    the CREATED ages.  Raises :class:`FormatError` for a bad template.
    """
    contexts = [ContainerContext(c, trunc=trunc, now=now) for c in containers]
    return render_list(fmt, contexts, CONTAINER_HEADER)


class ContainerContext:
    """One container as ``docker ps --format`` sees it; methods are the template fields."""

    go_type_name = "*formatter.ContainerContext"

    def __init__(
        self, summary: Mapping[str, Any], *, trunc: bool = True, now: float | None = None
    ) -> None:
        self._c = summary
        self._trunc = trunc
        self._now = now
        self.size_used = False

    def _str(self, key: str) -> str:
        return self._c.get(key) or ""

    def _int(self, key: str) -> int:
        value = self._c.get(key)
        return int(value) if value is not None else 0

    def ID(self) -> str:
        ident = self._str("Id")
        return truncate_id(ident) if self._trunc else ident

    def Names(self) -> str:
        """Names without their "/"; truncated, only the first that is not a link alias."""
        names = [name.removeprefix("/") for name in self._c.get("Names") or []]
        if self._trunc:
            return next((name for name in names if "/" not in name), "")
        return ",".join(names)

    def Image(self) -> str:
        """The image as the user named it, familiar and without digest, or a short ID."""
        image = self._str("Image")
        if not image:
            return "<no image>"
        if not self._trunc:
            return image
        short_id = truncate_id(self._str("ImageID"))
        if short_id == truncate_id(image):
            return short_id
        ref = parse_normalized_reference(image)
        if ref is None:
            return image
        return ref.familiar_string(with_digest=False)

    def Command(self) -> str:
        command = self._str("Command")
        if self._trunc:
            command = ellipsis(command, 20)
        return go_quote(command)

    def CreatedAt(self) -> str:
        return go_time_string(self._int("Created"))

    def RunningFor(self) -> str:
        return human_age(self._int("Created"), self._now)

    def Ports(self) -> str:
        return displayable_ports(self._c.get("Ports") or [])

    def State(self) -> str:
        return self._str("State")

    def Status(self) -> str:
        return self._str("Status")

    def Size(self) -> str:
        """ "2B (virtual 21.5MB)"; only meaningful when sizes were requested from the daemon."""
        self.size_used = True
        size_rw = human_size_with_precision(self._int("SizeRw"), 3)
        root_fs = self._int("SizeRootFs")
        if root_fs > 0:
            return f"{size_rw} (virtual {human_size_with_precision(root_fs, 3)})"
        return size_rw

    def Labels(self) -> str:
        labels = self._c.get("Labels") or {}
        return ",".join(sorted(f"{key}={value}" for key, value in labels.items()))

    def Label(self, name: str) -> str:
        return (self._c.get("Labels") or {}).get(name, "")

    def Mounts(self) -> str:
        names = []
        for mount in self._c.get("Mounts") or []:
            name = mount.get("Name") or mount.get("Source") or ""
            names.append(ellipsis(name, 15) if self._trunc else name)
        return ",".join(names)

    def LocalVolumes(self) -> str:
        mounts = self._c.get("Mounts") or []
        return str(sum(1 for mount in mounts if mount.get("Driver") == "local"))

    def Networks(self) -> str:
        settings = self._c.get("NetworkSettings") or {}
        return ",".join(settings.get("Networks") or {})

    def Platform(self) -> _Platform:
        """Only daemons with API 1.46+ report it; a nil pointer (``<nil>``, JSON ``null``)
        otherwise."""
        descriptor = self._c.get("ImageManifestDescriptor") or {}
        return _Platform(descriptor.get("platform") or None)

    def marshal_json(self) -> gojson.RawJSON:
        """docker's ``MarshalJSON``: every field by name, keys sorted, ``<>&`` escaped."""
        fields = {name: getattr(self, name)() for name in _JSON_FIELDS}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


class _Platform:
    """docker's ``*Platform``: an OCI platform printed as "linux/amd64" (containerd's
    ``platforms.FormatAll``), or a nil pointer printed as ``<nil>``."""

    go_type_name = "*formatter.Platform"

    def __init__(self, fields: Mapping[str, Any] | None) -> None:
        self._fields = dict(fields) if fields else None

    def __str__(self) -> str:
        if self._fields is None:
            return "<nil>"
        parts = [self._fields.get(key) or "" for key in ("os", "architecture", "variant")]
        text = "/".join(part for part in parts if part) or "unknown"
        version = self._fields.get("os.version")
        return f"{text}({version})" if version else text

    def marshal_json(self) -> dict[str, Any] | None:
        return self._fields


def displayable_ports(ports: list[Mapping[str, Any]]) -> str:
    """docker's ``DisplayablePorts``: "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 443/udp".

    Ports published on the same number (or only exposed) are grouped into ranges per
    address and protocol; mappings to another host port are listed one by one, last.
    """
    ordered = sorted(
        ports,
        key=lambda p: (
            p.get("PrivatePort") or 0,
            p.get("IP") or "",
            p.get("PublicPort") or 0,
            p.get("Type") or "",
        ),
    )
    groups: dict[str, list[int]] = {}
    result: list[str] = []
    host_mappings: list[str] = []
    for port in ordered:
        private = port.get("PrivatePort") or 0
        public = port.get("PublicPort") or 0
        proto = port.get("Type") or ""
        ip = port.get("IP") or ""
        key = proto
        if ip:
            if public != private:
                host_mappings.append(f"{_join_host_port(ip, str(public))}->{private}/{proto}")
                continue
            key = f"{ip}/{proto}"
        group = groups.get(key)
        if group is None:
            groups[key] = [private, private]
        elif private == (group[1] + 1) & 0xFFFF:
            group[1] = private
        else:
            result.append(_form_group(key, *group))
            groups[key] = [private, private]
    result.extend(_form_group(key, first, last) for key, (first, last) in groups.items())
    return ", ".join(result + host_mappings)


def _form_group(key: str, first: int, last: int) -> str:
    parts = key.split("/")
    ip, proto = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
    group = str(first) if first == last else f"{first}-{last}"
    if ip:
        group = f"{_join_host_port(ip, group)}->{group}"
    return f"{group}/{proto}"


def _join_host_port(host: str, port: str) -> str:
    """Go's ``net.JoinHostPort``: IPv6 addresses in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
