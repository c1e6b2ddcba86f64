"""Go text/template, as docker's `--format` flag runs it.

A port of Go's text/template lexer, parser and executor (Go 1.24, the toolchain of docker CLI
28) with docker's extra functions from docker/cli `templates/templates.go`.  Output and error
messages are Go's, byte for byte, so that dshell prints what docker prints.

Go values are modelled with Python ones: str, bool, int, float, list/tuple (slices), dict
(maps, iterated in sorted-key order) and objects (structs: exported attributes are fields,
callable attributes are methods).  `None` is Go's nil interface, as found in JSON decoded into
`map[string]interface{}`; a missing map key is Go's invalid value and prints `<no value>`.
"""

from __future__ import annotations

import functools
import inspect
import math
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from dshell.render import gojson

__all__ = ["TemplateError", "Template", "parse", "docker_functions"]


class TemplateError(Exception):
    """A parse or execution error; str(error) is Go's message.

    `output` holds what an execution wrote before it failed (Go writes it to its writer).
    """

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


class _Invalid:
    """Go's invalid reflect.Value: a missing map key or an untyped nil (one instance)."""

    def __repr__(self) -> str:
        return "<no value>"


class _Absent:
    """No value piped into a command (Go's missingVal)."""

    def __repr__(self) -> str:
        return "<absent>"


INVALID = _Invalid()
_ABSENT = _Absent()


# ----------------------------------------------------------------------------------------------
# Lexer (port of text/template/parse/lex.go)

_EOF = ""
(
    _ERROR, _BOOL, _CHAR, _CHAR_CONSTANT, _COMMENT, _COMPLEX, _ASSIGN, _DECLARE, _EOF_ITEM,
    _FIELD, _IDENTIFIER, _LEFT_DELIM, _LEFT_PAREN, _NUMBER, _PIPE, _RAW_STRING, _RIGHT_DELIM,
    _RIGHT_PAREN, _SPACE, _STRING, _TEXT, _VARIABLE,
    _KEYWORD, _BLOCK, _BREAK, _CONTINUE, _DOT, _DEFINE, _ELSE, _END, _IF, _NIL, _RANGE,
    _TEMPLATE, _WITH,
) = range(35)

_KEYWORDS = {
    ".": _DOT, "block": _BLOCK, "break": _BREAK, "continue": _CONTINUE, "define": _DEFINE,
    "else": _ELSE, "end": _END, "if": _IF, "range": _RANGE, "nil": _NIL,
    "template": _TEMPLATE, "with": _WITH,
}
_SPACE_CHARS = " \t\r\n"
_LEFT, _RIGHT = "{{", "}}"


@dataclass
class _Item:
    typ: int
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        if self.typ == _EOF_ITEM:
            return "EOF"
        if self.typ == _ERROR:
            return self.val
        if self.typ > _KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)


def _is_space(ch: str) -> bool:
    return ch != _EOF and ch in _SPACE_CHARS


def _is_alphanumeric(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or (ch != _EOF and unicodedata.category(ch) == "Nd")


def _rune_repr(ch: str) -> str:
    """Go's %#U."""
    if ch == _EOF:
        return "U+FFFFFFFFFFFFFFFF"
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


class _Lexer:
    def __init__(self, text: str, break_ok: bool, continue_ok: bool) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.width = 0
        self.paren_depth = 0
        self.line = 1
        self.start_line = 1
        self.break_ok = break_ok
        self.continue_ok = continue_ok

    def items(self) -> list[_Item]:
        items: list[_Item] = []
        state: Callable | None = self.lex_text
        while state is not None:
            item, state = state()
            if item is not None:
                items.append(item)
                if item.typ in (_ERROR, _EOF_ITEM):
                    break
        if not items or items[-1].typ not in (_ERROR, _EOF_ITEM):
            items.append(self.emit(_EOF_ITEM))
        return items

    # primitive moves
    def next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return _EOF
        ch = self.input[self.pos]
        self.width = 1
        self.pos += 1
        if ch == "\n":
            self.line += 1
        return ch

    def peek(self) -> str:
        ch = self.next()
        self.backup()
        return ch

    def backup(self) -> None:
        self.pos -= self.width
        if self.width == 1 and self.input[self.pos] == "\n":
            self.line -= 1

    def emit(self, typ: int) -> _Item:
        item = _Item(typ, self.start, self.input[self.start:self.pos], self.start_line)
        self.start = self.pos
        self.start_line = self.line
        return item

    def ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def accept(self, valid: str) -> bool:
        ch = self.next()
        if ch != _EOF and ch in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while True:
            ch = self.next()
            if ch == _EOF or ch not in valid:
                break
        self.backup()

    def errorf(self, message: str) -> tuple[_Item, None]:
        return _Item(_ERROR, self.start, message, self.start_line), None

    def has_left_trim_marker(self, at: int) -> bool:
        return self.input[at:at + 1] == "-" and _is_space(self.input[at + 1:at + 2])

    def has_right_trim_marker(self, at: int) -> bool:
        return _is_space(self.input[at:at + 1]) and self.input[at + 1:at + 2] == "-"

    def at_right_delim(self) -> tuple[bool, bool]:
        if self.has_right_trim_marker(self.pos) and self.input.startswith(_RIGHT, self.pos + 2):
            return True, True
        if self.input.startswith(_RIGHT, self.pos):
            return True, False
        return False, False

    def at_terminator(self) -> bool:
        ch = self.peek()
        return _is_space(ch) or ch in (_EOF, ".", ",", "|", ":", ")", "(", _RIGHT[0])

    # states
    def lex_text(self):
        self.width = 0
        found = self.input.find(_LEFT, self.pos)
        if found >= 0:
            self.pos = found
            trim = 0
            if self.has_left_trim_marker(self.pos + len(_LEFT)):
                text = self.input[self.start:self.pos]
                trim = len(text) - len(text.rstrip(_SPACE_CHARS))
            self.pos -= trim
            item = None
            if self.pos > self.start:
                self.line += self.input.count("\n", self.start, self.pos)
                item = self.emit(_TEXT)
            self.pos += trim
            self.ignore()
            return item, self.lex_left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            return self.emit(_TEXT), self.lex_text
        return self.emit(_EOF_ITEM), None

    def lex_left_delim(self):
        self.pos += len(_LEFT)
        trim = self.has_left_trim_marker(self.pos)
        after = 2 if trim else 0
        if self.input.startswith("/*", self.pos + after):
            self.pos += after
            self.ignore()
            return None, self.lex_comment
        item = self.emit(_LEFT_DELIM)
        self.pos += after
        self.ignore()
        self.paren_depth = 0
        return item, self.lex_inside_action

    def lex_comment(self):
        self.pos += 2
        end = self.input.find("*/", self.pos)
        if end < 0:
            return self.errorf("unclosed comment")
        self.pos = end + 2
        delim, trim = self.at_right_delim()
        if not delim:
            return self.errorf("comment ends before closing delimiter")
        if trim:
            self.pos += 2
        self.pos += len(_RIGHT)
        if trim:
            rest = self.input[self.pos:]
            self.pos += len(rest) - len(rest.lstrip(_SPACE_CHARS))
        self.ignore()
        return None, self.lex_text

    def lex_right_delim(self):
        trim = self.has_right_trim_marker(self.pos)
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += len(_RIGHT)
        item = self.emit(_RIGHT_DELIM)
        if trim:
            rest = self.input[self.pos:]
            self.pos += len(rest) - len(rest.lstrip(_SPACE_CHARS))
            self.ignore()
        return item, self.lex_text

    def lex_inside_action(self):
        delim, _ = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return None, self.lex_right_delim
            return self.errorf("unclosed left paren")
        ch = self.next()
        if ch == _EOF:
            return self.errorf("unclosed action")
        if _is_space(ch):
            self.backup()
            return None, self.lex_space
        if ch == "=":
            return self.emit(_ASSIGN), self.lex_inside_action
        if ch == ":":
            if self.next() != "=":
                return self.errorf("expected :=")
            return self.emit(_DECLARE), self.lex_inside_action
        if ch == "|":
            return self.emit(_PIPE), self.lex_inside_action
        if ch == '"':
            return None, self.lex_quote
        if ch == "`":
            return None, self.lex_raw_quote
        if ch == "$":
            return None, self.lex_variable
        if ch == "'":
            return None, self.lex_char
        if ch == "." and self.pos < len(self.input) and not "0" <= self.input[self.pos] <= "9":
            return None, self.lex_field
        if ch in ".+-" or "0" <= ch <= "9":
            self.backup()
            return None, self.lex_number
        if _is_alphanumeric(ch):
            self.backup()
            return None, self.lex_identifier
        if ch == "(":
            item = self.emit(_LEFT_PAREN)
            self.paren_depth += 1
            return item, self.lex_inside_action
        if ch == ")":
            item = self.emit(_RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                return self.errorf("unexpected right paren")
            return item, self.lex_inside_action
        if ord(ch) < 0x80 and ch.isprintable():
            return self.emit(_CHAR), self.lex_inside_action
        return self.errorf(f"unrecognized character in action: {_rune_repr(ch)}")

    def lex_space(self):
        count = 0
        while _is_space(self.peek()):
            self.next()
            count += 1
        if self.has_right_trim_marker(self.pos - 1) and \
                self.input.startswith(_RIGHT, self.pos - 1 + 2):
            self.backup()
            if count == 1:
                return None, self.lex_right_delim
        return self.emit(_SPACE), self.lex_inside_action

    def lex_identifier(self):
        while True:
            ch = self.next()
            if _is_alphanumeric(ch):
                continue
            self.backup()
            word = self.input[self.start:self.pos]
            if not self.at_terminator():
                return self.errorf(f"bad character {_rune_repr(ch)}")
            keyword = _KEYWORDS.get(word)
            if keyword is not None:
                if (keyword == _BREAK and not self.break_ok) or \
                        (keyword == _CONTINUE and not self.continue_ok):
                    keyword = _IDENTIFIER
                item = self.emit(keyword)
            elif word[0] == ".":
                item = self.emit(_FIELD)
            elif word in ("true", "false"):
                item = self.emit(_BOOL)
            else:
                item = self.emit(_IDENTIFIER)
            return item, self.lex_inside_action

    def lex_field(self):
        return self._lex_field_or_variable(_FIELD)

    def lex_variable(self):
        if self.at_terminator():
            return self.emit(_VARIABLE), self.lex_inside_action
        return self._lex_field_or_variable(_VARIABLE)

    def _lex_field_or_variable(self, typ: int):
        if self.at_terminator():
            return self.emit(_VARIABLE if typ == _VARIABLE else _DOT), self.lex_inside_action
        while True:
            ch = self.next()
            if not _is_alphanumeric(ch):
                self.backup()
                break
        if not self.at_terminator():
            return self.errorf(f"bad character {_rune_repr(ch)}")
        return self.emit(typ), self.lex_inside_action

    def lex_char(self):
        while True:
            ch = self.next()
            if ch == "\\":
                following = self.next()
                if following not in (_EOF, "\n"):
                    continue
                return self.errorf("unterminated character constant")
            if ch in (_EOF, "\n"):
                return self.errorf("unterminated character constant")
            if ch == "'":
                return self.emit(_CHAR_CONSTANT), self.lex_inside_action

    def lex_number(self):
        if not self._scan_number():
            return self.errorf(f"bad number syntax: {go_quote(self.input[self.start:self.pos])}")
        if self.peek() in ("+", "-"):
            if not self._scan_number() or self.input[self.pos - 1] != "i":
                text = self.input[self.start:self.pos]
                return self.errorf(f"bad number syntax: {go_quote(text)}")
            return self.emit(_COMPLEX), self.lex_inside_action
        return self.emit(_NUMBER), self.lex_inside_action

    def _scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if _is_alphanumeric(self.peek()):
            self.next()
            return False
        return True

    def lex_quote(self):
        while True:
            ch = self.next()
            if ch == "\\":
                if self.next() not in (_EOF, "\n"):
                    continue
                return self.errorf("unterminated quoted string")
            if ch in (_EOF, "\n"):
                return self.errorf("unterminated quoted string")
            if ch == '"':
                return self.emit(_STRING), self.lex_inside_action

    def lex_raw_quote(self):
        while True:
            ch = self.next()
            if ch == _EOF:
                return self.errorf("unterminated raw quoted string")
            if ch == "`":
                return self.emit(_RAW_STRING), self.lex_inside_action


# ----------------------------------------------------------------------------------------------
# Parse tree (port of text/template/parse/node.go); str(node) is Go's String().

class _Node:
    pos: int


@dataclass(eq=False)
class _ListNode(_Node):
    pos: int
    nodes: list = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(n) for n in self.nodes)


@dataclass(eq=False)
class _TextNode(_Node):
    pos: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(eq=False)
class _CommentNode(_Node):
    pos: int
    text: str

    def __str__(self) -> str:
        return "{{" + self.text + "}}"


@dataclass(eq=False)
class _VariableNode(_Node):
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(eq=False)
class _CommandNode(_Node):
    pos: int
    args: list = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, _PipeNode) else str(a) for a in self.args)


