"""JSON exactly as Go's encoding/json writes it.

docker prints JSON in two ways: the `json` template function re-encodes a value with an
encoder whose HTML escaping is off, and `docker inspect` re-flows the daemon's raw JSON text
with `json.Indent`.  Python's json module differs from both in small ways (spaces after
separators, `\\u00e9` for non-ASCII, `1.0` for floats, no `\\u2028` escaping), so the output
would not be byte-identical to docker's.
"""

from __future__ import annotations

import base64
import json
import math
import re

__all__ = ["RawJSON", "dumps", "indent", "format_float"]

_HEX = "0123456789abcdef"
_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_HTML_CHARS = "<>&"


class RawJSON(str):
    """JSON text that `dumps` inserts as is (compacted), like the bytes of a Go MarshalJSON.

    docker's formatter contexts marshal themselves with json.Marshal, which sorts map keys
    and escapes `<>&`; `docker ps --format '{{json .}}'` prints exactly that, so their
    `marshal_json` returns `RawJSON(dumps(fields, escape_html=True, sort_keys=True))`.
    """


def dumps(value: object, escape_html: bool = False, sort_keys: bool = False) -> str:
    """Encode `value` compactly, as Go's json.Encoder does (without the trailing newline).

    Dicts keep their order unless `sort_keys` (Go sorts real maps).  An object with a
    `marshal_json()` method is encoded as the value that method returns; return a `RawJSON`
    to insert already-encoded text, as a Go MarshalJSON does.  Raises ValueError for NaN and
    infinities, as Go does.
    """
    parts: list[str] = []
    _encode(value, parts, escape_html, sort_keys)
    return "".join(parts)


def _encode(value: object, out: list[str], escape_html: bool, sort_keys: bool) -> None:
    marshal = getattr(value, "marshal_json", None)
    if marshal is not None and callable(marshal):
        value = marshal()
    if isinstance(value, RawJSON):
        out.append(_compact(value, escape_html))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(int(value)))
    elif isinstance(value, float):
        out.append(_json_float(value))
    elif isinstance(value, str):
        out.append(_quote(value, escape_html))
    elif isinstance(value, (bytes, bytearray)):
        out.append('"' + base64.b64encode(bytes(value)).decode("ascii") + '"')
    elif isinstance(value, dict):
        items = list(value.items())
        if sort_keys:
            items.sort(key=lambda kv: _key_text(kv[0]))
        out.append("{")
        for i, (key, item) in enumerate(items):
            if i:
                out.append(",")
            out.append(_quote(_key_text(key), escape_html))
            out.append(":")
            _encode(item, out, escape_html, sort_keys)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, escape_html, sort_keys)
        out.append("]")
    else:
        fields = {k: v for k, v in vars(value).items() if not k.startswith("_")}
        _encode(fields, out, escape_html, sort_keys)


def _key_text(key: object) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        raise ValueError("json: unsupported type: map[bool]")
    return str(key)


def _quote(text: str, escape_html: bool) -> str:
    chars = ['"']
    for ch in text:
        code = ord(ch)
        if ch in _SHORT_ESCAPES:
            chars.append(_SHORT_ESCAPES[ch])
        elif code < 0x20 or (escape_html and ch in _HTML_CHARS):
            chars.append("\\u00" + _HEX[code >> 4] + _HEX[code & 0xF])
        elif code in (0x2028, 0x2029):
            chars.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            chars.append("\ufffd")  # Go replaces invalid UTF-8 with U+FFFD
        else:
            chars.append(ch)
    chars.append('"')
    return "".join(chars)


def _json_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"json: unsupported value: {format_float(value, 'g')}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        text = format_float(value, "e")
        mantissa, _, exponent = text.partition("e")
        if exponent[0] == "-" and exponent[1] == "0" and len(exponent) == 3:
            exponent = "-" + exponent[2]  # Go writes 1e-7, not 1e-07
        return mantissa + "e" + exponent
    return format_float(value, "f")


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of |value| and the position of the decimal point.

    `("15", 1)` means 1.5 and `("15", -2)` means 0.0015.  Python's repr and Go's strconv
    both produce the shortest digit string that reads back as the same float.
    """
    from decimal import Decimal  # not at import: every command that renders loads gojson

    _, digits, exponent = Decimal(repr(abs(value))).as_tuple()
    text = "".join(map(str, digits))
    point = len(text) + exponent
    text = text.rstrip("0")
    if not text:
        return "0", 1
    return text, point


def format_float(value: float, fmt: str = "g", prec: int = -1) -> str:
    """Port of Go's strconv.FormatFloat(value, fmt, prec, 64) for fmt in e E f F g G.

    With prec -1 the shortest representation is used; that is what `%v` and
    `fmt.Sprint` print: 3, 0.5, 1e+06, 1.23456789e+08.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    verb = fmt.lower()
    if prec >= 0:
        if verb == "g":
            prec = max(prec, 1)
        text = f"{abs(value):.{prec}{verb}}"
    else:
        text = _shortest(abs(value), verb)
    return sign + (text.upper() if fmt in "EG" else text)


