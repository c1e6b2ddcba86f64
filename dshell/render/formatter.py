"""docker's ``--format`` machinery shared by every list command (docker/cli formatter package).

A format is ``table`` (the command's default columns), ``table TEMPLATE``, ``json`` (one
``{{json .}}`` object per line) or a bare Go template (one line per item).  Table formats get a
header row made by running the same template over a *header context* (field name → column
title) with docker's header functions, and everything goes through the tabwriter.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from types import FunctionType

from dshell.render import RenderError
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
    "plain_row",
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
        from dshell.render import gotemplate

        return self._titles.get(name, gotemplate.INVALID)

    def Label(self, name: str) -> str:
        return name.split(".")[-1].replace("-", " ").replace("_", " ")


def render_list(fmt: str, contexts: Iterable[object], header: Mapping[str, str]) -> str:
    """Render ``contexts`` with the (already resolved) format ``fmt``, as docker's
    ``Context.Write``: nothing is printed when any item fails, and a failure at parse or
    execution time is ``template parsing error: …``.

    This is the one place that picks the path: a template of text, plain fields and ``if``
    on a field is compiled into a row formatter (read by a light front end, so docker's
    default tables do not even load the Go-template package); anything else, or a row the
    compiled formatter cannot print as the executor would, goes through the executor.
    """
    text = prepare_format(fmt)
    table = is_table(fmt)
    contexts = list(contexts)
    pieces = _remembered_pieces(text)
    rows = head = None
    if pieces is not None:
        if contexts:
            rows = _compiled_rows(_remembered_plain(text, pieces, type(contexts[0])), contexts)
        else:
            rows = []
        if rows is not None and table:
            head = _plain_header(pieces, header)
            if head is None:
                rows = None
    if rows is None:
        from dshell.render import gotemplate

        try:
            template = gotemplate.parse(text)
        except gotemplate.TemplateError as err:
            raise FormatError(f"template parsing error: {err}") from None
        if contexts and not issubclass(type(contexts[0]), dict):
            rows = _compiled_rows(compile_row(template, type(contexts[0])), contexts)
        if rows is None:
            rows = _executed_rows(template, contexts)
        head = _header_row(text, header) if table else None
    if not table:
        return "".join(rows)
    return tabulate(head + "\n" + "".join(rows))


#: A session prints the same few formats again and again: each one's pieces, and its row
#: formatter per context type, are made once (bounded: a script may invent formats).
_PIECES: dict[str, _Pieces | None] = {}
_PLAIN: dict[tuple[str, type], Callable[[object], str] | None] = {}
_REMEMBERED = 256


def _remembered_pieces(text: str) -> _Pieces | None:
    try:
        return _PIECES[text]
    except KeyError:
        pieces = _PIECES[text] = _plain_pieces(text)
        if len(_PIECES) > _REMEMBERED:
            _PIECES.pop(next(iter(_PIECES)))
        return pieces


def _remembered_plain(
    text: str, pieces: _Pieces, context_type: type
) -> Callable[[object], str] | None:
    key = (text, context_type)
    try:
        return _PLAIN[key]
    except KeyError:
        compiled = _PLAIN[key] = _compile_plain(pieces, context_type)
        if len(_PLAIN) > _REMEMBERED:
            _PLAIN.pop(next(iter(_PLAIN)))
        return compiled


class _NotCompiled(Exception):
    """The template (or one row's value) needs the Go-template executor."""


# A compilable template as a tree of pieces: literal text (str), ("field", name),
# ("json",) for ``{{json .}}``, or ["if", name, then_pieces, else_pieces or None].
_Pieces = list

# The actions the light front end reads without the Go-template parser: ``{{.Field}}``,
# ``{{if .Field}}``, ``{{else}}`` and ``{{end}}``, spaces allowed, no trim markers.
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PLAIN_ACTION = re.compile(r" *(?:(if) +)?\.([A-Za-z_][A-Za-z0-9_]*) *|(else|end)")


def _plain_pieces(text: str) -> _Pieces | None:
    """Pieces of a template made only of text, plain fields and ``if``/``else``/``end`` on a
    field, read without loading the Go-template package (docker's default tables are such
    templates); ``None`` for anything else, which the real parser then reads."""
    root: _Pieces = []
    open_ifs: list[list] = []  # ["if", name, then_pieces, else_pieces or None], innermost last
    current = root
    position = 0
    for match in _ACTION.finditer(text):
        if match.start() > position:
            current.append(text[position : match.start()])
        position = match.end()
        action = _PLAIN_ACTION.fullmatch(match.group(1))
        if action is None:
            return None
        keyword, name, word = action.groups()
        if name is not None and keyword is None:
            current.append(("field", name))
        elif name is not None:
            piece = ["if", name, [], None]
            current.append(piece)
            open_ifs.append(piece)
            current = piece[2]
        elif word == "else" and open_ifs and open_ifs[-1][3] is None:
            open_ifs[-1][3] = current = []
        elif word == "end" and open_ifs:
            open_ifs.pop()
            if not open_ifs:
                current = root
            else:
                current = open_ifs[-1][3] if open_ifs[-1][3] is not None else open_ifs[-1][2]
        else:
            return None
    if open_ifs or "{{" in text[position:]:
        return None
    if position < len(text):
        current.append(text[position:])
    return root


def _template_pieces(nodes: list) -> _Pieces:
    """Pieces of a parsed template's nodes; raises _NotCompiled for anything else."""
    from dshell.render.gotemplate import nodes as tree

    pieces: _Pieces = []
    for node in nodes:
        kind = type(node)
        if kind is tree.TextNode:
            pieces.append(node.text)
        elif kind is tree.CommentNode:
            continue
        elif kind is tree.ActionNode:
            name = _plain_field(node, tree)
            if name is not None:
                pieces.append(("field", name))
            elif _is_json_of_dot(node, tree):
                pieces.append(("json",))
            else:
                raise _NotCompiled
        elif kind is tree.IfNode:
            name = _plain_field(node, tree)
            if name is None:
                raise _NotCompiled
            otherwise = None if node.else_list is None else _template_pieces(node.else_list.nodes)
            pieces.append(["if", name, _template_pieces(node.list.nodes), otherwise])
        else:
            raise _NotCompiled
    return pieces


def _plain_field(node: object, tree: object) -> str | None:
    """``{{.Name}}``: an action or condition that is one field of dot, nothing else."""
    pipe = getattr(node, "pipe", None)
    if pipe is None or pipe.decl or len(pipe.cmds) != 1 or len(pipe.cmds[0].args) != 1:
        return None
    arg = pipe.cmds[0].args[0]
    if type(arg) is tree.FieldNode and len(arg.ident) == 1:
        return arg.ident[0]
    return None


def _is_json_of_dot(node: object, tree: object) -> bool:
    """``{{json .}}``, the ``json`` format."""
    pipe = node.pipe
    if pipe.decl or len(pipe.cmds) != 1:
        return False
    args = pipe.cmds[0].args
    return (
        len(args) == 2
        and type(args[0]) is tree.IdentifierNode
        and args[0].ident == "json"
        and type(args[1]) is tree.DotNode
    )


def _text(value: object) -> str:
    """What Go's template executor prints for a field's value (``print_value``)."""
    if type(value) is str:
        return value
    from dshell.render import gotemplate

    if value is None or value is gotemplate.INVALID or callable(value):
        raise _NotCompiled  # "<no value>" or an error: let the executor say it
    return gotemplate.sprint(value)


def _method(name: str, context_type: type) -> Callable[[object], object]:
    """The context's method for field ``name``, when the executor would call it with no
    argument; raises _NotCompiled otherwise (unknown, lower case, takes arguments)."""
    attribute = getattr(context_type, name, None)
    if not name[:1].isupper() or not isinstance(attribute, FunctionType):
        raise _NotCompiled
    code = attribute.__code__
    if code.co_argcount != 1 or attribute.__defaults__ or code.co_flags & 0x0C:
        raise _NotCompiled  # takes arguments (``Label``) or *args/**kwargs
    return attribute


def _string_field(method: Callable[[object], object]) -> Callable[[object], str]:
    """An ``if`` condition: Go's truth of a string is "not empty"; any other value (a nil
    pointer, a struct) sends the listing to the executor."""

    def condition(context: object) -> str:
        value = method(context)
        if type(value) is not str:
            raise _NotCompiled
        return value

    return condition


def _compile(
    pieces: _Pieces, context_type: type, json_function: Callable[[], Callable] | None
) -> Callable[[object], str]:
    """One function per row: the literals are baked into a ``%`` format, the getters fill it."""
    parts: list[str | Callable[[object], str]] = []
    for piece in pieces:
        if isinstance(piece, str):
            parts.append(piece)
        elif piece[0] == "field":
            method = _method(piece[1], context_type)
            parts.append(lambda context, method=method: _text(method(context)))
        elif piece[0] == "json":
            if json_function is None:
                raise _NotCompiled
            call = json_function()
            parts.append(lambda context, call=call: _text(call(context)))
        else:
            parts.append(_compile_if(piece, context_type, json_function))
    text = "".join(p.replace("%", "%%") if isinstance(p, str) else "%s" for p in parts)
    getters = tuple(p for p in parts if not isinstance(p, str))
    if not getters:
        literal = text.replace("%%", "%")
        return lambda _context: literal
    if len(getters) == 1:
        (only,) = getters
        return lambda context: text % only(context)
    return lambda context: text % tuple([get(context) for get in getters])


def _compile_if(
    piece: tuple, context_type: type, json_function: Callable[[], Callable] | None
) -> Callable[[object], str]:
    _, name, then_pieces, else_pieces = piece
    condition = _string_field(_method(name, context_type))
    then = _compile(then_pieces, context_type, json_function)
    otherwise = None if else_pieces is None else _compile(else_pieces, context_type, json_function)

    def branch(context: object) -> str:
        if condition(context):
            return then(context)
        return otherwise(context) if otherwise is not None else ""

    return branch


def plain_row(text: str, context_type: type) -> Callable[[object], str] | None:
    """A direct formatter for template ``text`` when the light front end reads it (text,
    plain fields, ``if`` on a field) and ``context_type`` has those fields, else ``None``;
    no part of the Go-template package is loaded. A row it cannot print as the executor
    would raises an exception: the caller then asks the executor."""
    pieces = _plain_pieces(text)
    return None if pieces is None else _compile_plain(pieces, context_type)


def _compile_plain(pieces: _Pieces, context_type: type) -> Callable[[object], str] | None:
    if issubclass(context_type, dict):
        return None
    try:
        return _compile(pieces, context_type, None)
    except _NotCompiled:
        return None


def compile_row(template: object, context_type: type) -> Callable[[object], str] | None:
    """A direct formatter for a parsed ``template`` over contexts of ``context_type``, or
    ``None`` when the template needs the executor.

    For templates the light front end leaves to the parser but that are still made of
    literal text, plain fields, ``{{json .}}`` and ``if`` on a field (the ``json`` format,
    trim markers, comments): a row is then a few method calls and one string format, no
    tree walk.
    """
    root = getattr(template, "_root", None)
    if root is None or issubclass(context_type, dict):
        return None

    def json_function() -> Callable:
        function, _ = template._find_function("json")
        if function is None:
            raise _NotCompiled
        return function.call

    try:
        return _compile(_template_pieces(root.nodes), context_type, json_function)
    except (_NotCompiled, AttributeError):  # AttributeError: the template package changed
        return None


def _compiled_rows(compiled: Callable[[object], str] | None, contexts: list) -> list[str] | None:
    """Each context's line by the compiled formatter; ``None`` when there is none or a row
    meets anything unusual (an error, a value that is not a string), so that the executor
    renders the whole listing and says what Go says."""
    if compiled is None or not contexts:
        return None
    first = type(contexts[0])
    if not all(type(context) is first for context in contexts):
        return None
    try:
        return [compiled(context) + "\n" for context in contexts]
    except Exception:  # noqa: BLE001 - the executor reproduces Go's error, or its output
        return None


def _plain_header(pieces: _Pieces, header: Mapping[str, str]) -> str | None:
    """The header row the executor would make from these pieces over a HeaderContext: a
    field is its title (``<no value>`` when it has none), an ``if`` is true on a title.
    ``None`` for a name the header context answers otherwise (``Label``, lower case)."""
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        name = piece[1] if len(piece) > 1 else ""
        if not name[:1].isupper() or hasattr(HeaderContext, name):
            return None
        if piece[0] == "field":
            out.append(header.get(name, "<no value>"))
            continue
        branch = piece[2] if header.get(name) else piece[3]
        text = "" if branch is None else _plain_header(branch, header)
        if text is None:
            return None
        out.append(text)
    return "".join(out)


def _executed_rows(template: object, contexts: list) -> list[str]:
    from dshell.render import gotemplate

    rows = []
    for context in contexts:
        try:
            rows.append(template.execute(context) + "\n")
        except gotemplate.TemplateError as err:
            raise FormatError(f"template parsing error: {err}") from None
    return rows


def _header_row(text: str, header: Mapping[str, str]) -> str:
    """docker ignores errors here and prints what the template wrote before failing."""
    from dshell.render import gotemplate

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
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8, kept as surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
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
    from datetime import datetime  # ~1 ms to import; only CreatedAt needs it

    moment = datetime.fromtimestamp(unix_seconds).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S %z ") + (moment.tzname() or "")


def human_age(unix_seconds: float, now: float | None = None) -> str:
    """ "3 minutes ago": the client's clock minus a creation time, as ``docker ps``/``images``."""
    current = time.time() if now is None else now
    return human_duration(current - unix_seconds) + " ago"
