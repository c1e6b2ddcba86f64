"""``stack ls``'s table: NAME and SERVICES (docker/cli's cli/command/stack list_formatter)."""

from __future__ import annotations

from collections.abc import Mapping

from dshell.render.formatter import TABLE_FORMAT_KEY, render_list
from dshell.render.listing import marshal_fields, natural_less_key

STACK_TABLE_FORMAT = "table {{.Name}}\t{{.Services}}"
STACK_HEADER = {"Name": "NAME", "Services": "SERVICES"}


class StackContext:
    """One stack as ``stack ls --format`` sees it."""

    go_type_name = "*formatter.stackContext"

    def __init__(self, name: str, services: int) -> None:
        self._name = name
        self._services = services

    def Name(self) -> str:
        return self._name

    def Services(self) -> str:
        return str(self._services)

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, list(STACK_HEADER))


def render_stacks(counts: Mapping[str, int], fmt: str | None) -> str:
    """Stacks (name → number of services) sorted naturally by name."""
    if not fmt or fmt == TABLE_FORMAT_KEY:
        fmt = STACK_TABLE_FORMAT
    names = sorted(counts, key=natural_less_key)
    return render_list(fmt, [StackContext(n, counts[n]) for n in names], STACK_HEADER)
