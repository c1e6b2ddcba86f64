"""The parse tree: a port of Go's text/template/parse/node.go.

str(node) is Go's String(): error messages quote the node they were executing.
"""

from __future__ import annotations

from dshell.records import dataclass, field
from dshell.render.gotemplate.gofmt import go_quote


class Node:
    """A parse-tree node; `pos` is its byte offset in the template text (for error context)."""

    pos: int


@dataclass(eq=False)
class ListNode(Node):
    """A sequence of nodes: a template body, or an if/range/with branch."""

    pos: int
    nodes: list = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(eq=False)
class TextNode(Node):
    """Plain text between actions, printed as is."""

    pos: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class CommentNode(Node):
    """A {{/* comment */}}; prints nothing."""

    pos: int
    text: str

    def __str__(self) -> str:
        return "{{" + self.text + "}}"


@dataclass(eq=False)
class VariableNode(Node):
    """A variable ($, $x) with an optional chain of fields ($x.A.B)."""

    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False)
class CommandNode(Node):
    """One stage of a pipeline: an operand and its arguments."""

    pos: int
    args: list = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, PipeNode) else str(a) for a in self.args)


@dataclass(eq=False)
class PipeNode(Node):
    """A pipeline (cmd | cmd ...), with the variables it declares or assigns."""

    pos: int
    line: int
    decl: list[VariableNode] = field(default_factory=list)
    cmds: list[CommandNode] = field(default_factory=list)
    is_assign: bool = False

    def __str__(self) -> str:
        text = ""
        if self.decl:
            text = ", ".join(str(v) for v in self.decl) + " := "
        return text + " | ".join(str(c) for c in self.cmds)


@dataclass(eq=False)
class ActionNode(Node):
    """An action {{pipeline}}: printed unless it declares variables."""

    pos: int
    line: int
    pipe: PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(eq=False)
class IdentifierNode(Node):
    """A function name."""

    pos: int
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass(eq=False)
class DotNode(Node):
    """The cursor, dot."""

    pos: int

    def __str__(self) -> str:
        return "."


@dataclass(eq=False)
class NilNode(Node):
    """The untyped nil constant."""

    pos: int

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False)
class FieldNode(Node):
    """A field or method chain on dot: .A.B."""

    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


@dataclass(eq=False)
class ChainNode(Node):
    """A field chain on a term other than dot or a variable: (pipeline).A.B."""

    pos: int
    node: Node
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return head + "".join("." + f for f in self.fields)


@dataclass(eq=False)
class BoolNode(Node):
    """A true or false constant."""

    pos: int
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class NumberNode(Node):
    """A numeric constant, with each Go type it fits (text/template's NumberNode)."""

    pos: int
    text: str
    is_int: bool = False
    is_uint: bool = False
    is_float: bool = False
    is_complex: bool = False
    int64: int = 0
    uint64: int = 0
    float64: float = 0.0
    complex128: complex = 0j

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class StringNode(Node):
    """A string constant: `quoted` as written, `text` unquoted."""

    pos: int
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False)
class EndNode(Node):
    """{{end}}; only ever an item-list terminator, never in a finished tree."""

    pos: int

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False)
class ElseNode(Node):
    """{{else}}; only ever an item-list terminator, never in a finished tree."""

    pos: int
    line: int

    def __str__(self) -> str:
        return "{{else}}"


@dataclass(eq=False)
class BranchNode(Node):
    """The common shape of {{if}}, {{range}} and {{with}}."""

    pos: int
    line: int
    pipe: PipeNode
    list: ListNode
    else_list: ListNode | None
    keyword = ""

    def __str__(self) -> str:
        text = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            text += "{{else}}" + str(self.else_list)
        return text + "{{end}}"


class IfNode(BranchNode):
    """{{if pipeline}} list {{else}} list {{end}}."""

    keyword = "if"


class RangeNode(BranchNode):
    """{{range pipeline}} list {{else}} list {{end}}."""

    keyword = "range"


class WithNode(BranchNode):
    """{{with pipeline}} list {{else}} list {{end}}."""

    keyword = "with"


@dataclass(eq=False)
class TemplateNode(Node):
    """{{template "name" pipeline}}, also what {{block}} leaves in place."""

    pos: int
    line: int
    name: str
    pipe: PipeNode | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe is not None else ""
        return "{{template " + go_quote(self.name) + pipe + "}}"


@dataclass(eq=False)
class BreakNode(Node):
    """{{break}} inside a range."""

    pos: int
    line: int

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False)
class ContinueNode(Node):
    """{{continue}} inside a range."""

    pos: int
    line: int

    def __str__(self) -> str:
        return "{{continue}}"


def is_empty_tree(node: Node | None) -> bool:
    if node is None or isinstance(node, CommentNode):
        return True
    if isinstance(node, ListNode):
        return all(is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return node.text.strip(" \t\r\n\v\f\x85\xa0") == ""
    return False
