"""``$((…))``: bash's integer arithmetic on 64-bit signed integers.

The expression arrives with ``$VAR`` and ``$(…)`` already expanded; bare names are read as
variables (unset or empty is 0). Operators by bash's precedence: ``, = += …`` are not
supported (no assignment), everything else is: ``?:``, ``|| &&``, ``| ^ &``, ``== !=``,
``< <= > >=``, ``<< >>``, ``+ -``, ``* / %``, ``**``, unary ``! ~ + -``, parentheses, and
decimal, octal (``0755``), hex (``0x1f``) and ``base#digits`` numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+#[0-9A-Za-z@_]+|0[xX][0-9A-Fa-f]+|\d+)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%<>&|^!~?:()]))"
)
_BINARY = [
    ("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="), ("<", "<=", ">", ">="),
    ("<<", ">>"), ("+", "-"), ("*", "/", "%"),
]  # fmt: skip


class ArithmeticError_(Exception):  # noqa: N801 - not the builtin ArithmeticError
    """A bad expression; the message is bash's."""


def _wrap(value: int) -> int:
    """Two's complement 64-bit, as bash's intmax_t."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


class _Evaluator:
    def __init__(self, text: str, lookup: Callable[[str], str | None], depth: int = 0) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        self.position = 0
        self.lookup = lookup
        self.depth = depth
        self._tokenize()

    def _tokenize(self) -> None:
        index = 0
        text = self.text
        while index < len(text):
            if text[index:].strip() == "":
                break
            found = _TOKEN.match(text, index)
            if found is None or found.end() == index:
                rest = text[index:].strip()
                raise ArithmeticError_(
                    f"{text.strip()}: syntax error: invalid arithmetic operator "
                    f'(error token is "{rest}")')
            kind = found.lastgroup or "op"
            self.tokens.append((kind, found.group(kind)))
            index = found.end()

    def error(self, message: str) -> ArithmeticError_:
        rest = " ".join(value for _, value in self.tokens[self.position :])
        return ArithmeticError_(f'{self.text.strip()}: {message} (error token is "{rest}")')

    def peek(self) -> str | None:
        if self.position < len(self.tokens):
            return self.tokens[self.position][1]
        return None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def evaluate(self) -> int:
        if not self.tokens:
            return 0
        value = self.conditional()
        if self.position < len(self.tokens):
            raise self.error("syntax error in expression")
        return value

    def conditional(self) -> int:
        condition = self.binary(0)
        if self.peek() != "?":
            return condition
        self.take()
        first = self.conditional()
        if self.peek() != ":":
            raise self.error("expected `:' for conditional expression")
        self.take()
        second = self.conditional()
        return first if condition else second

    def binary(self, level: int) -> int:
        if level == len(_BINARY):
            return self.power()
        left = self.binary(level + 1)
        while self.peek() in _BINARY[level]:
            _, op = self.take()
            right = self.binary(level + 1)
            left = self.apply(op, left, right)
        return left

    def power(self) -> int:
        base = self.unary()
        if self.peek() == "**":
            self.take()
            exponent = self.power()
            if exponent < 0:
                raise self.error("exponent less than 0")
            return _wrap(pow(base, exponent, 1 << 64))
        return base

    def unary(self) -> int:
        op = self.peek()
        if op in ("-", "+", "!", "~"):
            self.take()
            value = self.unary()
            return {"-": _wrap(-value), "+": value, "!": int(not value), "~": _wrap(~value)}[op]
        return self.primary()

    def primary(self) -> int:
        if self.position >= len(self.tokens):
            raise ArithmeticError_(f"{self.text.strip()}: syntax error: operand expected "
                                   '(error token is "")')  # fmt: skip
        kind, value = self.take()
        if value == "(":
            inner = self.conditional()
            if self.peek() != ")":
                raise self.error("missing `)'")
            self.take()
            return inner
        if kind == "number":
            return self.number(value)
        if kind == "name":
            return self.variable(value)
        self.position -= 1
        raise self.error("syntax error: operand expected")

    def number(self, text: str) -> int:
        try:
            if "#" in text:
                base_text, digits = text.split("#", 1)
                return _wrap(int(digits, int(base_text)))
            if text.lower().startswith("0x"):
                return _wrap(int(text, 16))
            if len(text) > 1 and text.startswith("0"):
                return _wrap(int(text, 8))
            return _wrap(int(text))
        except ValueError:
            raise ArithmeticError_(
                f'{self.text.strip()}: value too great for base (error token is "{text}")'
            ) from None

    def variable(self, name: str) -> int:
        value = (self.lookup(name) or "").strip()
        if not value:
            return 0
        if self.depth > 16:
            raise ArithmeticError_(f"{name}: expression recursion level exceeded")
        return _Evaluator(value, self.lookup, self.depth + 1).evaluate()

    def apply(self, op: str, left: int, right: int) -> int:
        if op in ("/", "%"):
            if right == 0:
                raise ArithmeticError_(
                    f'{self.text.strip()}: division by 0 (error token is "{right}")')
            quotient = abs(left) // abs(right) * (1 if (left >= 0) == (right >= 0) else -1)
            return _wrap(quotient if op == "/" else left - right * quotient)
        results = {
            "||": lambda: int(bool(left) or bool(right)),
            "&&": lambda: int(bool(left) and bool(right)),
            "|": lambda: left | right, "^": lambda: left ^ right, "&": lambda: left & right,
            "==": lambda: int(left == right), "!=": lambda: int(left != right),
            "<": lambda: int(left < right), "<=": lambda: int(left <= right),
            ">": lambda: int(left > right), ">=": lambda: int(left >= right),
            "<<": lambda: left << (right & 63), ">>": lambda: left >> (right & 63),
            "+": lambda: left + right, "-": lambda: left - right, "*": lambda: left * right,
        }  # fmt: skip
        return _wrap(results[op]())


def evaluate(text: str, lookup: Callable[[str], str | None]) -> int:
    """The value of an arithmetic expression; raises ArithmeticError_ with bash's message."""
    try:
        return _Evaluator(text, lookup).evaluate()
    except RecursionError:
        raise ArithmeticError_(f"{text.strip()}: expression nested too deeply") from None
