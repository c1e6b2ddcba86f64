"""``docker context ls`` output: docker/cli's client-context formatter."""

from __future__ import annotations

from dataclasses import dataclass

from dshell.render.formatter import TABLE_FORMAT_KEY, ellipsis, render_list
from dshell.render.listing import marshal_fields, natural_less_key

__all__ = ["CONTEXT_HEADER", "ClientContext", "context_format", "render_contexts"]

CONTEXT_TABLE_FORMAT = (
    "table {{.Name}}{{if .Current}} *{{end}}\t{{.Description}}\t{{.DockerEndpoint}}\t{{.Error}}"
)
CONTEXT_HEADER = {
    "Name": "NAME",
    "Description": "DESCRIPTION",
    "DockerEndpoint": "DOCKER ENDPOINT",
    "Error": "ERROR",
}


@dataclass(frozen=True)
class ClientContext:
    """One row: a stored context, ``default``, or a stub for a current context that failed."""

    name: str
    description: str = ""
    docker_endpoint: str = ""
    current: bool = False
    error: str = ""


def context_format(fmt: str | None, quiet: bool) -> str:
    if quiet:
        return "{{.Name}}"
    if not fmt or fmt == TABLE_FORMAT_KEY:
        return CONTEXT_TABLE_FORMAT
    return fmt


def render_contexts(contexts: list[ClientContext], fmt: str) -> str:
    ordered = sorted(contexts, key=lambda c: natural_less_key(c.name))
    return render_list(fmt, [ClientContextContext(c) for c in ordered], CONTEXT_HEADER)


class ClientContextContext:
    go_type_name = "*formatter.clientContextContext"

    def __init__(self, context: ClientContext) -> None:
        self._c = context

    def Current(self) -> bool:
        return self._c.current

    def Name(self) -> str:
        return self._c.name

    def Description(self) -> str:
        return self._c.description

    def DockerEndpoint(self) -> str:
        return self._c.docker_endpoint

    def Error(self) -> str:
        return ellipsis(self._c.error, 45)

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, ["Current", "Description", "DockerEndpoint", "Error", "Name"])
