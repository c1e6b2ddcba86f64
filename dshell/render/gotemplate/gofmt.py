"""The parts of Go's fmt package that templates reach: Sprint, Sprintln, Sprintf, and
strconv.Quote, with Go's `%!verb(type=value)` diagnostics."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable

from dshell.records import dataclass, replace
from dshell.render import gojson
from dshell.render.gotemplate.limits import MAX_OUTPUT, too_large
from dshell.render.gotemplate.values import INVALID, go_type, struct_fields


@dataclass
class _Flags:
    """The flags, width and precision of one %-verb (Go's fmt.fmtFlags and fmt.fmt)."""

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


def _binary_float(value: float) -> str:
    """strconv's 'b' format: decimal mantissa and binary exponent, 6755399441055744p-52."""
    if math.isnan(value) or math.isinf(value):
        return gojson.format_float(value)
    bits = struct.unpack("<Q", struct.pack("<d", value))[0]
    exponent = (bits >> 52) & 0x7FF
    mantissa = bits & ((1 << 52) - 1)
    if exponent == 0:
        exponent = 1
    else:
        mantissa |= 1 << 52
    exponent -= 1023 + 52
    sign = "-" if bits >> 63 else ""
    return f"{sign}{mantissa}p{'-' if exponent < 0 else '+'}{abs(exponent)}"


def _fmt_float(value: float, verb: str, default_prec: int, flags: _Flags) -> str:
    prec = flags.prec if flags.prec is not None else default_prec
    if verb == "b":
        num = _binary_float(value)
    elif verb in ("x", "X"):
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
    """fmt's handleMethods: an error's Error(), else a Stringer's String()."""
    for name in ("Error", "String"):
        method = getattr(value, name, None)
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
        return "map[" + _joined(_format(k, verb, flags, depth + 1) + ":" +
                                _format(value[k], verb, flags, depth + 1)
                                for k in sorted_keys(value)) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + _joined(_format(v, verb, flags, depth + 1) for v in value) + "]"
    stringer = _stringer(value)
    if stringer is not None and verb in "vsxXq":
        text = _fmt_string(str(stringer()), verb, flags)
        return text if text is not None else ""
    return "{" + _joined((name + ":" if flags.plus_v else "") + _format(v, verb, flags, depth + 1)
                         for name, v in struct_fields(value)) + "}"


def _joined(parts: Iterable[str]) -> str:
    """" ".join, stopping once the text passes MAX_OUTPUT (a width pads every element)."""
    out: list[str] = []
    size = 0
    for part in parts:
        size += len(part) + 1
        if size > MAX_OUTPUT:
            raise too_large("formatted value")
        out.append(part)
    return " ".join(out)


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


def sorted_keys(mapping: dict) -> list:
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
    out = _Output()
    previous_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not previous_string:
            out.append(" ")
        out.append(_format(arg, "v", _PLAIN))
        previous_string = is_string
    return out.text()


def sprintln(*args: object) -> str:
    return _joined(_format(arg, "v", _PLAIN) for arg in args) + "\n"


class _Output(list):
    """fmt's buffer, bounded by MAX_OUTPUT."""

    size = 0

    def append(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise too_large("result")
        super().append(text)

    def text(self) -> str:
        return "".join(self)


def sprintf(fmt: str, *args: object) -> str:
    """fmt.Sprintf, including Go's %!verb(type=value) diagnostics."""
    out = _Output()
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
    return out.text()


def _too_large(number: int) -> bool:
    """fmt's tooLarge: a width or precision past 1e6 is refused."""
    return not -1_000_000 <= number <= 1_000_000


def _parse_num(fmt: str, i: int, end: int) -> tuple[int | None, int]:
    """fmt's parsenum: a number checked digit by digit; on overflow, nothing and the end of
    the format (so the verb goes missing: %!(NOVERB))."""
    if i >= end:
        return None, end
    num: int | None = None
    while i < end and "0" <= fmt[i] <= "9":
        if num is not None and _too_large(num):
            return None, end
        num = (num or 0) * 10 + ord(fmt[i]) - 48
        i += 1
    return num, i


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
    if isinstance(value, int) and not isinstance(value, bool) and not _too_large(value):
        return value, arg_num + 1
    return None, arg_num + 1