@dataclass(eq=False)
class _PipeNode(_Node):
    pos: int
    line: int
    decl: list[_VariableNode] = field(default_factory=list)
    cmds: list[_CommandNode] = field(default_factory=list)
    is_assign: bool = False

    def __str__(self) -> str:
        text = ""
        if self.decl:
            text = ", ".join(str(v) for v in self.decl) + " := "
        return text + " | ".join(str(c) for c in self.cmds)


@dataclass(eq=False)
class _ActionNode(_Node):
    pos: int
    line: int
    pipe: _PipeNode

    def __str__(self) -> str:
        return "{{" + str(self.pipe) + "}}"


@dataclass(eq=False)
class _IdentifierNode(_Node):
    pos: int
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass(eq=False)
class _DotNode(_Node):
    pos: int

    def __str__(self) -> str:
        return "."


@dataclass(eq=False)
class _NilNode(_Node):
    pos: int

    def __str__(self) -> str:
        return "nil"


@dataclass(eq=False)
class _FieldNode(_Node):
    pos: int
    ident: list[str]

    def __str__(self) -> str:
        return "".join("." + i for i in self.ident)


@dataclass(eq=False)
class _ChainNode(_Node):
    pos: int
    node: _Node
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, _PipeNode) else str(self.node)
        return head + "".join("." + f for f in self.fields)


@dataclass(eq=False)
class _BoolNode(_Node):
    pos: int
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(eq=False)
class _NumberNode(_Node):
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
class _StringNode(_Node):
    pos: int
    quoted: str
    text: str

    def __str__(self) -> str:
        return self.quoted


@dataclass(eq=False)
class _EndNode(_Node):
    pos: int

    def __str__(self) -> str:
        return "{{end}}"


@dataclass(eq=False)
class _ElseNode(_Node):
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{else}}"


@dataclass(eq=False)
class _BranchNode(_Node):
    pos: int
    line: int
    pipe: _PipeNode
    list: _ListNode
    else_list: _ListNode | None
    keyword = ""

    def __str__(self) -> str:
        text = "{{" + self.keyword + " " + str(self.pipe) + "}}" + str(self.list)
        if self.else_list is not None:
            text += "{{else}}" + str(self.else_list)
        return text + "{{end}}"


class _IfNode(_BranchNode):
    keyword = "if"


class _RangeNode(_BranchNode):
    keyword = "range"


class _WithNode(_BranchNode):
    keyword = "with"


@dataclass(eq=False)
class _TemplateNode(_Node):
    pos: int
    line: int
    name: str
    pipe: _PipeNode | None

    def __str__(self) -> str:
        pipe = f" {self.pipe}" if self.pipe is not None else ""
        return "{{template " + go_quote(self.name) + pipe + "}}"


@dataclass(eq=False)
class _BreakNode(_Node):
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{break}}"


@dataclass(eq=False)
class _ContinueNode(_Node):
    pos: int
    line: int

    def __str__(self) -> str:
        return "{{continue}}"


def _is_empty_tree(node: _Node | None) -> bool:
    if node is None or isinstance(node, _CommentNode):
        return True
    if isinstance(node, _ListNode):
        return all(_is_empty_tree(n) for n in node.nodes)
    if isinstance(node, _TextNode):
        return node.text.strip(" \t\r\n\v\f\x85\xa0") == ""
    return False


# ----------------------------------------------------------------------------------------------
# Parser (port of text/template/parse/parse.go)

class _ParseFailure(Exception):
    pass


def _unquote(text: str) -> str:
    """Go's strconv.Unquote for "..." and `...` literals."""
    if text.startswith("`"):
        if "`" in text[1:-1] or not text.endswith("`") or len(text) < 2:
            raise ValueError("invalid syntax")
        return text[1:-1].replace("\r", "")
    if len(text) < 2 or not text.endswith('"'):
        raise ValueError("invalid syntax")
    body = text[1:-1]
    out: list[str] = []
    pending_bytes = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == '"':
            raise ValueError("invalid syntax")
        if ch != "\\":
            _flush_bytes(pending_bytes, out)
            out.append(ch)
            i += 1
            continue
        value, is_byte, i = _unquote_escape(body, i, '"')
        if is_byte:
            pending_bytes.append(value)
        else:
            _flush_bytes(pending_bytes, out)
            out.append(chr(value))
    _flush_bytes(pending_bytes, out)
    return "".join(out)


def _flush_bytes(pending: bytearray, out: list[str]) -> None:
    if pending:
        out.append(bytes(pending).decode("utf-8", errors="replace"))
        pending.clear()


_SIMPLE_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}


def _unquote_escape(body: str, i: int, quote: str) -> tuple[int, bool, int]:
    """Decode the escape at body[i] ('\\'); returns (value, is_raw_byte, next index)."""
    if i + 1 >= len(body):
        raise ValueError("invalid syntax")
    ch = body[i + 1]
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch], False, i + 2
    if ch == quote:
        return ord(quote), False, i + 2
    if ch in "xuU":
        size = {"x": 2, "u": 4, "U": 8}[ch]
        digits = body[i + 2:i + 2 + size]
        if len(digits) != size or any(c not in "0123456789abcdefABCDEF" for c in digits):
            raise ValueError("invalid syntax")
        value = int(digits, 16)
        if ch == "x":
            return value, quote != "'" and value >= 0x80, i + 2 + size
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            raise ValueError("invalid syntax")
        return value, False, i + 2 + size
    if "0" <= ch <= "7":
        digits = body[i + 1:i + 4]
        if len(digits) != 3 or any(not "0" <= c <= "7" for c in digits):
            raise ValueError("invalid syntax")
        value = int(digits, 8)
        if value > 255:
            raise ValueError("invalid syntax")
        return value, quote != "'" and value >= 0x80, i + 4
    raise ValueError("invalid syntax")


def _underscores_ok(body: str) -> bool:
    """Go allows `_` only between digits, or between a base prefix and a digit."""
    if "_" not in body:
        return True
    if body.lower().startswith(("0x", "0o", "0b")):
        body = "0" + body[2:]
    return not body.startswith("_") and not body.endswith("_") and "__" not in body and \
        "_." not in body and "._" not in body


