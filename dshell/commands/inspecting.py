"""docker's inspect machinery: fetch raw objects, print them indented, compact or templated."""

from __future__ import annotations

import json
import re
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
    inspector = TemplateInspector(template.option("missingkey=error"))
    inspector.typed = typed_name(fmt, kind)
    return inspector


def typed_name(fmt: str, kind: str) -> str | None:
    """The Go type to run ``fmt`` on first for objects of ``kind`` (None: the raw JSON only)."""
    return ID_STRUCTS.get(kind) if _NAMES_ID.search(fmt) else None


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
        self.chunks: list[str] = []
        #: The Go type's name when the template first runs on the typed value (``.ID``).
        self.typed: str | None = None

    def add(self, raw: bytes) -> None:
        from dshell.render import gotemplate

        data = json.loads(raw)
        if self.typed is not None and isinstance(data, dict):
            # docker's TemplateInspector runs the template on the Go struct first, then on
            # the raw JSON: only the typed run knows the ``ID`` field (JSON ``Id``).
            try:
                text = self.template.execute(GoIDStruct(data, self.typed))
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
_NAMES_ID = re.compile(r"\.ID\b")


class GoIDStruct:
    """The top level of an object as the Go struct docker's template sees first: its JSON
    fields by name, and ``ID`` for ``Id``. Used only for templates naming ``.ID``: anything
    this view cannot answer as Go would fails, and the raw JSON run decides, as in docker."""

    def __init__(self, obj: dict, type_name: str) -> None:
        self.go_type_name = type_name
        self._obj = obj
        for key, value in obj.items():
            if key.isidentifier() and not key.startswith("_"):
                setattr(self, key, value)
        if "Id" in obj:
            self.ID = obj["Id"]
            del self.Id

    def marshal_json(self):  # noqa: ANN201
        from dshell.render import gojson

        return gojson.RawJSON(gojson.dumps(self._obj))


class ObjectNotFound(Exception):
    """``inspect`` without ``--type`` found nothing of any type under this name."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Error: No such object: {reference}")
