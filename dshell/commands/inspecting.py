"""docker's inspect machinery: fetch raw objects, print them indented, compact or templated."""

from __future__ import annotations

import json
from collections.abc import Callable

from dshell.engine.errors import EngineError

#: Fetches one object's raw JSON by reference; raises EngineError when it cannot.
RawGetter = Callable[[str], bytes]


class TemplateParseError(Exception):
    """The ``--format`` template does not parse: docker exits 64 for inspect."""


def make_inspector(fmt: str | None) -> Inspector:
    """docker's NewTemplateInspectorFromString: indented JSON, compact JSON, or a template."""
    from dshell.render import gojson, gotemplate

    if not fmt:
        return ElementsInspector(lambda text: gojson.indent(text, "", "    "))
    if fmt == "json":
        return ElementsInspector(gojson.compact)
    try:
        template = gotemplate.parse(fmt)
    except gotemplate.TemplateError as exc:
        raise TemplateParseError(f"template parsing error: {exc}") from exc
    return TemplateInspector(template.option("missingkey=error"))


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

    def add(self, raw: bytes) -> None:
        from dshell.render import gotemplate

        data = json.loads(raw)
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
    references: list[str], fmt: str | None, get_raw: RawGetter
) -> tuple[str, list[str]]:
    """Run docker's Inspect: return stdout text and the error lines (empty on success).

    Raises TemplateParseError before fetching anything when the template is bad.
    """
    inspector = make_inspector(fmt)
    errors: list[str] = []
    for reference in references:
        try:
            raw = get_raw(reference)
            inspector.add(raw)
        except (EngineError, InspectElementError, ObjectNotFound) as exc:
            errors.append(str(exc))
    return inspector.flush(), errors


class ObjectNotFound(Exception):
    """``inspect`` without ``--type`` found nothing of any type under this name."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"Error: No such object: {reference}")