def _parse_go_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64) without the range check; None when not an integer."""
    body = text[1:] if text[:1] in "+-" else text
    sign = -1 if text.startswith("-") else 1
    if not body or not _underscores_ok(body):
        return None
    lowered = body.lower()
    try:
        if lowered.startswith(("0x", "0o", "0b")):
            return sign * int(body, 0)
        body = body.replace("_", "")
        if len(body) > 1 and body.startswith("0"):
            if any(c not in "01234567" for c in body):
                return None
            return sign * int(body, 8)
        if not body.isdigit() or not body.isascii():
            return None
        return sign * int(body)
    except ValueError:
        return None


def _parse_go_float(text: str) -> float | None:
    body = text[1:] if text[:1] in "+-" else text
    if not body or not _underscores_ok(body):
        return None
    body = body.replace("_", "")
    try:
        if body.lower().startswith("0x"):
            value = float.fromhex(body)
        elif all(c in "0123456789.eE+-" for c in body):
            value = float(body)
        else:
            return None
    except (ValueError, OverflowError):
        return None
    return -value if text.startswith("-") else value


def _new_number(pos: int, text: str, typ: int) -> _NumberNode:
    node = _NumberNode(pos, text)
    if typ == _CHAR_CONSTANT:
        try:
            body = text[1:-1] if text.endswith("'") else text[1:]
            if body.startswith("\\"):
                value, _, end = _unquote_escape(body, 0, "'")
            elif body:
                value, end = ord(body[0]), 1
            else:
                raise ValueError("invalid syntax")
        except ValueError:
            raise ValueError("invalid syntax") from None
        if text[1 + end:] != "'":
            raise ValueError(f"malformed character constant: {text}")
        node.int64 = node.uint64 = value
        node.float64 = float(value)
        node.is_int = node.is_uint = node.is_float = True
        return node
    if typ == _COMPLEX or text.endswith("i"):
        try:
            value = complex(text.replace("i", "j").replace("_", ""))
        except ValueError:
            raise ValueError(f"illegal number syntax: {go_quote(text)}") from None
        node.is_complex, node.complex128 = True, value
        if value.imag == 0:  # Go's simplifyComplex
            real = value.real
            node.is_float, node.float64 = True, real
            if real.is_integer():
                node.is_int, node.int64 = True, int(real)
                node.is_uint, node.uint64 = real >= 0, max(int(real), 0)
        return node
    as_int = _parse_go_int(text)
    if as_int is not None and not text.startswith(("+", "-")) and 0 <= as_int < 2**64:
        node.is_uint, node.uint64 = True, as_int
    if as_int is not None and -(2**63) <= as_int < 2**63:
        node.is_int, node.int64 = True, as_int
        if as_int == 0:
            node.is_uint, node.uint64 = True, 0
    if node.is_int:
        node.is_float, node.float64 = True, float(node.int64)
    elif node.is_uint:
        node.is_float, node.float64 = True, float(node.uint64)
    else:
        value = _parse_go_float(text)
        if value is not None and not math.isinf(value):
            if not any(c in text for c in ".eEpP"):
                raise ValueError(f"integer overflow: {go_quote(text)}")
            node.is_float, node.float64 = True, value
            if value.is_integer() and -(2**63) <= value < 2**63:
                node.is_int, node.int64 = True, int(value)
            if value.is_integer() and 0 <= value < 2**64:
                node.is_uint, node.uint64 = True, int(value)
    if not (node.is_int or node.is_uint or node.is_float):
        raise ValueError(f"illegal number syntax: {go_quote(text)}")
    return node


class _Parser:
    def __init__(self, name: str, text: str, functions: set[str],
                 trees: dict[str, _ListNode]) -> None:
        self.name = name
        self.text = text
        self.functions = functions
        self.trees = trees
        lexer = _Lexer(text, "break" not in functions, "continue" not in functions)
        self.items = lexer.items()
        self.index = 0
        self.token: list[_Item] = [_Item(_EOF_ITEM, 0, "", 1)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0
        self.stack_depth = 0

    # token stream
    def _lex_next(self) -> _Item:
        item = self.items[self.index]
        if self.index < len(self.items) - 1:
            self.index += 1
        return item

    def next(self) -> _Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self._lex_next()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: _Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: _Item, t1: _Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> _Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self._lex_next()
        return self.token[0]

    def next_non_space(self) -> _Item:
        while True:
            token = self.next()
            if token.typ != _SPACE:
                return token

    def peek_non_space(self) -> _Item:
        token = self.next_non_space()
        self.backup()
        return token

    # errors
    def errorf(self, message: str):
        raise _ParseFailure(f"template: {self.name}:{self.token[0].line}: {message}")

    def expect(self, expected: int, context: str) -> _Item:
        token = self.next_non_space()
        if token.typ != expected:
            self.unexpected(token, context)
        return token

    def expect_one_of(self, first: int, second: int, context: str) -> _Item:
        token = self.next_non_space()
        if token.typ not in (first, second):
            self.unexpected(token, context)
        return token

    def unexpected(self, token: _Item, context: str):
        if token.typ == _ERROR:
            extra = ""
            if self.action_line != 0 and self.action_line != token.line:
                extra = f" in action started at {self.name}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action"):]
            self.errorf(f"{token}{extra}")
        self.errorf(f"unexpected {token} in {context}")

    # grammar
    def parse(self) -> _ListNode:
        root = _ListNode(self.peek().pos)
        while self.peek().typ != _EOF_ITEM:
            if self.peek().typ == _LEFT_DELIM:
                delim = self.next()
                if self.next_non_space().typ == _DEFINE:
                    self._parse_definition()
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                self.errorf(f"unexpected {node}")
            root.nodes.append(node)
        return root

    def _sub_parser(self) -> _Parser:
        sub = _Parser.__new__(_Parser)
        sub.__dict__.update(self.__dict__)
        sub.vars = ["$"]
        sub.range_depth = 0
        sub.stack_depth = 0
        return sub

    def _adopt(self, sub: _Parser) -> None:
        self.index = sub.index
        self.token = sub.token
        self.peek_count = sub.peek_count

    def _add_tree(self, name: str, root: _ListNode) -> None:
        existing = self.trees.get(name)
        if existing is None or _is_empty_tree(existing):
            self.trees[name] = root
        elif not _is_empty_tree(root):
            self.errorf(f"template: multiple definition of template {go_quote(name)}")

    def _parse_definition(self) -> None:
        context = "define clause"
        sub = self._sub_parser()
        token = sub.expect_one_of(_STRING, _RAW_STRING, context)
        try:
            name = _unquote(token.val)
        except ValueError as err:
            sub.errorf(str(err))
        sub.expect(_RIGHT_DELIM, context)
        root, end = sub.item_list()
        if not isinstance(end, _EndNode):
            sub.errorf(f"unexpected {end} in {context}")
        sub._add_tree(name, root)
        self._adopt(sub)

    def item_list(self) -> tuple[_ListNode, _Node]:
        nodes = _ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != _EOF_ITEM:
            node = self.text_or_action()
            if isinstance(node, (_EndNode, _ElseNode)):
                return nodes, node
            nodes.nodes.append(node)
        self.errorf("unexpected EOF")
        raise AssertionError

    def text_or_action(self) -> _Node:
        token = self.next_non_space()
        if token.typ == _TEXT:
            return _TextNode(token.pos, token.val)
        if token.typ == _LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if token.typ == _COMMENT:
            return _CommentNode(token.pos, token.val)
        self.unexpected(token, "input")
        raise AssertionError

    def action(self) -> _Node:
        token = self.next_non_space()
        controls = {
            _BLOCK: self.block_control, _ELSE: self.else_control, _END: self.end_control,
            _IF: self.if_control, _RANGE: self.range_control, _TEMPLATE: self.template_control,
            _WITH: self.with_control,
        }
        if token.typ in controls:
            return controls[token.typ]()
        if token.typ in (_BREAK, _CONTINUE):
            return self.loop_control(token)
        self.backup()
        token = self.peek()
        return _ActionNode(token.pos, token.line, self.pipeline("command", _RIGHT_DELIM))

    def loop_control(self, keyword: _Item) -> _Node:
        word = "break" if keyword.typ == _BREAK else "continue"
        token = self.next_non_space()
        if token.typ != _RIGHT_DELIM:
            self.unexpected(token, "{{" + word + "}}")
        if self.range_depth == 0:
            self.errorf("{{" + word + "}} outside {{range}}")
        node_type = _BreakNode if keyword.typ == _BREAK else _ContinueNode
        return node_type(keyword.pos, keyword.line)

    def pipeline(self, context: str, end: int) -> _PipeNode:
        token = self.peek_non_space()
        pipe = _PipeNode(token.pos, token.line)
        while True:  # declarations
            variable = self.peek_non_space()
            if variable.typ != _VARIABLE:
                break
            self.next()
            token_after = self.peek()
            following = self.peek_non_space()
            if following.typ in (_ASSIGN, _DECLARE):
                pipe.is_assign = following.typ == _ASSIGN
                self.next_non_space()
                pipe.decl.append(_VariableNode(variable.pos, variable.val.split(".")))
                self.vars.append(variable.val)
            elif following.typ == _CHAR and following.val == ",":
                self.next_non_space()
                pipe.decl.append(_VariableNode(variable.pos, variable.val.split(".")))
                self.vars.append(variable.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (_VARIABLE, _RIGHT_DELIM, _RIGHT_PAREN):
                        continue
                    self.errorf("range can only initialize variables")
                self.errorf(f"too many declarations in {context}")
            elif token_after.typ == _SPACE:
                self.backup3(variable, token_after)
            else:
                self.backup2(variable)
            break
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ in (_BOOL, _CHAR_CONSTANT, _COMPLEX, _DOT, _FIELD, _IDENTIFIER,
                             _NUMBER, _NIL, _RAW_STRING, _STRING, _VARIABLE, _LEFT_PAREN):
                self.backup()
                pipe.cmds.append(self.command())
            else:
                self.unexpected(token, context)

    def check_pipeline(self, pipe: _PipeNode, context: str) -> None:
        if not pipe.cmds:
            self.errorf(f"missing value for {context}")
        for i, cmd in enumerate(pipe.cmds[1:]):
            if isinstance(cmd.args[0], (_BoolNode, _DotNode, _NilNode, _NumberNode,
                                        _StringNode)):
                self.errorf(f"non executable command in pipeline stage {i + 2}")

    def parse_control(self, context: str):
        saved_vars = len(self.vars)
        try:
            pipe = self.pipeline(context, _RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            body, following = self.item_list()
            if context == "range":
                self.range_depth -= 1
            else_list = None
            if isinstance(following, _ElseNode):
                if context == "if" and self.peek().typ == _IF:
                    self.next()
                    else_list = _ListNode(following.pos, [self.if_control()])
                elif context == "with" and self.peek().typ == _WITH:
                    self.next()
                    else_list = _ListNode(following.pos, [self.with_control()])
                else:
                    else_list, following = self.item_list()
                    if not isinstance(following, _EndNode):
                        self.errorf(f"expected end; found {following}")
            return pipe.pos, pipe.line, pipe, body, else_list
        finally:
            del self.vars[saved_vars:]

    def if_control(self) -> _Node:
        return _IfNode(*self.parse_control("if"))

    def range_control(self) -> _Node:
        return _RangeNode(*self.parse_control("range"))

    def with_control(self) -> _Node:
        return _WithNode(*self.parse_control("with"))

    def end_control(self) -> _Node:
        return _EndNode(self.expect(_RIGHT_DELIM, "end").pos)

    def else_control(self) -> _Node:
        peek = self.peek_non_space()
        if peek.typ in (_IF, _WITH):
            return _ElseNode(peek.pos, peek.line)
        token = self.expect(_RIGHT_DELIM, "else")
        return _ElseNode(token.pos, token.line)

    def block_control(self) -> _Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.parse_template_name(token, context)
        pipe = self.pipeline(context, _RIGHT_DELIM)
        sub = self._sub_parser()
        root, end = sub.item_list()
        if not isinstance(end, _EndNode):
            self.errorf(f"unexpected {end} in {context}")
        sub._add_tree(name, root)
        self._adopt(sub)
        return _TemplateNode(token.pos, token.line, name, pipe)

    def template_control(self) -> _Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.parse_template_name(token, context)
        pipe = None
        if self.next_non_space().typ != _RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, _RIGHT_DELIM)
        return _TemplateNode(token.pos, token.line, name, pipe)

    def parse_template_name(self, token: _Item, context: str) -> str:
        if token.typ in (_STRING, _RAW_STRING):
            try:
                return _unquote(token.val)
            except ValueError as err:
                self.errorf(str(err))
        self.unexpected(token, context)
        raise AssertionError

    def command(self) -> _CommandNode:
        cmd = _CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == _SPACE:
                continue
            if token.typ in (_RIGHT_DELIM, _RIGHT_PAREN):
                self.backup()
            elif token.typ != _PIPE:
                self.unexpected(token, "operand")
            break
        if not cmd.args:
            self.errorf("empty command")
        return cmd

    def operand(self) -> _Node | None:
        node = self.term()
        if node is None:
            return None
        if self.peek().typ == _FIELD:
            chain = _ChainNode(self.peek().pos, node)
            while self.peek().typ == _FIELD:
                chain.fields.append(self.next().val[1:])
            if isinstance(node, _FieldNode):
                return _FieldNode(chain.pos, node.ident + chain.fields)
            if isinstance(node, _VariableNode):
                return _VariableNode(chain.pos, node.ident + chain.fields)
            if isinstance(node, (_BoolNode, _StringNode, _NumberNode, _NilNode, _DotNode)):
                self.errorf(f"unexpected . after term {go_quote(str(node))}")
            return chain
        return node

    def term(self) -> _Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == _IDENTIFIER:
            if token.val not in self.functions:
                self.errorf(f"function {go_quote(token.val)} not defined")
            return _IdentifierNode(token.pos, token.val)
        if typ == _DOT:
            return _DotNode(token.pos)
        if typ == _NIL:
            return _NilNode(token.pos)
        if typ == _VARIABLE:
            return self.use_var(token.pos, token.val)
        if typ == _FIELD:
            return _FieldNode(token.pos, token.val[1:].split("."))
        if typ == _BOOL:
            return _BoolNode(token.pos, token.val == "true")
        if typ in (_CHAR_CONSTANT, _COMPLEX, _NUMBER):
            try:
                return _new_number(token.pos, token.val, typ)
            except ValueError as err:
                self.errorf(str(err))
        if typ == _LEFT_PAREN:
            if self.stack_depth >= 10000:
                self.errorf("max expression depth exceeded")
            self.stack_depth += 1
            try:
                return self.pipeline("parenthesized pipeline", _RIGHT_PAREN)
            finally:
                self.stack_depth -= 1
        if typ in (_STRING, _RAW_STRING):
            try:
                return _StringNode(token.pos, token.val, _unquote(token.val))
            except ValueError as err:
                self.errorf(str(err))
        self.backup()
        return None

    def use_var(self, pos: int, name: str) -> _Node:
        node = _VariableNode(pos, name.split("."))
        if node.ident[0] not in self.vars:
            self.errorf(f"undefined variable {go_quote(node.ident[0])}")
        return node


# ----------------------------------------------------------------------------------------------
# Go values: kinds, type names, truth

def _is_struct(value: object) -> bool:
    return not isinstance(value, (str, bytes, bool, int, float, complex, list, tuple, dict,
                                  _Invalid, type(None)))


def go_type(value: object) -> str:
    """The Go type name docker would report for a value decoded from the Engine's JSON."""
    if value is None:
        return "interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, complex):
        return "complex128"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "[]" + _element_type(value)
    if isinstance(value, dict):
        return "map[string]" + _element_type(value.values())
    name = getattr(value, "go_type_name", None)
    if isinstance(name, str):
        return name
    if callable(value):
        return "func(...interface {}) interface {}"
    return type(value).__name__


