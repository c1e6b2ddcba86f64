"""`docker version`: the versionInfo structure and docker's default template.

docker/cli builds a `versionInfo{Client, Server}` Go struct and executes a Go template over it
(its default output is itself a template, written through a tabwriter). Templates see Go field
names (`{{.Client.APIVersion}}`) while `{{json .}}` sees the JSON tags (`"ApiVersion"`), in struct
order and with `omitempty` applied, so the data is modelled as `GoStruct` values that know both.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

import dshell
from dshell.render import gotemplate
from dshell.render.gotemplate import TemplateError
from dshell.render.tabwriter import TabWriter

_DEFAULT_TEMPLATE = """{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:\t{{.Version}}
 API version:\t{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} \
(downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:\t{{.GoVersion}}
 Git commit:\t{{.GitCommit}}
 Built:\t{{.BuildTime}}
 OS/Arch:\t{{.Os}}/{{.Arch}}
 Context:\t{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:\t{{.Version}}
  API version:\t{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:\t{{index .Details "GoVersion"}}
  Git commit:\t{{index .Details "GitCommit"}}
  Built:\t{{index .Details "BuildTime"}}
  OS/Arch:\t{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:\t{{index .Details "Experimental"}}
  {{- else }}
  Version:\t{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:\t{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}"""

# What dshell reports where docker reports its own build: there is no git commit or build time
# baked into a Python package.
UNKNOWN_BUILD = "-"


# --- Go struct values --------------------------------------------------------------------------


class Field(NamedTuple):
    """One Go struct field: Go name (templates), JSON name (None for `json:"-"`), value."""

    go_name: str
    json_name: str | None
    value: Any
    omitempty: bool = False
    embedded: bool = False


class GoStruct:
    """A Go struct value: attributes by Go field name, JSON by tag name in declaration order.

    Fields of an embedded struct are promoted, for lookup and for JSON, as Go does.
    """

    __slots__ = ("go_type_name", "fields")

    def __init__(self, go_type_name: str, fields: Iterable[Field]) -> None:
        self.go_type_name = go_type_name
        self.fields = tuple(fields)

    def _lookup(self, name: str) -> Iterator[Any]:
        for field in self.fields:
            if field.go_name == name:
                yield field.value
        for field in self.fields:
            if field.embedded and isinstance(field.value, GoStruct):
                yield from field.value._lookup(name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        for value in self._lookup(name):
            return value
        raise AttributeError(f"can't evaluate field {name} in type {self.go_type_name}")

    def __repr__(self) -> str:
        inner = ", ".join(f"{f.go_name}={f.value!r}" for f in self.fields)
        return f"{self.go_type_name}({inner})"

    def go_fields(self) -> Iterator[tuple[str, Any]]:
        """The fields as fmt's %v prints a struct: in declaration order, embedded ones whole."""
        for field in self.fields:
            yield field.go_name, field.value

    def marshal_json(self) -> dict[str, Any]:
        """The object encoding/json writes (gojson calls this, as Go calls MarshalJSON)."""
        return dict(self.json_items())

    def json_items(self) -> Iterator[tuple[str, Any]]:
        """(JSON name, value) pairs as encoding/json emits them."""
        for field in self.fields:
            if field.json_name is None:
                continue
            if field.embedded:
                if field.value is not None:
                    yield from field.value.json_items()
                continue
            if field.omitempty and _is_empty(field.value):
                continue
            yield field.json_name, field.value


def _is_empty(value: Any) -> bool:
    """Go's omitempty test; a struct value (GoStruct) is never empty."""
    if isinstance(value, GoStruct):
        return False
    return value is None or value is False or value == 0 or value in ("", [], {})


def sorted_map(value: dict | None) -> dict | None:
    """A Go map as encoding/json writes it: keys sorted."""
    if value is None:
        return None
    return {key: value[key] for key in sorted(value)}


# --- the versionInfo structure -------------------------------------------------------------------

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\Z"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reformat_date(build_time: str) -> str:
    """RFC 3339 → Go's time.ANSIC in the time's own offset; anything else unchanged."""
    match = _RFC3339.match(build_time)
    if not match:
        return build_time
    try:
        when = datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return build_time
    return (
        f"{_WEEKDAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when.day:2d} "
        f"{when:%H:%M:%S} {when.year}"
    )


_GOARCH = {
    "x86_64": "amd64",
    "amd64": "amd64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "i386": "386",
    "i686": "386",
    "armv6l": "arm",
    "armv7l": "arm",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}
_GOOS = {"win32": "windows", "cygwin": "windows"}


@functools.cache
def go_platform() -> tuple[str, str]:
    """This machine as Go names it (GOOS, GOARCH): ("linux", "amd64"); asked once."""
    goos = _GOOS.get(sys.platform, sys.platform.rstrip("0123456789"))
    machine = os.uname().machine.lower()  # platform.machine(), without importing platform
    return goos, _GOARCH.get(machine, machine)


def client_version_fields(
    *, api_version: str, default_api_version: str, context: str
) -> list[Field]:
    """docker's clientVersion fields, describing dshell instead of the docker CLI."""
    goos, goarch = go_platform()
    return [
        Field("Platform", "Platform", None, omitempty=True),
        Field("Version", "Version", dshell.__version__, omitempty=True),
        Field("APIVersion", "ApiVersion", api_version, omitempty=True),
        Field("DefaultAPIVersion", "DefaultAPIVersion", default_api_version, omitempty=True),
        Field("GitCommit", "GitCommit", UNKNOWN_BUILD, omitempty=True),
        Field("GoVersion", "GoVersion", "python" + sys.version.split()[0], omitempty=True),
        Field("Os", "Os", goos, omitempty=True),
        Field("Arch", "Arch", goarch, omitempty=True),
        Field("BuildTime", "BuildTime", UNKNOWN_BUILD, omitempty=True),
        Field("Context", "Context", context),
    ]


def _component(raw: dict) -> GoStruct:
    details = raw.get("Details")
    return GoStruct(
        "types.ComponentVersion",
        [
            Field("Name", "Name", raw.get("Name") or ""),
            Field("Version", "Version", raw.get("Version") or ""),
            Field("Details", "Details", sorted_map(details), omitempty=True),
        ],
    )


def _engine_component(server: dict) -> dict:
    """The Engine component docker synthesises for daemons that list no components."""
    return {
        "Name": "Engine",
        "Version": server.get("Version") or "",
        "Details": {
            "ApiVersion": server.get("ApiVersion") or "",
            "MinAPIVersion": server.get("MinAPIVersion") or "",
            "GitCommit": server.get("GitCommit") or "",
            "GoVersion": server.get("GoVersion") or "",
            "Os": server.get("Os") or "",
            "Arch": server.get("Arch") or "",
            "BuildTime": reformat_date(server.get("BuildTime") or ""),
            "Experimental": "true" if server.get("Experimental") else "false",
        },
    }


def server_version(server: dict) -> GoStruct:
    """The daemon's /version answer as docker's *types.Version, Engine build time reformatted."""
    components = []
    for raw in server.get("Components") or []:
        if raw.get("Name") == "Engine" and "BuildTime" in (raw.get("Details") or {}):
            details = dict(raw["Details"])
            details["BuildTime"] = reformat_date(details["BuildTime"])
            raw = {**raw, "Details": details}
        components.append(raw)
    if not any(raw.get("Name") == "Engine" for raw in components):
        components.append(_engine_component(server))
    raw_platform = server.get("Platform") or {}

    def text(name: str, json_name: str | None = None, omitempty: bool = False) -> Field:
        json_name = json_name or name
        return Field(name, json_name, server.get(json_name) or "", omitempty)

    return GoStruct(
        "*types.Version",
        [
            Field("Platform", "Platform", GoStruct(
                "struct { Name string }", [Field("Name", "Name", raw_platform.get("Name") or "")]
            )),
            Field("Components", "Components", [_component(raw) for raw in components], True),
            text("Version"),
            text("APIVersion", "ApiVersion"),
            text("MinAPIVersion", omitempty=True),
            text("GitCommit"),
            text("GoVersion"),
            text("Os"),
            text("Arch"),
            text("KernelVersion", omitempty=True),
            Field("Experimental", "Experimental", server.get("Experimental") is True, True),
            text("BuildTime", omitempty=True),
        ],
    )


def version_data(
    server: dict | None, *, api_version: str, default_api_version: str, context: str
) -> GoStruct:
    """docker's versionInfo{Client, Server} for dshell and the daemon's /version answer.

    `server` is None when the daemon could not be reached (docker then prints the client part).
    """
    client = GoStruct(
        "system.clientVersion",
        client_version_fields(
            api_version=api_version, default_api_version=default_api_version, context=context
        ),
    )
    return GoStruct(
        "system.versionInfo",
        [
            Field("Client", "Client", client),
            Field("Server", "Server", None if server is None else server_version(server)),
        ],
    )


def _details_order(component: GoStruct) -> list[str]:
    return sorted(component.Details or {})


def run_template(
    text: str, data: Any, finish: Callable[[str], str], *, funcs: dict | None = None, name: str = ""
) -> str:
    """Parse and execute a --format template as docker's version and info commands do.

    `finish` turns the template's output into stdout (docker adds "\n", and version aligns
    tabs). A TemplateError carries `exit_status` (64: the template did not parse, its message
    then starts "template parsing error: "; 1: it failed while running) and `output`, the
    stdout docker still prints before the error.
    """
    try:
        template = gotemplate.parse(text, funcs, name=name)
    except TemplateError as err:
        failure = TemplateError(f"template parsing error: {err}")
        failure.exit_status = 64
        raise failure from None
    try:
        return finish(template.execute(data))
    except TemplateError as err:
        err.output = finish(err.output)
        err.exit_status = 1
        raise


def _tab_aligned(text: str) -> str:
    writer = TabWriter(minwidth=20, padding=1)
    writer.write(text + "\n")
    return writer.flush()


def render_version(data: GoStruct, fmt: str | None) -> str:
    """stdout of `docker version [--format fmt]`: the template's output, tab-aligned, plus "\\n".

    Raises TemplateError with `exit_status` and `output` (see `run_template`).
    """
    if not fmt:
        text = default_output(data)
        if text is not None:
            return _tab_aligned(text)
    text = _DEFAULT_TEMPLATE if not fmt else ("{{json .}}" if fmt == "json" else fmt)
    return run_template(text, data, _tab_aligned, funcs=_VERSION_FUNCS, name="version")


_ENGINE_DETAILS = ("ApiVersion", "MinAPIVersion", "GoVersion", "GitCommit", "BuildTime", "Os",
                   "Arch", "Experimental")  # fmt: skip


def default_output(data: GoStruct) -> str | None:
    """What ``_DEFAULT_TEMPLATE`` prints for ``data``, written out directly, so that a plain
    ``version`` does not load the template engine (its import and the parse of this template
    were a fifth of a cold start). None when a value is not a string (or an Engine detail is
    missing): those go through the template, which prints them as Go does.
    tests/unit/test_version_default.py checks both ways agree."""
    client, server = data.Client, data.Server
    values = [client.Version, client.APIVersion, client.DefaultAPIVersion, client.GoVersion,
              client.GitCommit, client.BuildTime, client.Os, client.Arch, client.Context]
    if client.Platform is not None or not all(type(v) is str for v in values):
        return None
    version, api, default_api, go, commit, built, goos, arch, context = values
    downgraded = f" (downgraded from {default_api})" if api != default_api else ""
    parts = [f"Client:\n Version:\t{version}\n API version:\t{api}{downgraded}\n Go version:\t{go}"
             f"\n Git commit:\t{commit}\n Built:\t{built}\n OS/Arch:\t{goos}/{arch}"
             f"\n Context:\t{context}"]
    if server is None:
        return parts[0]
    platform = server.Platform
    name = platform.Name if isinstance(platform, GoStruct) else None
    components = server.Components
    if type(name) is not str or type(components) is not list:
        return None
    parts.append(f"\n\nServer: {name}" if name else "\n\nServer:")
    for component in components:
        if not isinstance(component, GoStruct):
            return None
        label, details = component.Name, component.Details
        if type(label) is not str or (details is not None and type(details) is not dict) or \
                not all(type(k) is str and type(v) is str for k, v in (details or {}).items()):
            return None
        if label == "Engine":
            if details is None or any(key not in details for key in _ENGINE_DETAILS) or \
                    type(component.Version) is not str:
                return None
            parts.append(
                f"\n Engine:\n  Version:\t{component.Version}"
                f"\n  API version:\t{details['ApiVersion']} (minimum version "
                f"{details['MinAPIVersion']})\n  Go version:\t{details['GoVersion']}"
                f"\n  Git commit:\t{details['GitCommit']}\n  Built:\t{details['BuildTime']}"
                f"\n  OS/Arch:\t{details['Os']}/{details['Arch']}"
                f"\n  Experimental:\t{details['Experimental']}")
            continue
        if type(component.Version) is not str:
            return None
        parts.append(f"\n {label}:\n  Version:\t{component.Version}")
        parts.extend(f"\n  {key}:\t{details[key]}" for key in _details_order(component))
    return "".join(parts)


#: One dict for every call, so the parsed template is reused (the parse cache keys on it).
_VERSION_FUNCS = {"getDetailsOrder": _details_order}


__all__ = [
    "Field",
    "GoStruct",
    "TemplateError",
    "render_version",
    "reformat_date",
    "run_template",
    "version_data",
]