def _shortest(value: float, verb: str) -> str:
    digits, point = _shortest_digits(value)
    exponent = point - 1
    if verb == "g":
        verb = "e" if exponent < -4 or exponent >= 6 else "f"
    if verb == "e":
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return "0." + "0" * (-point) + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return digits[:point] + "." + digits[point:]


# One token of JSON text: a string (escapes kept), a run of whitespace, a punctuation mark, or
# a literal (number, true, false, null), the way json.Indent and json.Compact see them.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[ \t\r\n]+|[{}\[\],:]|[^ \t\r\n,:{}\[\]"]+')
# The strings of JSON text, captured so that splitting keeps them.
_STRING = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")')
# (prefix, indent) → {(text between two strings, state before it): (its output, state after)}
_REFLOWED: dict[tuple[str, str], dict[tuple[str, tuple[int, bool, bool]], tuple]] = {}
_REFLOWED_LIMIT = 4096


def indent(raw: str, prefix: str = "", indent: str = "    ") -> str:
    """Re-flow raw JSON text the way Go's json.Indent does, without re-encoding it.

    String contents and number literals are copied byte for byte (so `\\u003c` from the
    daemon stays `\\u003c`); empty `{}` and `[]` stay compact; leading whitespace is
    dropped and trailing whitespace kept.  Raises ValueError on invalid JSON.

    inspect of 1,000 containers re-flows megabytes, so no loop over characters: the text is
    split at its strings (copied as they are), and the few distinct runs of punctuation and
    literals between them (``":"``, ``",""``, ``"},{"``…) are re-flowed once per indentation
    state and remembered.
    """
    _validate(raw)
    parts = _STRING.split(raw)
    memo = _REFLOWED.setdefault((prefix, indent), {})
    if len(memo) > _REFLOWED_LIMIT:
        memo.clear()
    out: list[str] = []
    append = out.append
    state = (0, False, False)  # depth, a bracket just opened, the value started
    breaks = ["\n" + prefix]
    for index, part in enumerate(parts):
        if index % 2:  # a string
            depth, opened, _ = state
            if opened:
                depth += 1
                while depth >= len(breaks):
                    breaks.append(breaks[-1] + indent)
                append(breaks[depth])
            append(part)
            state = (depth, False, True)
        elif part:
            key = (part, state)
            done = memo.get(key)
            if done is None:
                done = memo[key] = _reflow(part, state, prefix, indent)
            append(done[0])
            state = done[1]
    return "".join(out)


def _reflow(
    text: str, state: tuple[int, bool, bool], prefix: str, indent: str
) -> tuple[str, tuple[int, bool, bool]]:
    """json.Indent over text holding no string, from ``state``: (output, state after)."""
    depth, need_indent, started = state
    out: list[str] = []
    for token in _TOKEN.findall(text):
        ch = token[0]
        if ch in " \t\r\n":
            if started and depth == 0 and not need_indent:
                out.append(token)  # whitespace after the top-level value is kept
            continue
        if need_indent and ch != "}" and ch != "]":
            need_indent = False
            depth += 1
            out.append("\n" + prefix + indent * depth)
        started = True
        if ch == "{" or ch == "[":
            need_indent = True
            out.append(ch)
        elif ch == ",":
            out.append(",\n" + prefix + indent * depth)
        elif ch == ":":
            out.append(": ")
        elif ch == "}" or ch == "]":
            if need_indent:
                need_indent = False
            else:
                depth -= 1
                out.append("\n" + prefix + indent * depth)
            out.append(ch)
        else:
            out.append(token)
    return "".join(out), (depth, need_indent, started)


_COMPACT_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def compact(raw: str) -> str:
    """Go's json.Compact: the whitespace between tokens dropped, everything else as sent."""
    return _compact(raw, escape_html=False)


def _compact(raw: str, escape_html: bool) -> str:
    """Go's json.Compact as the encoder applies it to MarshalJSON output."""
    _validate(raw)
    tokens = [token for token in _TOKEN.findall(raw) if token[0] not in " \t\r\n"]
    if escape_html:
        for index, token in enumerate(tokens):
            if token[0] == '"':
                for char, escaped in _COMPACT_ESCAPES:
                    if char in token:
                        token = token.replace(char, escaped)
                tokens[index] = token
    return "".join(tokens)


def _reject_constant(name: str) -> None:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _validate(raw: str) -> object:
    """The decoded value; ValueError with the decoder's message when ``raw`` is not JSON."""
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ValueError(str(err)) from None
