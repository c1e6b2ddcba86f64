"""docker's ``--format`` machinery shared by every list command (docker/cli formatter package).

A format is ``table`` (the command's default columns), ``table TEMPLATE``, ``json`` (one
``{{json .}}`` object per line) or a bare Go template (one line per item).  Table formats get a
header row made by running the same template over a *header context* (field name → column
title) with docker's header functions, and everything goes through the tabwriter.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import FunctionType

from dshell.render import RenderError, gotemplate
from dshell.render.gotemplate import nodes as gotemplate_nodes
from dshell.render.tabwriter import tabulate
from dshell.render.units import human_duration

__all__ = [
    "DEFAULT_QUIET_FORMAT",
    "JSON_FORMAT",
    "JSON_FORMAT_KEY",
    "RAW_FORMAT_KEY",
    "TABLE_FORMAT_KEY",
    "FormatError",
    "HeaderContext",
    "compile_row",
    "ellipsis",
    "go_quote",
    "go_time_string",
    "human_age",
    "is_table",
    "prepare_format",
    "render_list",
    "truncate_id",
]

TABLE_FORMAT_KEY = "table"
RAW_FORMAT_KEY = "raw"
JSON_FORMAT_KEY = "json"
DEFAULT_QUIET_FORMAT = "{{.ID}}"
JSON_FORMAT = "{{json .}}"


class FormatError(RenderError):
    """A --format template that does not parse or execute; str() is docker's message (exit 1)."""


def is_table(fmt: str) -> bool:
    return fmt.startswith(TABLE_FORMAT_KEY)


def prepare_format(fmt: str) -> str:
    """The template text docker really parses: ``table`` cut off, ``json`` expanded, the
    surrounding spaces trimmed and the two-character sequences ``\\t`` and ``\\n`` turned
    into a tab and a newline."""
    if is_table(fmt):
        fmt = fmt[len(TABLE_FORMAT_KEY) :]
    elif fmt == JSON_FORMAT_KEY:
        fmt = JSON_FORMAT
    return fmt.strip(" ").replace("\\t", "\t").replace("\\n", "\n")


def _header_unchanged(value: str) -> str:
    return value


def _header_unchanged_with(value: str, _ignored: str) -> str:
    return value


def _header_unchanged_with_length(value: str, _ignored: int) -> str:
    return value


# Functions that would mangle a column title leave it alone in the header row (pad is kept:
# it must widen the title as it widens the cells).  Their Go signatures take strings, so a
# template such as `table {{json .}}` fails in the header, and docker keeps what was written.
HEADER_FUNCS: dict[str, Callable[..., str]] = {
    "json": _header_unchanged,
    "split": _header_unchanged_with,
    "join": _header_unchanged_with,
    "title": _header_unchanged,
    "lower": _header_unchanged,
    "upper": _header_unchanged,
    "truncate": _header_unchanged_with_length,
}


class HeaderContext:
    """The value a table's header row is rendered from: field name → column title.

    It behaves as docker's ``SubHeaderContext``, a Go map with a ``Label`` method:
    ``{{.Label "x"}}`` gives the label's last dotted part with ``-``/``_`` as spaces, and an
    unknown field is a missing map key, printed as Go's ``<no value>``.
    """

    go_type_name = "formatter.SubHeaderContext"

    def __init__(self, titles: Mapping[str, str]) -> None:
        self._titles = dict(titles)

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):
            raise AttributeError(name)
        return self._titles.get(name, gotemplate.INVALID)

    def Label(self, name: str) -> str:
        return name.split(".")[-1].replace("-", " ").replace("_", " ")


