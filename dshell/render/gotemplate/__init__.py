"""Go text/template, as docker's `--format` flag runs it.

A port of Go's text/template lexer, parser and executor (Go 1.24, the toolchain of docker CLI
28) with docker's extra functions from docker/cli `templates/templates.go`.  Output and error
messages are Go's, byte for byte, so that dshell prints what docker prints.

Modules, in the order a template goes through them: `lexer`, `parser` (with `literals`) into
`nodes`; `template` and `execute` run the tree, calling `functions` and printing with `gofmt`
over the Go `values` model.
"""

from dshell.render.gotemplate.errors import TemplateError
from dshell.render.gotemplate.functions import docker_functions
from dshell.render.gotemplate.gofmt import go_quote, sprint, sprintf, sprintln
from dshell.render.gotemplate.template import Template, parse
from dshell.render.gotemplate.values import INVALID, go_type

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
