"""docker's inspect machinery: fetch raw objects, print them indented, compact or templated."""

from __future__ import annotations

import json
from collections.abc import Callable

from dshell.engine.errors import EngineError

#: Fetches one object's raw JSON by reference; raises EngineError when it cannot.
RawGetter = Callable[[str], bytes]


class TemplateParseError(Exception):
    """The ``--format`` template does not parse: docker exits 64 for inspect."""


def make_inspector(fmt: str | None, kind: str = "") -> Inspector:
    """docker's NewTemplateInspectorFromString: indented JSON, compact JSON, or a template.
    ``kind``: the object type, when the template may first run on its typed value."""
    from dshell.render import gojson, gotemplate

    if not fmt:
        return ElementsInspector(lambda text: gojson.indent(text, "", "    "))
    if fmt == "json":
        return ElementsInspector(gojson.compact)
    try:
        template = gotemplate.parse(fmt)
    except gotemplate.TemplateError as exc:
        raise TemplateParseError(f"template parsing error: {exc}") from exc
    from dshell.records import replace

    # docker's raw run adds missingkey=error to the template its typed run used; a copy
    # sharing the parsed tree (option() changes the template it is called on)
    inspector = TemplateInspector(replace(template).option("missingkey=error"))
    inspector.typed_template = template
    inspector.typed = typed_name(fmt, kind)
    return inspector


def typed_name(fmt: str, kind: str) -> str | None:
    """The Go type to run ``fmt`` on first for objects of ``kind`` (None: the raw JSON only)."""
    return ID_STRUCTS.get(kind)


class Inspector:
    def add(self, raw: bytes) -> None:
        raise NotImplementedError

    def flush(self) -> str:
        raise NotImplementedError


class ElementsInspector(Inspector):
    def __init__(self, reflow: Callable[[str], str]) -> None:
        self.reflow = reflow
        self.raws: list[str] = []

    def add(self, raw: bytes) -> None:
        self.raws.append(raw.decode("utf-8", errors="replace").strip())

    def flush(self) -> str:
        if not self.raws:
            return "[]\n"
        return self.reflow("[" + ",".join(self.raws) + "]") + "\n"


class TemplateInspector(Inspector):
    def __init__(self, template) -> None:  # noqa: ANN001 - a gotemplate.Template
        self.template = template
        #: The same template with Go's default missingkey, for the typed run.
        self.typed_template = template
        self.chunks: list[str] = []
        #: The Go type's name when the template first runs on the typed value (``.ID``).
        self.typed: str | None = None

    def add(self, raw: bytes) -> None:
        from dshell.render import gotemplate

        data = json.loads(raw)
        if self.typed is not None and isinstance(data, dict):
            # docker's TemplateInspector runs the template on the Go struct first (Go's
            # default missingkey: a map's missing key is <no value>), then on the raw JSON
            # with missingkey=error: only the typed run knows the ``ID`` field (JSON ``Id``),
            # nil maps and slices, map[string]string labels.
            try:
                text = self.typed_template.execute(GoIDStruct(data, self.typed))
            except gotemplate.TemplateError:
                pass
            else:
                self.chunks.append(text + "\n")
                return
        try:
            text = self.template.execute(data)
        except gotemplate.TemplateError as exc:
            raise InspectElementError(f"template parsing error: {exc}") from exc
        self.chunks.append(text + "\n")

    def flush(self) -> str:
        return "".join(self.chunks) or "\n"


class InspectElementError(Exception):
    """One element could not be rendered; collected with the other per-reference errors."""


def inspect_references(
    references: list[str], fmt: str | None, get_raw: RawGetter, kind: str = ""
) -> tuple[str, list[str]]:
    """Run docker's Inspect: return stdout text and the error lines (empty on success).
    ``kind``: the type of every object, when known (see ``make_inspector``).

    Raises TemplateParseError before fetching anything when the template is bad.
    """
    inspector = make_inspector(fmt, kind)
    errors: list[str] = []
    for reference in references:
        try:
            raw = get_raw(reference)
            inspector.add(raw)
        except (EngineError, InspectElementError, ObjectNotFound) as exc:
            errors.append(str(exc))
    return inspector.flush(), errors


#: The kinds whose Go struct names the JSON ``Id`` field ``ID``, with the struct's type name.
ID_STRUCTS = {
    "container": "container.InspectResponse",
    "image": "image.InspectResponse",
    "network": "network.Inspect",
    "plugin": "*types.Plugin",
}


class GoIDStruct:
    """The top level of an object as the Go struct docker's template sees first: its JSON
    fields by name, ``ID`` for ``Id``, and the Go types that show where the JSON cannot tell
    (TYPED_FIELDS: maps and slices, nil ones included). Anything this view cannot answer as Go
    would (a field the JSON left out, a struct printed whole) fails, and the raw JSON run
    decides, as in docker."""

    def __init__(self, obj: dict, type_name: str) -> None:
        self.go_type_name = type_name
        self._obj = obj
        schema = TYPED_FIELDS.get(type_name, {})
        _set_fields(self, obj, "", schema)
        if "Id" in obj:
            self.ID = obj["Id"]
            del self.Id

    def String(self) -> str:  # noqa: N802 - fmt's Stringer: Go would print the struct
        return _untyped()

    def marshal_json(self):  # noqa: ANN201
        from dshell.render import gojson

        return gojson.RawJSON(gojson.dumps(self._obj))