def render_list(fmt: str, contexts: Iterable[object], header: Mapping[str, str]) -> str:
    """Render ``contexts`` with the (already resolved) format ``fmt``, as docker's
    ``Context.Write``: nothing is printed when any item fails, and a failure at parse or
    execution time is ``template parsing error: …``."""
    text = prepare_format(fmt)
    try:
        template = gotemplate.parse(text)
    except gotemplate.TemplateError as err:
        raise FormatError(f"template parsing error: {err}") from None
    rows = _rows(template, list(contexts))
    if not is_table(fmt):
        return "".join(rows)
    return tabulate(_header_row(text, header) + "\n" + "".join(rows))


class _NotCompiled(Exception):
    """The template (or one row's value) needs the Go-template executor."""


def _text(value: object) -> str:
    """What Go's template executor prints for a field's value (``print_value``)."""
    if type(value) is str:
        return value
    if value is None or value is gotemplate.INVALID or callable(value):
        raise _NotCompiled  # "<no value>" or an error: let the executor say it
    return gotemplate.sprint(value)


def _field_getter(name: str, context_type: type) -> Callable[[object], str]:
    attribute = getattr(context_type, name, None)
    if not name[:1].isupper() or not isinstance(attribute, FunctionType):
        raise _NotCompiled
    code = attribute.__code__
    if code.co_argcount != 1 or attribute.__defaults__ or code.co_flags & 0x0C:
        raise _NotCompiled  # takes arguments (``Label``) or *args/**kwargs
    return lambda context: _text(attribute(context))


def _plain_field(node: object) -> str | None:
    """``{{.Name}}``: an action or condition that is one field of dot, nothing else."""
    pipe = getattr(node, "pipe", None)
    if pipe is None or pipe.decl or len(pipe.cmds) != 1 or len(pipe.cmds[0].args) != 1:
        return None
    arg = pipe.cmds[0].args[0]
    if type(arg) is gotemplate_nodes.FieldNode and len(arg.ident) == 1:
        return arg.ident[0]
    return None


def _is_json_of_dot(node: object) -> bool:
    """``{{json .}}``, the ``json`` format."""
    pipe = getattr(node, "pipe", None)
    if pipe is None or pipe.decl or len(pipe.cmds) != 1:
        return False
    args = pipe.cmds[0].args
    return (
        len(args) == 2
        and type(args[0]) is gotemplate_nodes.IdentifierNode
        and args[0].ident == "json"
        and type(args[1]) is gotemplate_nodes.DotNode
    )


def _compile_list(
    nodes: list, context_type: type, template: gotemplate.Template
) -> list[str | Callable[[object], str]]:
    """Literal text and per-row getters, in order; raises _NotCompiled for anything else."""
    pieces: list[str | Callable[[object], str]] = []
    for node in nodes:
        kind = type(node)
        if kind is gotemplate_nodes.TextNode:
            pieces.append(node.text)
        elif kind is gotemplate_nodes.CommentNode:
            continue
        elif kind is gotemplate_nodes.ActionNode:
            name = _plain_field(node)
            if name is not None:
                pieces.append(_field_getter(name, context_type))
            elif _is_json_of_dot(node):
                function, _ = template._find_function("json")
                if function is None:
                    raise _NotCompiled
                call = function.call
                pieces.append(lambda context, call=call: _text(call(context)))
            else:
                raise _NotCompiled
        elif kind is gotemplate_nodes.IfNode:
            pieces.append(_compile_if(node, context_type, template))
        else:
            raise _NotCompiled
    return pieces


def _compile_if(
    node: object, context_type: type, template: gotemplate.Template
) -> Callable[[object], str]:
    """``{{if .Field}}A{{else}}B{{end}}`` where the field is a string: Go's truth is "not
    empty"; A and B compile as any other list."""
    name = _plain_field(node)
    if name is None:
        raise _NotCompiled
    condition = _field_getter(name, context_type)
    then = _joiner(_compile_list(node.list.nodes, context_type, template))
    otherwise = (
        _joiner(_compile_list(node.else_list.nodes, context_type, template))
        if node.else_list is not None
        else None
    )

    def branch(context: object) -> str:
        if condition(context):
            return then(context)
        return otherwise(context) if otherwise is not None else ""

    return branch


