"""The public face of the package: `parse` a template, then `Template.execute` it."""

from __future__ import annotations

from collections.abc import Callable

from dshell.records import dataclass, replace
from dshell.render.gotemplate.errors import TemplateError
from dshell.render.gotemplate.execute import Execution
from dshell.render.gotemplate.functions import BUILTINS, DOCKER_FUNCTIONS, Function, python_function
from dshell.render.gotemplate.lexer import (
    ITEM_BLOCK,
    ITEM_DEFINE,
    ITEM_END,
    ITEM_IF,
    ITEM_LEFT_PAREN,
    ITEM_RANGE,
    ITEM_RIGHT_PAREN,
    ITEM_TEMPLATE,
    ITEM_WITH,
)
from dshell.render.gotemplate.limits import MAX_EXEC_DEPTH, run_deep
from dshell.render.gotemplate.nodes import ListNode, Node
from dshell.render.gotemplate.parser import ParseFailure, Parser
from dshell.render.gotemplate.values import INVALID

_MISSING_KEY_MODES = {"default": "default", "invalid": "default", "zero": "zero",
                      "error": "error"}


@dataclass
class Template:
    """A parsed template; `execute(data)` renders it."""

    name: str
    text: str
    _root: ListNode
    _trees: dict[str, ListNode]
    _funcs: dict[str, Function]
    _missing_key: str = "default"
    #: How deep execution may recurse: nesting levels, times Go's maxExecDepth when the
    #: template invokes templates.
    _levels: int = 0

    def execute(self, data: object) -> str:
        """Render with `data` as dot; raises TemplateError with Go's message."""
        out: list[str] = []
        execution = Execution(self, out, INVALID if data is None else data)
        try:
            run_deep(lambda: execution.walk(execution.vars[0][1], self._root), self._levels)
        except RecursionError:
            raise TemplateError(f"template: {self.name}: exceeded maximum template depth "
                                f"({MAX_EXEC_DEPTH})", "".join(out)) from None
        return "".join(out)

    def option(self, *options: str) -> Template:
        """Go's Template.Option: "missingkey=default|invalid|zero|error". Returns self."""
        for option in options:
            key, _, value = option.partition("=")
            if key != "missingkey" or value not in _MISSING_KEY_MODES:
                raise ValueError(f"unrecognized option: {option}")
            self._missing_key = _MISSING_KEY_MODES[value]
        return self

    def _find_function(self, name: str) -> tuple[Function | None, bool]:
        if name in self._funcs:
            return self._funcs[name], False
        if name in BUILTINS:
            return BUILTINS[name], True
        return None, False

    def _error_context(self, node: Node) -> tuple[str, str]:
        pos = node.pos
        line_start = self.text.rfind("\n", 0, pos) + 1
        column = len(self.text[line_start:pos].encode("utf-8", errors="surrogatepass"))
        line = 1 + self.text.count("\n", 0, pos)
        return f"{self.name}:{line}:{column}", str(node)


#: Parsed templates of this process: a session formats with the same few templates over and
#: over (a script of 200 `ps`), and parsing is a third of a listing's cost. Keyed by the text,
#: the name and the functions dict itself (kept alive here, so its id stays its own).
_PARSED: dict[tuple[str, str, int], tuple[Template, object]] = {}
_PARSED_LIMIT = 256


def parse(text: str, funcs: dict[str, Callable] | None = None, name: str = "") -> Template:
    """Parse a Go template with Go's builtins and docker's functions installed.

    `funcs` adds or overrides functions (plain Python callables; their required positional
    parameters are the template arguments).  `name` is the template name Go puts in error
    messages ("" for docker's formatters, "version" for `docker version`). Each call returns
    a template of its own (``option`` changes it), parsed once per process.
    """
    key = (text, name, id(funcs))
    cached = _PARSED.get(key)
    if cached is None:
        template = _parse(text, funcs, name)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = (template, funcs)
    else:
        template = cached[0]
    return replace(template)


def _parse(text: str, funcs: dict[str, Callable] | None, name: str) -> Template:
    functions: dict[str, Function] = dict(DOCKER_FUNCTIONS)
    for fn_name, fn in (funcs or {}).items():
        functions[fn_name] = fn if isinstance(fn, Function) else python_function(fn)
    trees: dict[str, ListNode] = {}
    parser = Parser(name, text, set(functions) | set(BUILTINS), trees)
    nesting, invokes = _nesting(parser.items)

    def run() -> ListNode:
        root = parser.parse()
        parser.add_tree(name, root)
        return root

    try:
        root = run_deep(run, nesting)
    except ParseFailure as failure:
        raise TemplateError(str(failure)) from None
    except RecursionError:  # only if the stack room run_deep asked for was refused
        raise TemplateError(f"template: {name}:1: template nests too deep for dshell") from None
    levels = (nesting + 1) * (MAX_EXEC_DEPTH + 1) if invokes else nesting
    return Template(name, text, trees.get(name, root), trees, functions, _levels=levels)


_OPENERS = (ITEM_IF, ITEM_RANGE, ITEM_WITH, ITEM_BLOCK, ITEM_DEFINE)


def _nesting(items: list) -> tuple[int, bool]:
    """An upper bound on how deep the parse tree nests (control structures, `else if` chains
    and parentheses), and whether any template is invoked, read off the lexer's items."""
    controls = parens = deepest = 0
    invokes = False
    for item in items:
        typ = item.typ
        if typ in _OPENERS:
            controls += 1
        elif typ == ITEM_END:
            controls -= 1
        elif typ == ITEM_LEFT_PAREN:
            parens += 1
        elif typ == ITEM_RIGHT_PAREN:
            parens -= 1
        elif typ == ITEM_TEMPLATE:
            invokes = True
        deepest = max(deepest, controls + parens)
    return deepest, invokes or any(item.typ == ITEM_BLOCK for item in items)