def _element_type(items) -> str:
    items = list(items)
    if items and all(isinstance(i, str) for i in items):
        return "string"
    return "interface {}"


def _indirect_interface(value: object) -> object:
    return INVALID if value is None else value


def _is_true(value: object) -> tuple[bool, bool]:
    if value is INVALID or value is None:
        return False, True
    if isinstance(value, (bool, int, float, complex)):
        return value != 0, True
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0, True
    return True, True


def _truth(value: object) -> bool:
    return _is_true(_indirect_interface(value))[0]


def _dict_zero(mapping: dict) -> object:
    """reflect.Zero of a map's element type: "" for string maps (labels), else nil."""
    return "" if all(isinstance(v, str) for v in mapping.values()) else None


# ----------------------------------------------------------------------------------------------
# fmt (the parts of Go's fmt package that templates reach: Sprint, Sprintln, Sprintf)

@dataclass
class _Flags:
    plus: bool = False
    minus: bool = False
    sharp: bool = False
    space: bool = False
    zero: bool = False
    wid: int | None = None
    prec: int | None = None
    plus_v: bool = False
    sharp_v: bool = False


_PLAIN = _Flags()


def go_quote(text: str, ascii_only: bool = False) -> str:
    """Go's strconv.Quote (QuoteToASCII when ascii_only)."""
    return '"' + _escape(text, '"', ascii_only) + '"'