class _TypedStruct(GoIDStruct):
    """A struct inside the typed value (``.Config``, ``.State``…)."""

    def __init__(self, obj: dict, path: str, schema: dict[str, str]) -> None:
        self.go_type_name = "struct"
        self._obj = obj
        _set_fields(self, obj, f"{path}.", schema)


def _set_fields(view: object, obj: dict, prefix: str, schema: dict[str, str]) -> None:
    """The JSON's fields as attributes, and the typed fields the JSON left out (omitempty)
    at their zero value: a nil map, slice or pointer."""
    for key, value in obj.items():
        if key.isidentifier() and not key.startswith("_"):
            setattr(view, key, _typed(value, prefix + key, schema))
    for path in schema:
        if path.startswith(prefix):
            name = path[len(prefix) :]
            if "." not in name and name not in obj:
                setattr(view, name, _typed(None, path, schema))


class _GoEmptyStruct:
    """Go's ``struct {}`` (the values of ``Config.Volumes`` and ``ExposedPorts``): ``{}``."""

    go_type_name = "struct {}"

    def go_fields(self) -> list:
        return []

    def marshal_json(self) -> dict:
        return {}


def _untyped() -> str:
    from dshell.render.gotemplate import TemplateError

    raise TemplateError("not printable as the typed value")


def _typed(value: object, path: str, schema: dict[str, str]) -> object:
    """``value`` (decoded JSON at ``path``) as the typed run sees it."""
    from dshell.render.gotemplate.values import GoMap, GoSlice

    go_type = schema.get(path)
    if go_type is not None:
        inner = f"{path}.*"
        if go_type.startswith("*"):
            if value is None:
                from dshell.render.gotemplate.values import GoNilPointer

                return GoNilPointer(go_type)
            go_type = None  # a struct: as any other
    if go_type is not None:
        if go_type.startswith("map["):
            items = value if isinstance(value, dict) else {}
            element = go_type[go_type.index("]") + 1 :]
            typed_items = {k: (_GoEmptyStruct() if element == "struct {}" else
                               _typed(v, inner, schema)) for k, v in items.items()}  # fmt: skip
            zero = {"string": str, "struct {}": _GoEmptyStruct}.get(element)
            return GoMap(go_type, typed_items, nil=value is None, zero=zero)
        if isinstance(value, list) or value is None:
            return GoSlice(go_type, [_typed(v, inner, schema) for v in value or ()],
                           nil=value is None)  # fmt: skip
    if isinstance(value, dict):
        return _TypedStruct(value, path, schema)
    if isinstance(value, list):
        return [_typed(v, f"{path}.*", schema) for v in value]
    return value


_STRINGS = "[]string"
_STRING_MAP = "map[string]string"
_CONFIG = {
    "Config.Env": _STRINGS, "Config.Cmd": "strslice.StrSlice",
    "Config.Entrypoint": "strslice.StrSlice", "Config.Shell": "strslice.StrSlice",
    "Config.OnBuild": _STRINGS, "Config.Labels": _STRING_MAP,
    "Config.Volumes": "map[string]struct {}", "Config.ExposedPorts": "map[nat.Port]struct {}",
}  # fmt: skip
#: docker 28's Go types of the fields whose type shows in a template's output where the JSON
#: alone cannot tell: maps (a missing key is ``<no value>``, a nil one prints ``map[]``) and
#: slices (a nil one prints ``[]``). Paths of JSON names; ``*`` is any key or element.
TYPED_FIELDS: dict[str, dict[str, str]] = {
    "container.InspectResponse": {
        **_CONFIG,
        "Args": _STRINGS, "ExecIDs": _STRINGS,
        **{f"HostConfig.{name}": _STRINGS for name in (
            "Binds", "Links", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "GroupAdd",
            "SecurityOpt", "VolumesFrom", "DeviceCgroupRules", "MaskedPaths", "ReadonlyPaths")},
        "HostConfig.CapAdd": "strslice.StrSlice", "HostConfig.CapDrop": "strslice.StrSlice",
        **{f"HostConfig.{name}": _STRING_MAP for name in (
            "Tmpfs", "Sysctls", "StorageOpt", "Annotations")},
        "HostConfig.LogConfig.Config": _STRING_MAP,
        "NetworkSettings.Networks": "map[string]*network.EndpointSettings",
        "NetworkSettings.Networks.*.Aliases": _STRINGS,
        "NetworkSettings.Networks.*.Links": _STRINGS,
        "NetworkSettings.Networks.*.DNSNames": _STRINGS,
        "NetworkSettings.Networks.*.DriverOpts": _STRING_MAP,
        "GraphDriver.Data": _STRING_MAP,
        "State.Health": "*container.Health",
    },
    "image.InspectResponse": {
        **_CONFIG,
        "RepoTags": _STRINGS, "RepoDigests": _STRINGS,
        "GraphDriver.Data": _STRING_MAP, "RootFS.Layers": _STRINGS,
    },
    "network.Inspect": {
        "Options": _STRING_MAP, "Labels": _STRING_MAP, "IPAM.Options": _STRING_MAP,
        "Containers": "map[string]network.EndpointResource",
    },
}  # fmt: skip


class ObjectNotFound(Exception):
    """``inspect`` without ``--type`` found nothing of any type under this name."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Error: No such object: {reference}")