def _joiner(pieces: list[str | Callable[[object], str]]) -> Callable[[object], str]:
    """One function per row: the literals are baked into a ``%`` format, the getters fill it."""
    text = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in pieces)
    getters = tuple(p for p in pieces if not isinstance(p, str))
    if not getters:
        literal = text.replace("%%", "%")
        return lambda _context: literal
    if len(getters) == 1:
        (only,) = getters
        return lambda context: text % only(context)
    return lambda context: text % tuple([get(context) for get in getters])


def compile_row(
    template: gotemplate.Template, context_type: type
) -> Callable[[object], str] | None:
    """A direct formatter for ``template`` over contexts of ``context_type``, or ``None``
    when the template needs the executor.

    Made only of literal text, plain fields (``{{.ID}}``), ``{{json .}}`` and ``if`` on a
    plain field — docker's default tables and most ``table {{.Names}}\\t{{.Status}}``
    formats — a row is then a few method calls and one string format, no tree walk.
    """
    root = getattr(template, "_root", None)
    if root is None or issubclass(context_type, dict):
        return None
    try:
        return _joiner(_compile_list(root.nodes, context_type, template))
    except _NotCompiled:
        return None


def _rows(template: gotemplate.Template, contexts: list) -> list[str]:
    """Each context's line: compiled when the template allows it, else executed; a compiled
    row that meets anything unusual (an error, a non-string value) sends the whole listing
    to the executor, which says what Go says."""
    if contexts:
        compiled = compile_row(template, type(contexts[0]))
        if compiled is not None and all(type(c) is type(contexts[0]) for c in contexts):
            try:
                return [compiled(context) + "\n" for context in contexts]
            except Exception:  # noqa: BLE001 - the executor reproduces Go's error, or its output
                pass
    rows = []
    for context in contexts:
        try:
            rows.append(template.execute(context) + "\n")
        except gotemplate.TemplateError as err:
            raise FormatError(f"template parsing error: {err}") from None
    return rows


def _header_row(text: str, header: Mapping[str, str]) -> str:
    """docker ignores errors here and prints what the template wrote before failing."""
    try:
        return gotemplate.parse(text, HEADER_FUNCS).execute(HeaderContext(header))
    except gotemplate.TemplateError as err:
        return err.output


def truncate_id(ident: str) -> str:
    """moby's ``stringid.TruncateID``: drop an ``algo:`` prefix, keep 12 characters."""
    if ":" in ident:
        ident = ident.split(":", 1)[1]
    return ident[:12]


def _char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def ellipsis(text: str, max_width: int) -> str:
    """docker's ``Ellipsis``: cut ``text`` to ``max_width`` display columns ending in "…"."""
    if max_width <= 0:
        return ""
    if max_width == 1:
        return text[:1]
    if text.isascii():
        return text if len(text) <= max_width else text[: max_width - 1] + "…"
    total = 0
    ends = []
    for ch in text:
        total += _char_width(ch)
        ends.append(total)
    if total <= max_width:
        return text
    for index, end in enumerate(ends[:-1]):
        if end <= max_width - 1 < ends[index + 1]:
            return text[: index + 1] + "…"
    return text


_NAMED_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NAMED_ESCAPES["\v"] = "\\v"


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote``: double quotes, printable Unicode kept, the rest escaped."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        elif ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_time_string(unix_seconds: int) -> str:
    """Go's ``time.Unix(s, 0).String()`` in local time: "2006-01-02 15:04:05 -0700 MST"."""
    moment = datetime.fromtimestamp(unix_seconds).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S %z ") + (moment.tzname() or "")


def human_age(unix_seconds: int, now: float | None = None) -> str:
    """ "3 minutes ago": the client's clock minus a creation time, as ``docker ps``/``images``."""
    current = time.time() if now is None else now
    return human_duration(current - unix_seconds) + " ago"