def _escape(text: str, quote: str, ascii_only: bool) -> str:
    out: list[str] = []
    for ch in text:
        code = ord(ch)
        if ch == quote or ch == "\\":
            out.append("\\" + ch)
        elif ch.isprintable() and not (ascii_only and code >= 0x80) and \
                not 0xD800 <= code <= 0xDFFF:
            out.append(ch)
        elif ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\\ufffd" if ascii_only else "\ufffd")
        elif code > 0xFFFF:
            out.append(f"\\U{code:08x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out)


def _pad(text: str, flags: _Flags, zero_allowed: bool = True) -> str:
    if not flags.wid:
        return text
    width = flags.wid - len(text)
    if width <= 0:
        return text
    if flags.minus:
        return text + " " * width
    fill = "0" if flags.zero and zero_allowed else " "
    return fill * width + text


def _fmt_integer(value: int, base: int, verb: str, flags: _Flags) -> str:
    negative = value < 0
    digits_of = {2: "b", 8: "o", 10: "d", 16: "x"}
    digits = format(abs(value), digits_of[base])
    if verb == "X":
        digits = digits.upper()
    prec = 0
    if flags.prec is not None:
        prec = flags.prec
        if prec == 0 and value == 0:
            return _pad("", replace(flags, zero=False))
    elif flags.zero and not flags.minus and flags.wid is not None:
        prec = flags.wid
        if negative or flags.plus or flags.space:
            prec -= 1
    if len(digits) < prec:
        digits = "0" * (prec - len(digits)) + digits
    if flags.sharp:
        if base == 2:
            digits = "0b" + digits
        elif base == 8 and not digits.startswith("0"):
            digits = "0" + digits
        elif base == 16:
            digits = ("0X" if verb == "X" else "0x") + digits
    if verb == "O":
        digits = "0o" + digits
    if negative:
        digits = "-" + digits
    elif flags.plus:
        digits = "+" + digits
    elif flags.space:
        digits = " " + digits
    return _pad(digits, flags, zero_allowed=False)


def _hex_float(value: float, upper: bool, prec: int) -> str:
    """Go's %x for floats: 0x1.cp+01."""
    if value == 0:
        mantissa, exponent = "0", 0
    else:
        head, _, rest = float.hex(abs(value))[2:].partition(".")
        tail, _, exp_text = rest.partition("p")
        exponent = int(exp_text)
        tail = tail.rstrip("0")
        if prec >= 0:
            tail = (tail + "0" * prec)[:prec]
        mantissa = head + ("." + tail if tail else "")
    text = f"0x{mantissa}p{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    text = "-" + text if math.copysign(1.0, value) < 0 else text
    return text.upper() if upper else text


def _fmt_float(value: float, verb: str, default_prec: int, flags: _Flags) -> str:
    prec = flags.prec if flags.prec is not None else default_prec
    if verb in ("x", "X"):
        num = _hex_float(value, verb == "X", prec)
    else:
        num = gojson.format_float(value, "f" if verb == "F" else verb, prec)
    num = num if num[0] in "+-" else "+" + num
    if flags.space and num[0] == "+" and not flags.plus:
        num = " " + num[1:]
    if num[1] in "IN":
        if num[1] == "N" and not flags.space and not flags.plus:
            num = num[1:]
        return _pad(num, flags, zero_allowed=False)
    if flags.plus or num[0] != "+":
        if flags.zero and not flags.minus and flags.wid is not None and flags.wid > len(num):
            return num[0] + "0" * (flags.wid - len(num)) + num[1:]
        return _pad(num, flags)
    return _pad(num[1:], flags)


def _fmt_string(text: str, verb: str, flags: _Flags) -> str | None:
    if verb in ("v", "s"):
        if flags.sharp_v:
            return _pad(go_quote(text), flags)
        if flags.prec is not None:
            text = text[:flags.prec]
        return _pad(text, flags)
    if verb == "q":
        if flags.prec is not None:
            text = text[:flags.prec]
        if flags.sharp and "`" not in text and all(c == "\t" or c.isprintable() for c in text):
            return _pad("`" + text + "`", flags)
        return _pad(go_quote(text, ascii_only=flags.plus), flags)
    if verb in ("x", "X"):
        data = text.encode("utf-8", errors="replace")
        if flags.prec is not None:
            data = data[:flags.prec]
        return _pad(_hex_bytes(data, verb, flags), flags)
    return None


def _hex_bytes(data: bytes, verb: str, flags: _Flags) -> str:
    digits = "0123456789ABCDEF" if verb == "X" else "0123456789abcdef"
    prefix = ("0X" if verb == "X" else "0x") if flags.sharp else ""
    parts = []
    for i, byte in enumerate(data):
        if flags.space and i > 0:
            parts.append(" ")
        if prefix and (flags.space or i == 0):
            parts.append(prefix)
        parts.append(digits[byte >> 4] + digits[byte & 0xF])
    return "".join(parts)


def _fmt_rune(code: int, verb: str, flags: _Flags) -> str:
    valid = 0 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
    ch = chr(code) if valid else "\ufffd"
    if verb == "U":
        text = f"U+{code & 0xFFFFFFFFFFFFFFFF:04X}"
        if flags.sharp and valid and ch.isprintable():
            text += f" '{ch}'"
        return _pad(text, flags)
    if verb == "c":
        return _pad(ch, flags)
    if verb == "q":
        if flags.sharp and ch.isprintable() and ch != "'" and ch != "`":
            return _pad("'" + ch + "'", flags)
    return _pad("'" + _escape(ch, "'", flags.plus) + "'", flags)


def _bad_verb(value: object, verb: str, flags: _Flags, top_level: bool) -> str:
    if top_level and value is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({go_type(value)}={_format(value, 'v', flags, 1)})"


def _stringer(value: object) -> Callable[[], str] | None:
    method = getattr(value, "String", None)
    if callable(method):
        return method
    if isinstance(value, BaseException) or type(value).__str__ is not object.__str__:
        return lambda: str(value)
    return None


def _format(value: object, verb: str, flags: _Flags, depth: int = 0) -> str:
    """Go's printArg/printValue for one operand."""
    if value is None or value is INVALID:
        if depth > 0:
            return _pad("<nil>", flags)
        if verb in ("v", "T"):
            return _pad("<nil>", flags)
        return _bad_verb(None, verb, flags, True)
    if verb == "T":
        return _pad(go_type(value), flags)
    if verb == "p":
        return _bad_verb(value, verb, flags, depth == 0)
    if isinstance(value, bool):
        if verb in ("t", "v"):
            return _pad("true" if value else "false", flags)
        return _bad_verb(value, verb, flags, depth == 0)
    if isinstance(value, int):
        return _format_int(value, verb, flags, depth)
    if isinstance(value, float):
        if verb == "v":
            return _fmt_float(value, "g", -1, flags)
        if verb in "bgGxX":
            return _fmt_float(value, verb, -1, flags)
        if verb in "efEF":
            return _fmt_float(value, verb, 6, flags)
        return _bad_verb(value, verb, flags, depth == 0)
    if isinstance(value, complex):
        return _format_complex(value, verb, flags, depth)
    if isinstance(value, str):
        text = _fmt_string(value, verb, flags)
        return text if text is not None else _bad_verb(value, verb, flags, depth == 0)
    if isinstance(value, dict):
        keys = _sorted_keys(value)
        inner = " ".join(_format(k, verb, flags, depth + 1) + ":" +
                         _format(value[k], verb, flags, depth + 1) for k in keys)
        return "map[" + inner + "]"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_format(v, verb, flags, depth + 1) for v in value) + "]"
    stringer = _stringer(value)
    if stringer is not None and verb in "vsxXq":
        text = _fmt_string(str(stringer()), verb, flags)
        return text if text is not None else ""
    fields = [v for k, v in vars(value).items() if not k.startswith("_")] \
        if hasattr(value, "__dict__") else []
    return "{" + " ".join(_format(v, verb, flags, depth + 1) for v in fields) + "}"


def _format_int(value: int, verb: str, flags: _Flags, depth: int) -> str:
    bases = {"v": 10, "d": 10, "b": 2, "o": 8, "O": 8, "x": 16, "X": 16}
    if verb in bases:
        return _fmt_integer(value, bases[verb], verb, flags)
    if verb in ("c", "q", "U"):
        return _fmt_rune(value, verb, flags)
    return _bad_verb(value, verb, flags, depth == 0)


def _format_complex(value: complex, verb: str, flags: _Flags, depth: int) -> str:
    if verb not in "vbgGxXfFeE":
        return _bad_verb(value, verb, flags, depth == 0)
    part_verb = "g" if verb == "v" else verb
    default = 6 if verb in "efEF" else -1
    inner = replace(flags, wid=None)
    real = _fmt_float(value.real, part_verb, default, inner)
    imag = _fmt_float(value.imag, part_verb, default, replace(inner, plus=True))
    return _pad("(" + real + imag + "i)", flags)


def _sorted_keys(mapping: dict) -> list:
    def order(key: object) -> tuple:
        if isinstance(key, bool):
            return (0, key)
        if isinstance(key, (int, float)):
            return (1, key)
        if isinstance(key, str):
            return (2, key)
        return (3, str(key))

    return sorted(mapping, key=order)


def sprint(*args: object) -> str:
    """fmt.Sprint: spaces only between operands when neither is a string."""
    out: list[str] = []
    previous_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not previous_string:
            out.append(" ")
        out.append(_format(arg, "v", _PLAIN))
        previous_string = is_string
    return "".join(out)


def sprintln(*args: object) -> str:
    return " ".join(_format(arg, "v", _PLAIN) for arg in args) + "\n"


def sprintf(fmt: str, *args: object) -> str:
    """fmt.Sprintf, including Go's %!verb(type=value) diagnostics."""
    out: list[str] = []
    arg_num = 0
    reordered = False
    i, end = 0, len(fmt)
    while i < end:
        start = i
        while i < end and fmt[i] != "%":
            i += 1
        if i > start:
            out.append(fmt[start:i])
        if i >= end:
            break
        i += 1
        flags = _Flags()
        while i < end and fmt[i] in "#0+- ":
            ch = fmt[i]
            if ch == "#":
                flags.sharp = True
            elif ch == "0":
                flags.zero = not flags.minus
            elif ch == "+":
                flags.plus = True
            elif ch == "-":
                flags.minus, flags.zero = True, False
            else:
                flags.space = True
            i += 1
        good_arg_num = True
        arg_num, i, after_index, ok = _arg_number(arg_num, fmt, i, len(args))
        reordered = reordered or after_index
        good_arg_num = good_arg_num and ok
        if i < end and fmt[i] == "*":
            i += 1
            flags.wid, arg_num = _int_from_arg(args, arg_num)
            if flags.wid is None:
                out.append("%!(BADWIDTH)")
            elif flags.wid < 0:
                flags.wid, flags.minus, flags.zero = -flags.wid, True, False
            after_index = False
        else:
            flags.wid, i = _parse_num(fmt, i, end)
            if after_index and flags.wid is not None:
                good_arg_num = False
        if i + 1 < end and fmt[i] == ".":
            i += 1
            if after_index:
                good_arg_num = False
            arg_num, i, after_index, ok = _arg_number(arg_num, fmt, i, len(args))
            reordered = reordered or after_index
            good_arg_num = good_arg_num and ok
            if i < end and fmt[i] == "*":
                i += 1
                flags.prec, arg_num = _int_from_arg(args, arg_num)
                if flags.prec is not None and flags.prec < 0:
                    flags.prec = None
                    out.append("%!(BADPREC)")
                elif flags.prec is None:
                    out.append("%!(BADPREC)")
                after_index = False
            else:
                flags.prec, i = _parse_num(fmt, i, end)
                if flags.prec is None:
                    flags.prec = 0
        if not after_index:
            arg_num, i, after_index, ok = _arg_number(arg_num, fmt, i, len(args))
            reordered = reordered or after_index
            good_arg_num = good_arg_num and ok
        if i >= end:
            out.append("%!(NOVERB)")
            break
        verb = fmt[i]
        i += 1
        if verb == "%":
            out.append("%")
        elif not good_arg_num:
            out.append(f"%!{verb}(BADINDEX)")
        elif arg_num >= len(args):
            out.append(f"%!{verb}(MISSING)")
        else:
            if verb == "v":
                flags.sharp_v, flags.sharp = flags.sharp, False
                flags.plus_v, flags.plus = flags.plus, False
            out.append(_format(args[arg_num], verb, flags))
            arg_num += 1
    if not reordered and arg_num < len(args):
        extras = []
        for arg in args[arg_num:]:
            if arg is None:
                extras.append("<nil>")
            else:
                extras.append(go_type(arg) + "=" + _format(arg, "v", _PLAIN))
        out.append("%!(EXTRA " + ", ".join(extras) + ")")
    return "".join(out)


def _parse_num(fmt: str, i: int, end: int) -> tuple[int | None, int]:
    start = i
    while i < end and "0" <= fmt[i] <= "9":
        i += 1
    if i == start:
        return None, i
    return int(fmt[start:i]), i


def _arg_number(arg_num: int, fmt: str, i: int, num_args: int) -> tuple[int, int, bool, bool]:
    if i >= len(fmt) or fmt[i] != "[":
        return arg_num, i, False, True
    close = fmt.find("]", i + 1)
    if close < 0:
        return arg_num, i + 1, False, False
    text = fmt[i + 1:close]
    if not text.isdigit():
        return arg_num, close + 1, True, False
    index = int(text) - 1
    if 0 <= index < num_args:
        return index, close + 1, True, True
    return arg_num, close + 1, True, False


def _int_from_arg(args: tuple, arg_num: int) -> tuple[int | None, int]:
    if arg_num >= len(args):
        return None, arg_num
    value = args[arg_num]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= 10**6:
        return value, arg_num + 1
    return None, arg_num + 1


