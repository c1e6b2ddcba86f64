"""Go's literal syntax in templates: quoted strings and numbers (strconv's rules).

`unquote` raises ValueError("invalid syntax") as strconv.Unquote does; `new_number` builds a
NumberNode with every Go type the constant fits, or raises ValueError with the parser's message.
"""

from __future__ import annotations

import math

from dshell.render.gotemplate.gofmt import go_quote
from dshell.render.gotemplate.lexer import ITEM_CHAR_CONSTANT, ITEM_COMPLEX
from dshell.render.gotemplate.nodes import NumberNode


def unquote(text: str) -> str:
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


def new_number(pos: int, text: str, typ: int) -> NumberNode:
    node = NumberNode(pos, text)
    if typ == ITEM_CHAR_CONSTANT:
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
    if typ == ITEM_COMPLEX or text.endswith("i"):
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
