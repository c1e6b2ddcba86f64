"""Go text/template, as docker's `--format` flag runs it.

A port of Go's text/template lexer, parser and executor (Go 1.24, the toolchain of docker CLI
28) with docker's extra functions from docker/cli `templates/templates.go`.  Output and error
messages are Go's, byte for byte, so that dshell prints what docker prints.

Modules, in the order a template goes through them: `lexer`, `parser` (with `literals`) into
`nodes`; `template` and `execute` run the tree, calling `functions` and printing with `gofmt`
over the Go `values` model.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Where each public name lives. They load on first use (PEP 562): importing the package, or
#: only its ``errors``, does not load the lexer, parser and executor, which a command that
#: renders without a template (``version``'s default output, docker's default tables) never
#: needs.
_EXPORTS = {
    "TemplateError": "errors",
    "docker_functions": "functions",
    "go_quote": "gofmt",
    "sprint": "gofmt",
    "sprintf": "gofmt",
    "sprintln": "gofmt",
    "Template": "template",
    "parse": "template",
    "INVALID": "values",
    "go_type": "values",
}

__all__ = [
    "INVALID",
    "Template",
    "TemplateError",
    "docker_functions",
    "go_quote",
    "go_type",
    "parse",
    "sprint",
    "sprintf",
    "sprintln",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