# ----------------------------------------------------------------------------------------------
# Functions

class _CallError(Exception):
    """A Go function returned an error; execution stops with `error calling NAME: ...`."""


@dataclass(frozen=True)
class _Function:
    """A template function with Go parameter types.

    Types: "any" (interface{}), "value" (reflect.Value: invalid values pass through),
    "string", "int", "[]string".
    """

    call: Callable
    params: tuple[str, ...]
    variadic: str | None = None


_GO_TYPE_NAMES = {"any": "interface {}", "value": "reflect.Value", "string": "string",
                  "int": "int", "[]string": "[]string", "bool": "bool", "float": "float64"}


_ANNOTATION_TYPES = {str: "string", "str": "string", int: "int", "int": "int", bool: "bool",
                     "bool": "bool", float: "float", "float": "float", "list[str]": "[]string"}


def _python_function(fn: Callable) -> _Function:
    """Wrap a Python callable as a template function or method.

    Its required positional parameters are the template arguments.  Parameters annotated
    `str`, `int`, `bool`, `float` or `list[str]` are checked the way Go checks a typed
    parameter (so `{{.Label 1}}` fails with "expected string; found 1"); others accept any
    value.  A parameter with a default, or *args, makes the function variadic.
    """
    underlying = getattr(fn, "__func__", fn)
    bound = underlying is not fn
    try:
        params, variadic = _signature(underlying, bound)
    except (TypeError, ValueError):
        params, variadic = (), "any"
    return _Function(fn, params, variadic)


@functools.lru_cache(maxsize=1024)
def _signature(fn: Callable, bound: bool) -> tuple[tuple[str, ...], str | None]:
    params: list[str] = []
    variadic = None
    parameters = list(inspect.signature(fn).parameters.values())
    for param in parameters[1:] if bound else parameters:
        annotation = param.annotation
        typ = _ANNOTATION_TYPES.get(annotation, "any") if isinstance(annotation, (str, type)) \
            else "any"
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            if param.default is param.empty and variadic is None:
                params.append(typ)
            else:
                variadic = "any"
        elif param.kind == param.VAR_POSITIONAL:
            variadic = typ
    return tuple(params), variadic


def _length(item: object) -> int:
    if item is None:
        raise _CallError("len of nil pointer")
    if item is INVALID:
        raise _CallError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return len(item.encode("utf-8", errors="surrogatepass"))
    if isinstance(item, (list, tuple, dict)):
        return len(item)
    raise _CallError(f"len of type {go_type(item)}")


def _index_arg(index: object, cap: int) -> int:
    if index is INVALID or index is None:
        raise _CallError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise _CallError(f"cannot index slice/array with type {go_type(index)}")
    if index < 0 or index > cap:
        raise _CallError(f"index out of range: {index}")
    return index


def _index(item: object, *indexes: object) -> object:
    item = _indirect_interface(item)
    if item is INVALID:
        raise _CallError("index of untyped nil")
    for index in indexes:
        index = _indirect_interface(index)
        if item is None:
            raise _CallError("index of nil pointer")
        if isinstance(item, (list, tuple, str)):
            data = item.encode("utf-8") if isinstance(item, str) else item
            position = _index_arg(index, len(data))
            if position == len(data):
                kind = "string" if isinstance(item, str) else "slice"
                raise _CallError(f"reflect: {kind} index out of range")
            item = data[position]
        elif isinstance(item, dict):
            if index is INVALID:
                raise _CallError("value is nil; should be of type string")
            if not isinstance(index, str):
                raise _CallError(f"value has type {go_type(index)}; should be string")
            item = item[index] if index in item else _dict_zero(item)
        else:
            raise _CallError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: object, *indexes: object) -> object:
    item = _indirect_interface(item)
    if item is INVALID:
        raise _CallError("slice of untyped nil")
    if len(indexes) > 3:
        raise _CallError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise _CallError("cannot 3-index slice a string")
        data: object = item.encode("utf-8")
    elif isinstance(item, (list, tuple)):
        data = list(item)
    else:
        raise _CallError(f"can't slice item of type {go_type(item)}")
    bounds = [0, len(data), len(data)]
    for i, index in enumerate(indexes):
        bounds[i] = _index_arg(index, len(data))
    if bounds[0] > bounds[1]:
        raise _CallError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if len(indexes) == 3 and bounds[1] > bounds[2]:
        raise _CallError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    result = data[bounds[0]:bounds[1]]
    if isinstance(result, bytes):
        return result.decode("utf-8", errors="replace")
    return result


_BASIC_KINDS = ((bool, "bool"), (int, "int"), (float, "float"), (complex, "complex"),
                (str, "string"))


def _basic_kind(value: object) -> str | None:
    for python_type, kind in _BASIC_KINDS:
        if isinstance(value, python_type):
            return kind
    return None


def _is_nil(value: object) -> bool:
    return value is INVALID or value is None


def _eq(arg1: object, *args: object) -> bool:
    arg1 = _indirect_interface(arg1)
    if not args:
        raise _CallError("missing argument for comparison")
    kind1 = _basic_kind(arg1)
    for arg in args:
        arg = _indirect_interface(arg)
        kind2 = _basic_kind(arg)
        if kind1 != kind2:
            if arg1 is not INVALID and arg is not INVALID:
                raise _CallError("incompatible types for comparison")
            truth = False
        elif kind1 is not None:
            truth = arg1 == arg
        else:
            if _is_nil(arg1) or _is_nil(arg):
                truth = _is_nil(arg) == _is_nil(arg1)
            else:
                if type(arg1) is not type(arg) and not (
                        _is_struct(arg1) and _is_struct(arg)):
                    raise _CallError(
                        f"non-comparable types {_format(arg1, 'v', _PLAIN)}: {go_type(arg1)}, "
                        f"{go_type(arg)}: {_format(arg, 'v', _PLAIN)}")
                if isinstance(arg, (list, tuple, dict)):
                    raise _CallError(f"non-comparable type {_format(arg, 'v', _PLAIN)}: "
                                     f"{go_type(arg)}")
                truth = arg1 == arg
        if truth:
            return True
    return False


def _ne(arg1: object, arg2: object) -> bool:
    return not _eq(arg1, arg2)


def _lt(arg1: object, arg2: object) -> bool:
    arg1 = _indirect_interface(arg1)
    kind1 = _basic_kind(arg1)
    if kind1 is None:
        raise _CallError("invalid type for comparison")
    arg2 = _indirect_interface(arg2)
    kind2 = _basic_kind(arg2)
    if kind2 is None:
        raise _CallError("invalid type for comparison")
    if kind1 != kind2:
        raise _CallError("incompatible types for comparison")
    if kind1 in ("bool", "complex"):
        raise _CallError("invalid type for comparison")
    return arg1 < arg2  # type: ignore[operator]


def _le(arg1: object, arg2: object) -> bool:
    return _lt(arg1, arg2) or _eq(arg1, arg2)


def _gt(arg1: object, arg2: object) -> bool:
    return not _le(arg1, arg2)


def _ge(arg1: object, arg2: object) -> bool:
    return not _lt(arg1, arg2)


def _eval_args(args: tuple) -> str:
    """The text html, js and urlquery escape: Sprint with nil shown as <no value>."""
    if len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return sprint(*("<no value>" if a is None or a is INVALID else a for a in args))


_HTML_ESCAPES = {"\0": "\ufffd", '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;",
                 ">": "&gt;"}


def _html(*args: object) -> str:
    return "".join(_HTML_ESCAPES.get(ch, ch) for ch in _eval_args(args))


_JS_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E",
               "&": "\\u0026", "=": "\\u003D"}


