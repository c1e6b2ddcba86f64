"""The template lexer: a port of Go's text/template/parse/lex.go.

`Lexer(text, ...).items()` cuts a template into `Item`s; an ITEM_ERROR item carries Go's
message and ends the list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from dshell.records import dataclass
from dshell.render.gotemplate.gofmt import go_quote

_EOF = ""
# Item types, in Go's order; the keywords come after ITEM_KEYWORD.
(
    ITEM_ERROR, ITEM_BOOL, ITEM_CHAR, ITEM_CHAR_CONSTANT, ITEM_COMMENT, ITEM_COMPLEX,
    ITEM_ASSIGN, ITEM_DECLARE, ITEM_EOF, ITEM_FIELD, ITEM_IDENTIFIER, ITEM_LEFT_DELIM,
    ITEM_LEFT_PAREN, ITEM_NUMBER, ITEM_PIPE, ITEM_RAW_STRING, ITEM_RIGHT_DELIM,
    ITEM_RIGHT_PAREN, ITEM_SPACE, ITEM_STRING, ITEM_TEXT, ITEM_VARIABLE,
    ITEM_KEYWORD, ITEM_BLOCK, ITEM_BREAK, ITEM_CONTINUE, ITEM_DOT, ITEM_DEFINE, ITEM_ELSE,
    ITEM_END, ITEM_IF, ITEM_NIL, ITEM_RANGE, ITEM_TEMPLATE, ITEM_WITH,
) = range(35)

_KEYWORDS = {
    ".": ITEM_DOT, "block": ITEM_BLOCK, "break": ITEM_BREAK, "continue": ITEM_CONTINUE,
    "define": ITEM_DEFINE, "else": ITEM_ELSE, "end": ITEM_END, "if": ITEM_IF,
    "range": ITEM_RANGE, "nil": ITEM_NIL, "template": ITEM_TEMPLATE, "with": ITEM_WITH,
}
_SPACE_CHARS = " \t\r\n"
_LEFT, _RIGHT = "{{", "}}"


@dataclass
class Item:
    """A token: its ITEM_* type, byte offset, text and line; str() is how Go quotes it."""

    typ: int
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        if self.typ == ITEM_EOF:
            return "EOF"
        if self.typ == ITEM_ERROR:
            return self.val
        if self.typ > ITEM_KEYWORD:
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


class Lexer:
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

    def items(self) -> list[Item]:
        items: list[Item] = []
        state: Callable | None = self.lex_text
        while state is not None:
            item, state = state()
            if item is not None:
                items.append(item)
                if item.typ in (ITEM_ERROR, ITEM_EOF):
                    break
        if not items or items[-1].typ not in (ITEM_ERROR, ITEM_EOF):
            items.append(self.emit(ITEM_EOF))
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

    def emit(self, typ: int) -> Item:
        item = Item(typ, self.start, self.input[self.start:self.pos], self.start_line)
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

    def errorf(self, message: str) -> tuple[Item, None]:
        return Item(ITEM_ERROR, self.start, message, self.start_line), None

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
                item = self.emit(ITEM_TEXT)
            self.pos += trim
            self.ignore()
            return item, self.lex_left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            return self.emit(ITEM_TEXT), self.lex_text
        return self.emit(ITEM_EOF), None

    def lex_left_delim(self):
        self.pos += len(_LEFT)
        trim = self.has_left_trim_marker(self.pos)
        after = 2 if trim else 0
        if self.input.startswith("/*", self.pos + after):
            self.pos += after
            self.ignore()
            return None, self.lex_comment
        item = self.emit(ITEM_LEFT_DELIM)
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
        item = self.emit(ITEM_RIGHT_DELIM)
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
            return self.emit(ITEM_ASSIGN), self.lex_inside_action
        if ch == ":":
            if self.next() != "=":
                return self.errorf("expected :=")
            return self.emit(ITEM_DECLARE), self.lex_inside_action
        if ch == "|":
            return self.emit(ITEM_PIPE), self.lex_inside_action
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
            item = self.emit(ITEM_LEFT_PAREN)
            self.paren_depth += 1
            return item, self.lex_inside_action
        if ch == ")":
            item = self.emit(ITEM_RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                return self.errorf("unexpected right paren")
            return item, self.lex_inside_action
        if ord(ch) < 0x80 and ch.isprintable():
            return self.emit(ITEM_CHAR), self.lex_inside_action
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
        return self.emit(ITEM_SPACE), self.lex_inside_action

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
                if (keyword == ITEM_BREAK and not self.break_ok) or \
                        (keyword == ITEM_CONTINUE and not self.continue_ok):
                    keyword = ITEM_IDENTIFIER
                item = self.emit(keyword)
            elif word[0] == ".":
                item = self.emit(ITEM_FIELD)
            elif word in ("true", "false"):
                item = self.emit(ITEM_BOOL)
            else:
                item = self.emit(ITEM_IDENTIFIER)
            return item, self.lex_inside_action

    def lex_field(self):
        return self._lex_field_or_variable(ITEM_FIELD)

    def lex_variable(self):
        if self.at_terminator():
            return self.emit(ITEM_VARIABLE), self.lex_inside_action
        return self._lex_field_or_variable(ITEM_VARIABLE)

    def _lex_field_or_variable(self, typ: int):
        if self.at_terminator():
            item = self.emit(ITEM_VARIABLE if typ == ITEM_VARIABLE else ITEM_DOT)
            return item, self.lex_inside_action
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
                return self.emit(ITEM_CHAR_CONSTANT), self.lex_inside_action

    def lex_number(self):
        if not self._scan_number():
            return self.errorf(f"bad number syntax: {go_quote(self.input[self.start:self.pos])}")
        if self.peek() in ("+", "-"):
            if not self._scan_number() or self.input[self.pos - 1] != "i":
                text = self.input[self.start:self.pos]
                return self.errorf(f"bad number syntax: {go_quote(text)}")
            return self.emit(ITEM_COMPLEX), self.lex_inside_action
        return self.emit(ITEM_NUMBER), self.lex_inside_action

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
                return self.emit(ITEM_STRING), self.lex_inside_action

    def lex_raw_quote(self):
        while True:
            ch = self.next()
            if ch == _EOF:
                return self.errorf("unterminated raw quoted string")
            if ch == "`":
                return self.emit(ITEM_RAW_STRING), self.lex_inside_action