def _js(*args: object) -> str:
    out = []
    for ch in _eval_args(args):
        if ch in _JS_ESCAPES:
            out.append(_JS_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u00{ord(ch):02X}")
        elif ord(ch) >= 0x80 and not ch.isprintable():
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _urlquery(*args: object) -> str:
    return urllib.parse.quote_plus(_eval_args(args), safe="")


def _not(arg: object) -> bool:
    return not _truth(arg)


def _call_value(name: str, fn: object, *args: object) -> object:
    fn = _indirect_interface(fn)
    if fn is INVALID:
        raise _CallError("call of nil")
    if not callable(fn):
        raise _CallError(f"non-function {name} of type {go_type(fn)}")
    function = _python_function(fn)
    fixed = len(function.params)
    if function.variadic is None and len(args) != fixed:
        raise _CallError(f"wrong number of args for {name}: got {len(args)} want {fixed}")
    if len(args) < fixed:
        raise _CallError(f"wrong number of args for {name}: got {len(args)} want at least "
                         f"{fixed}")
    try:
        return fn(*(None if a is INVALID else a for a in args))
    except Exception as err:  # noqa: BLE001 - Go's call recovers panics as errors
        raise _CallError(str(err)) from None


_BUILTINS: dict[str, _Function] = {
    "and": _Function(lambda *a: a[-1], ("value",), "value"),
    "or": _Function(lambda *a: a[-1], ("value",), "value"),
    "call": _Function(_call_value, ("value",), "value"),
    "html": _Function(_html, (), "any"),
    "index": _Function(_index, ("value",), "value"),
    "slice": _Function(_slice, ("value",), "value"),
    "js": _Function(_js, (), "any"),
    "len": _Function(_length, ("value",)),
    "not": _Function(_not, ("value",)),
    "print": _Function(sprint, (), "any"),
    "printf": _Function(sprintf, ("string",), "any"),
    "println": _Function(sprintln, (), "any"),
    "urlquery": _Function(_urlquery, (), "any"),
    "eq": _Function(_eq, ("value",), "value"),
    "ge": _Function(_ge, ("value", "value")),
    "gt": _Function(_gt, ("value", "value")),
    "le": _Function(_le, ("value", "value")),
    "lt": _Function(_lt, ("value", "value")),
    "ne": _Function(_ne, ("value", "value")),
}


# docker/cli templates/templates.go

def _json(value: object) -> str:
    try:
        return gojson.dumps(value)
    except (ValueError, TypeError):
        return ""  # docker ignores the encoder's error and prints what it wrote: nothing


def _split(text: str, sep: str) -> list[str]:
    return list(text) if sep == "" else text.split(sep)


def _join(elems: list[str], sep: str) -> str:
    return sep.join(elems)


def _is_title_separator(ch: str) -> bool:
    if ord(ch) <= 0x7F:
        return not (ch.isalnum() or ch == "_")
    if ch.isalpha() or unicodedata.category(ch) == "Nd":
        return False
    return ch.isspace()


def _simple_upper(ch: str, mapped: str) -> str:
    """Go maps case rune to rune; where Python expands (ß -> SS) Go has no mapping."""
    return mapped if len(mapped) == 1 else ch


def _title(text: str) -> str:
    out = []
    previous = " "
    for ch in text:
        out.append(_simple_upper(ch, ch.title()) if _is_title_separator(previous) else ch)
        previous = ch
    return "".join(out)


def _lower(text: str) -> str:
    # the only expanding lower-case mapping is İ -> i + combining dot; Go's simple one is i
    return "".join(ch.lower()[:1] for ch in text)


def _upper(text: str) -> str:
    return "".join(_simple_upper(ch, ch.upper()) for ch in text)


def _pad_with_space(source: str, prefix: int, suffix: int) -> str:
    if source == "":
        return source
    if prefix < 0 or suffix < 0:
        raise _CallError("strings: negative Repeat count")
    return " " * prefix + source + " " * suffix


def _truncate(source: str, length: int) -> str:
    """docker's truncate cuts bytes; a rune cut in half is dropped, to keep the text valid."""
    data = source.encode("utf-8")
    if len(data) < length:
        return source
    if length < 0:
        raise _CallError(f"runtime error: slice bounds out of range [:{length}]")
    return data[:length].decode("utf-8", errors="ignore")


_DOCKER_FUNCTIONS: dict[str, _Function] = {
    "json": _Function(_json, ("any",)),
    "split": _Function(_split, ("string", "string")),
    "join": _Function(_join, ("[]string", "string")),
    "title": _Function(_title, ("string",)),
    "lower": _Function(_lower, ("string",)),
    "upper": _Function(_upper, ("string",)),
    "pad": _Function(_pad_with_space, ("string", "int", "int")),
    "truncate": _Function(_truncate, ("string", "int")),
}


def docker_functions() -> dict[str, Callable]:
    """docker's template functions as plain callables (for building variants such as headers)."""
    return {name: fn.call for name, fn in _DOCKER_FUNCTIONS.items()}


# ----------------------------------------------------------------------------------------------
# Execution (port of text/template/exec.go)

class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _State:
    def __init__(self, template: Template, out: list[str], data: object) -> None:
        self.template = template
        self.out = out
        self.node: _Node | None = None
        self.vars: list[list] = [["$", data]]
        self.depth = 0

    # errors
    def errorf(self, message: str):
        name = self.template.name
        if self.node is None:
            text = f"template: {name}: {message}"
        else:
            location, context = self.template._error_context(self.node)
            text = f"template: {location}: executing {go_quote(name)} at <{context}>: {message}"
        raise TemplateError(text, "".join(self.out))

    def at(self, node: _Node) -> None:
        self.node = node

    # variables
    def mark(self) -> int:
        return len(self.vars)

    def pop(self, mark: int) -> None:
        del self.vars[mark:]

    def push(self, name: str, value: object) -> None:
        self.vars.append([name, value])

    def set_var(self, name: str, value: object) -> None:
        for entry in reversed(self.vars):
            if entry[0] == name:
                entry[1] = value
                return
        self.errorf(f"undefined variable: {name}")

    def set_top_var(self, n: int, value: object) -> None:
        self.vars[len(self.vars) - n][1] = value

    def var_value(self, name: str) -> object:
        for entry in reversed(self.vars):
            if entry[0] == name:
                return entry[1]
        self.errorf(f"undefined variable: {name}")
        raise AssertionError

    # walking
    def walk(self, dot: object, node: _Node) -> None:
        self.at(node)
        if isinstance(node, _ActionNode):
            value = self.eval_pipeline(dot, node.pipe)
            if not node.pipe.decl:
                self.print_value(node, value)
        elif isinstance(node, _TextNode):
            self.out.append(node.text)
        elif isinstance(node, _ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, _IfNode):
            self.walk_if_or_with(False, dot, node)
        elif isinstance(node, _WithNode):
            self.walk_if_or_with(True, dot, node)
        elif isinstance(node, _RangeNode):
            self.walk_range(dot, node)
        elif isinstance(node, _TemplateNode):
            self.walk_template(dot, node)
        elif isinstance(node, _BreakNode):
            raise _Break
        elif isinstance(node, _ContinueNode):
            raise _Continue
        elif not isinstance(node, _CommentNode):
            self.errorf(f"unknown node: {node}")

    def walk_if_or_with(self, is_with: bool, dot: object, node: _BranchNode) -> None:
        mark = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            truth, ok = _is_true(_indirect_interface(value))
            if not ok:
                self.errorf(f"if/with can't use {_format(value, 'v', _PLAIN)}")
            if truth:
                self.walk(value if is_with else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)
        finally:
            self.pop(mark)

    def walk_range(self, dot: object, node: _RangeNode) -> None:
        self.at(node)
        outer = self.mark()
        try:
            value = self.eval_pipeline(dot, node.pipe)
            mark = self.mark()
            decl = node.pipe.decl

            def one_iteration(index: object, elem: object) -> None:
                if decl:
                    if node.pipe.is_assign:
                        self.set_var(decl[0].ident[0], index if len(decl) > 1 else elem)
                    else:
                        self.set_top_var(1, elem)
                if len(decl) > 1:
                    if node.pipe.is_assign:
                        self.set_var(decl[1].ident[0], elem)
                    else:
                        self.set_top_var(2, index)
                try:
                    self.walk(elem, node.list)
                except _Continue:
                    pass
                finally:
                    self.pop(mark)

            if isinstance(value, (list, tuple)) and value:
                for i, elem in enumerate(value):
                    one_iteration(i, elem)
                return
            if isinstance(value, dict) and value:
                for key in _sorted_keys(value):
                    one_iteration(key, value[key])
                return
            if isinstance(value, int) and not isinstance(value, bool):
                if len(decl) > 1:
                    self.errorf(f"can't use {value} to iterate over more than one variable")
                if value > 0:
                    for i in range(value):
                        one_iteration(i, i)
                    return
            elif not isinstance(value, (list, tuple, dict)) and value is not INVALID:
                self.errorf(f"range can't iterate over {_format(value, 'v', _PLAIN)}")
            if node.else_list is not None:
                self.walk(dot, node.else_list)
        except _Break:
            pass
        finally:
            self.pop(outer)

    def walk_template(self, dot: object, node: _TemplateNode) -> None:
        self.at(node)
        root = self.template._trees.get(node.name)
        if root is None:
            self.errorf(f"template {go_quote(node.name)} not defined")
        if self.depth >= 100000:
            self.errorf("exceeded maximum template depth (100000)")
        dot = self.eval_pipeline(dot, node.pipe)
        saved = self.vars, self.depth
        self.vars = [["$", dot]]
        self.depth += 1
        try:
            self.walk(dot, root)
        finally:
            self.vars, self.depth = saved

    # evaluation
    def eval_pipeline(self, dot: object, pipe: _PipeNode | None) -> object:
        if pipe is None:
            return INVALID
        self.at(pipe)
        value: object = _ABSENT
        for cmd in pipe.cmds:
            value = self.eval_command(dot, cmd, value)
            if value is None:
                value = INVALID  # an interface{} holding nil digs down to no value
        for variable in pipe.decl:
            if pipe.is_assign:
                self.set_var(variable.ident[0], value)
            else:
                self.push(variable.ident[0], value)
        return value

    def not_a_function(self, args: list, final: object) -> None:
        if len(args) > 1 or final is not _ABSENT:
            self.errorf(f"can't give argument to non-function {args[0]}")

    def eval_command(self, dot: object, cmd: _CommandNode, final: object) -> object:
        first = cmd.args[0]
        if isinstance(first, _FieldNode):
            return self.eval_field_node(dot, first, cmd.args, final)
        if isinstance(first, _ChainNode):
            return self.eval_chain_node(dot, first, cmd.args, final)
        if isinstance(first, _IdentifierNode):
            return self.eval_function(dot, first, cmd, cmd.args, final)
        if isinstance(first, _PipeNode):
            self.not_a_function(cmd.args, final)
            return self.eval_pipeline(dot, first)
        if isinstance(first, _VariableNode):
            return self.eval_variable_node(dot, first, cmd.args, final)
        self.at(first)
        self.not_a_function(cmd.args, final)
        if isinstance(first, _BoolNode):
            return first.value
        if isinstance(first, _DotNode):
            return dot
        if isinstance(first, _NilNode):
            self.errorf("nil is not a command")
        if isinstance(first, _NumberNode):
            return self.ideal_constant(first)
        if isinstance(first, _StringNode):
            return first.text
        self.errorf(f"can't evaluate command {go_quote(str(first))}")
        raise AssertionError

    def ideal_constant(self, constant: _NumberNode) -> object:
        self.at(constant)
        text = constant.text
        if constant.is_complex:
            return constant.complex128
        is_hex_int = len(text) > 2 and text[0] == "0" and text[1] in "xX" and \
            not any(c in text for c in "pP")
        if constant.is_float and not is_hex_int and not text.startswith("'") and \
                any(c in text for c in ".eEpP"):
            return constant.float64
        if constant.is_int:
            return constant.int64
        if constant.is_uint:
            self.errorf(f"{text} overflows int")
        return INVALID

    def eval_field_node(self, dot, field_node: _FieldNode, args, final) -> object:
        self.at(field_node)
        return self.eval_field_chain(dot, dot, field_node, field_node.ident, args, final)

    def eval_chain_node(self, dot, chain: _ChainNode, args, final) -> object:
        self.at(chain)
        if isinstance(chain.node, _NilNode):
            self.errorf(f"indirection through explicit nil in {chain}")
        receiver = self.eval_arg(dot, None, chain.node)
        return self.eval_field_chain(dot, receiver, chain, chain.fields, args, final)

    def eval_variable_node(self, dot, variable: _VariableNode, args, final) -> object:
        self.at(variable)
        value = self.var_value(variable.ident[0])
        if len(variable.ident) == 1:
            self.not_a_function(args or [variable], final)
            return value
        return self.eval_field_chain(dot, value, variable, variable.ident[1:], args, final)

    def eval_field_chain(self, dot, receiver, node, idents: list[str], args, final) -> object:
        for name in idents[:-1]:
            receiver = self.eval_field(dot, name, node, None, _ABSENT, receiver)
        return self.eval_field(dot, idents[-1], node, args, final, receiver)

    def eval_function(self, dot, node: _IdentifierNode, cmd, args, final) -> object:
        self.at(node)
        function, is_builtin = self.template._find_function(node.ident)
        if function is None:
            self.errorf(f"{go_quote(node.ident)} is not a defined function")
        return self.eval_call(dot, function, is_builtin, cmd, node.ident, args, final)

    def eval_field(self, dot, name: str, node, args, final, receiver) -> object:
        if receiver is INVALID:
            if self.template._missing_key == "error":
                self.errorf(f"nil data; no entry for key {go_quote(name)}")
            return INVALID
        if receiver is None:
            self.errorf(f"nil pointer evaluating interface {{}}.{name}")
        has_args = (args is not None and len(args) > 1) or final is not _ABSENT
        if isinstance(receiver, dict):
            if has_args:
                self.errorf(f"{name} is not a method but has arguments")
            if name in receiver:
                return receiver[name]
            mode = self.template._missing_key
            if mode == "error":
                self.errorf(f"map has no entry for key {go_quote(name)}")
            if mode == "zero":
                return _dict_zero(receiver)
            return INVALID
        if _is_struct(receiver) and name[:1].isupper():
            try:
                attribute = getattr(receiver, name, _ABSENT)
            except Exception as err:  # noqa: BLE001 - a failing property is a failing method
                self.errorf(f"error calling {name}: {err}")
            if attribute is not _ABSENT:
                if callable(attribute):
                    method = _python_function(attribute)
                    return self.eval_call(dot, method, False, node, name, args, final)
                if has_args:
                    self.errorf(f"{name} has arguments but cannot be invoked as function")
                return attribute
        self.errorf(f"can't evaluate field {name} in type {go_type(receiver)}")
        raise AssertionError

    def eval_call(self, dot, function: _Function, is_builtin: bool, node, name: str, args,
                  final) -> object:
        args = list(args[1:]) if args is not None else []
        num_in = len(args) + (0 if final is _ABSENT else 1)
        params = function.params
        if function.variadic is not None:
            num_fixed = len(params)
            if num_in < num_fixed:
                self.errorf(f"wrong number of args for {name}: want at least {len(params)} "
                            f"got {len(args)}")
        else:
            num_fixed = len(args)
            if num_in != len(params):
                self.errorf(f"wrong number of args for {name}: want {len(params)} got {num_in}")

        if is_builtin and name in ("and", "or"):
            value: object = INVALID
            for arg in args:
                value = self.eval_arg(dot, "value", arg)
                if _truth(value) == (name == "or"):
                    return value
            if final is not _ABSENT:
                value = self.validate_type(final, "value")
            return value

        argv: list[object] = []
        for i, arg in enumerate(args):
            typ = params[i] if i < num_fixed else function.variadic
            argv.append(self.eval_arg(dot, typ, arg))
        if final is not _ABSENT:
            if function.variadic is None:
                typ = params[-1]
            elif num_in - 1 < num_fixed:
                typ = params[num_in - 1]
            else:
                typ = function.variadic
            argv.append(self.validate_type(final, typ))
        if is_builtin and name == "call":
            argv.insert(0, str(args[0]) if args else "")
        try:
            return function.call(*argv)
        except TemplateError:
            raise
        except _CallError as err:
            self.at(node)
            self.errorf(f"error calling {name}: {err}")
        except Exception as err:  # noqa: BLE001 - Go's safeCall turns panics into errors
            self.at(node)
            self.errorf(f"error calling {name}: {err}")
        raise AssertionError

    def validate_type(self, value: object, typ: str | None) -> object:
        if typ is None or typ == "value":
            return value
        if value is INVALID:
            if typ in ("any", "[]string"):
                return None if typ == "any" else []
            self.errorf(f"invalid value; expected {_GO_TYPE_NAMES[typ]}")
        if typ == "any":
            return value
        ok = {
            "string": lambda v: isinstance(v, str),
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "bool": lambda v: isinstance(v, bool),
            "float": lambda v: isinstance(v, float),
            "[]string": lambda v: isinstance(v, (list, tuple)) and
            all(isinstance(i, str) for i in v),
        }[typ](value)
        if not ok:
            self.errorf(f"wrong type for value; expected {_GO_TYPE_NAMES[typ]}; "
                        f"got {go_type(value)}")
        return value

    def eval_arg(self, dot: object, typ: str | None, node: _Node) -> object:
        self.at(node)
        if isinstance(node, _DotNode):
            return self.validate_type(dot, typ)
        if isinstance(node, _NilNode):
            if typ in ("any", "[]string"):
                return None
            if typ == "value":
                return INVALID
            self.errorf(f"cannot assign nil to {_GO_TYPE_NAMES.get(typ or '', typ)}")
        if isinstance(node, _FieldNode):
            value = self.eval_field_node(dot, node, [node], _ABSENT)
            return self.validate_type(value, typ)
        if isinstance(node, _VariableNode):
            return self.validate_type(self.eval_variable_node(dot, node, None, _ABSENT), typ)
        if isinstance(node, _PipeNode):
            return self.validate_type(self.eval_pipeline(dot, node), typ)
        if isinstance(node, _IdentifierNode):
            value = self.eval_function(dot, node, node, None, _ABSENT)
            return self.validate_type(value, typ)
        if isinstance(node, _ChainNode):
            return self.validate_type(self.eval_chain_node(dot, node, None, _ABSENT), typ)
        if typ in ("any", "value"):
            return self.eval_empty_interface(dot, node)
        if typ == "string" and isinstance(node, _StringNode):
            return node.text
        if typ == "int" and isinstance(node, _NumberNode) and node.is_int:
            return node.int64
        if typ == "bool" and isinstance(node, _BoolNode):
            return node.value
        if typ == "float" and isinstance(node, _NumberNode) and node.is_float:
            return node.float64
        expected = {"string": "string", "int": "integer", "bool": "bool", "float": "float"}
        if typ in expected:
            self.errorf(f"expected {expected[typ]}; found {node}")
        self.errorf(f"can't handle {node} for arg of type {_GO_TYPE_NAMES.get(typ or '', typ)}")
        raise AssertionError

    def eval_empty_interface(self, dot: object, node: _Node) -> object:
        self.at(node)
        if isinstance(node, _BoolNode):
            return node.value
        if isinstance(node, _NumberNode):
            return self.ideal_constant(node)
        if isinstance(node, _StringNode):
            return node.text
        self.errorf(f"can't handle assignment of {node} to empty interface argument")
        raise AssertionError

    def print_value(self, node: _Node, value: object) -> None:
        self.at(node)
        if value is INVALID or value is None:
            self.out.append("<no value>")
            return
        if inspect.isroutine(value):
            self.errorf(f"can't print {node} of type {go_type(value)}")
        self.out.append(_format(value, "v", _PLAIN))


# ----------------------------------------------------------------------------------------------
# Public API

_MISSING_KEY_MODES = {"default": "default", "invalid": "default", "zero": "zero",
                      "error": "error"}


@dataclass
class Template:
    """A parsed template; `execute(data)` renders it."""

    name: str
    text: str
    _root: _ListNode
    _trees: dict[str, _ListNode]
    _funcs: dict[str, _Function]
    _missing_key: str = "default"

    def execute(self, data: object) -> str:
        """Render with `data` as dot; raises TemplateError with Go's message."""
        out: list[str] = []
        state = _State(self, out, INVALID if data is None else data)
        try:
            state.walk(state.vars[0][1], self._root)
        except RecursionError:
            raise TemplateError(f"template: {self.name}: exceeded maximum template depth "
                                "(100000)", "".join(out)) from None
        return "".join(out)

    def option(self, *options: str) -> Template:
        """Go's Template.Option: "missingkey=default|invalid|zero|error". Returns self."""
        for option in options:
            key, _, value = option.partition("=")
            if key != "missingkey" or value not in _MISSING_KEY_MODES:
                raise ValueError(f"unrecognized option: {option}")
            self._missing_key = _MISSING_KEY_MODES[value]
        return self

    def _find_function(self, name: str) -> tuple[_Function | None, bool]:
        if name in self._funcs:
            return self._funcs[name], False
        if name in _BUILTINS:
            return _BUILTINS[name], True
        return None, False

    def _error_context(self, node: _Node) -> tuple[str, str]:
        pos = node.pos
        line_start = self.text.rfind("\n", 0, pos) + 1
        column = len(self.text[line_start:pos].encode("utf-8", errors="surrogatepass"))
        line = 1 + self.text.count("\n", 0, pos)
        return f"{self.name}:{line}:{column}", str(node)


def parse(text: str, funcs: dict[str, Callable] | None = None, name: str = "") -> Template:
    """Parse a Go template with Go's builtins and docker's functions installed.

    `funcs` adds or overrides functions (plain Python callables; their required positional
    parameters are the template arguments).  `name` is the template name Go puts in error
    messages ("" for docker's formatters, "version" for `docker version`).
    """
    functions: dict[str, _Function] = dict(_DOCKER_FUNCTIONS)
    for fn_name, fn in (funcs or {}).items():
        functions[fn_name] = fn if isinstance(fn, _Function) else _python_function(fn)
    trees: dict[str, _ListNode] = {}
    parser = _Parser(name, text, set(functions) | set(_BUILTINS), trees)
    try:
        root = parser.parse()
        parser._add_tree(name, root)
    except _ParseFailure as failure:
        raise TemplateError(str(failure)) from None
    return Template(name, text, trees.get(name, root), trees, functions)
