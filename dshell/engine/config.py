"""The docker CLI's configuration directory: config.json and the context store.

docker reads config.json and the context store's meta.json files with Go's encoding/json into
typed structs, so a file that is not quite right is read the Go way: the syntax is checked first
(Go's own messages), a value of the wrong type leaves its field at Go's zero value, decoding goes
on, and the first such error is reported (``json: cannot unmarshal number into Go struct field
ConfigFile.auths of type map[string]types.AuthConfig``). ``go_decode`` and ``go_unmarshal`` below
do that for the few Go types these files use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from dshell.records import dataclass, field

INDEX_SERVER = "https://index.docker.io/v1/"


def config_dir(flag: str | None = None, environ: dict[str, str] | None = None) -> Path:
    """``--config``, else ``DOCKER_CONFIG``, else ``~/.docker`` (as the docker CLI)."""
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser()
    if env.get("DOCKER_CONFIG"):
        return Path(env["DOCKER_CONFIG"]).expanduser()
    return Path(env.get("HOME") or Path.home()) / ".docker"


# --- Go's encoding/json, as far as docker's files need it --------------------------------------


class GoType:
    """A Go type a JSON value is decoded into: ``name`` is Go's ``reflect.Type.String()``."""

    def __init__(self, name: str, kind: str, elem: GoType | None = None,
                 fields: tuple[tuple[str, GoType], ...] = ()) -> None:
        self.name = name
        self.kind = kind  # string, bool, any, raw, map, slice, struct
        self.elem = elem
        self.fields = dict(fields)
        self._folded = {_fold_name(n): n for n in self.fields}

    @property
    def short_name(self) -> str:
        """``reflect.Type.Name()``: the struct's name without its package."""
        return self.name.rpartition(".")[2]

    def field_for(self, key: str) -> str | None:
        """The struct field a JSON key sets: its exact name, else a case-folded match."""
        if key in self.fields:
            return key
        return self._folded.get(_fold_name(key))

    def zero(self) -> object:
        if self.kind == "string":
            return ""
        if self.kind == "bool":
            return False
        if self.kind == "struct":
            return {}
        return None


def go_struct(name: str, *fields: tuple[str, GoType]) -> GoType:
    return GoType(name, "struct", fields=fields)


def go_map(elem: GoType) -> GoType:
    return GoType(f"map[string]{elem.name}", "map", elem)


def go_slice(elem: GoType) -> GoType:
    return GoType(f"[]{elem.name}", "slice", elem)


GO_STRING = GoType("string", "string")
GO_BOOL = GoType("bool", "bool")
GO_ANY = GoType("interface {}", "any")
#: json.RawMessage: any value, kept as it was read (decoded later with another type).
GO_RAW = GoType("json.RawMessage", "raw")


class GoJSONError(Exception):
    """What Go's encoding/json returned; ``str()`` is Go's text."""


class _EOF(Exception):
    """The stream held nothing but white space (Go's io.EOF)."""


class _Object(dict):
    """A JSON object: a dict (as Go's ``map[string]any`` sees it, the last duplicate wins)
    that keeps every key/value pair in order for struct and typed-map decoding."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, object]] = []

    def add(self, key: str, value: object) -> None:
        self.pairs.append((key, value))
        self[key] = value


class _BadNumber:
    """A number float64 cannot hold (``1e400``): Go reports it where an ``any`` reads it."""

    def __init__(self, text: str) -> None:
        self.text = text


MAX_NESTING_DEPTH = 10000
_SPACE = frozenset(b" \t\r\n")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_LITERALS = {ord("t"): (b"true", True), ord("f"): (b"false", False), ord("n"): (b"null", None)}


def _quote_char(c: int) -> str:
    """Go's quoteChar: how a byte is named in a syntax error."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    named = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r",
             ord("\\"): "\\\\"}
    if c in named:
        return f"'{named[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c <= 0xA0 or c == 0xAD:
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


def _syntax_error(c: int, context: str) -> GoJSONError:
    return GoJSONError(f"invalid character {_quote_char(c)} {context}")


def _go_string(raw: bytes) -> str:
    """A JSON string literal's bytes (quotes included) as Go decodes it: escapes resolved,
    invalid UTF-8 and unpaired surrogates each become U+FFFD."""
    text = json.loads(raw.decode("utf-8", "surrogateescape"))
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def _go_number(raw: bytes) -> object:
    value = float(raw)
    return _BadNumber(raw.decode()) if value in (float("inf"), float("-inf")) else value


class _Scanner:
    """Go's JSON scanner (encoding/json/scanner.go) stepping over the bytes one at a time, so
    that the first invalid byte is reported with Go's words, while it builds the values."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.step: Callable[[int], str] = self.begin_value
        self.parse_state: list[str] = []  # "key" or "value" (objects), "array"
        self.end_top = False
        self.error: GoJSONError | None = None
        # the values being built: one frame per open container
        self.frames: list[list] = []  # [container, pending key or None]
        self.literal_start: int | None = None
        self.result: object = None

    # -- Go's states ----------------------------------------------------------------------
    def fail(self, c: int, context: str) -> str:
        self.step = self.in_error
        self.error = _syntax_error(c, context)
        return "error"

    def in_error(self, c: int) -> str:
        return "error"

    def push(self, c: int, state: str, code: str) -> str:
        self.parse_state.append(state)
        if len(self.parse_state) <= MAX_NESTING_DEPTH:
            return code
        return self.fail(c, "exceeded max depth")

    def pop(self) -> None:
        self.parse_state.pop()
        if self.parse_state:
            self.step = self.end_value
        else:
            self.step = self.end_top_state
            self.end_top = True

    def begin_value_or_empty(self, c: int) -> str:
        if c in _SPACE:
            return "space"
        if c == ord("]"):
            return self.end_value(c)
        return self.begin_value(c)

    def begin_value(self, c: int) -> str:
        if c in _SPACE:
            return "space"
        if c == ord("{"):
            self.step = self.begin_string_or_empty
            return self.push(c, "key", "begin_object")
        if c == ord("["):
            self.step = self.begin_value_or_empty
            return self.push(c, "array", "begin_array")
        if c == ord('"'):
            self.step = self.in_string
            return "begin_literal"
        if c == ord("-"):
            self.step = self.negative
            return "begin_literal"
        if c == ord("0"):
            self.step = self.zero
            return "begin_literal"
        if ord("1") <= c <= ord("9"):
            self.step = self.digits
            return "begin_literal"
        if c in _LITERALS:
            self.step = self.literal(_LITERALS[c][0], 1)
            return "begin_literal"
        return self.fail(c, "looking for beginning of value")

    def begin_string_or_empty(self, c: int) -> str:
        if c in _SPACE:
            return "space"
        if c == ord("}"):
            self.parse_state[-1] = "value"
            return self.end_value(c)
        return self.begin_string(c)

    def begin_string(self, c: int) -> str:
        if c in _SPACE:
            return "space"
        if c == ord('"'):
            self.step = self.in_string
            return "begin_literal"
        return self.fail(c, "looking for beginning of object key string")

    def end_value(self, c: int) -> str:
        if not self.parse_state:
            self.step = self.end_top_state
            self.end_top = True
            return self.end_top_state(c)
        if c in _SPACE:
            self.step = self.end_value
            return "space"
        state = self.parse_state[-1]
        if state == "key":
            if c == ord(":"):
                self.parse_state[-1] = "value"
                self.step = self.begin_value
                return "object_key"
            return self.fail(c, "after object key")
        if state == "value":
            if c == ord(","):
                self.parse_state[-1] = "key"
                self.step = self.begin_string
                return "object_value"
            if c == ord("}"):
                self.pop()
                return "end_object"
            return self.fail(c, "after object key:value pair")
        if c == ord(","):
            self.step = self.begin_value
            return "array_value"
        if c == ord("]"):
            self.pop()
            return "end_array"
        return self.fail(c, "after array element")

    def end_top_state(self, c: int) -> str:
        if c not in _SPACE:
            self.fail(c, "after top-level value")
        return "end"

    def in_string(self, c: int) -> str:
        if c == ord('"'):
            self.step = self.end_value
            return "continue"
        if c == ord("\\"):
            self.step = self.in_string_escape
            return "continue"
        if c < 0x20:
            return self.fail(c, "in string literal")
        return "continue"

    def in_string_escape(self, c: int) -> str:
        if c in b'bfnrt\\/"':
            self.step = self.in_string
            return "continue"
        if c == ord("u"):
            self.step = self.in_unicode_escape(4)
            return "continue"
        return self.fail(c, "in string escape code")

    def in_unicode_escape(self, left: int) -> Callable[[int], str]:
        def step(c: int) -> str:
            if c in _HEX:
                self.step = self.in_string if left == 1 else self.in_unicode_escape(left - 1)
                return "continue"
            return self.fail(c, "in \\u hexadecimal character escape")
        return step

    def negative(self, c: int) -> str:
        if c == ord("0"):
            self.step = self.zero
            return "continue"
        if ord("1") <= c <= ord("9"):
            self.step = self.digits
            return "continue"
        return self.fail(c, "in numeric literal")

    def digits(self, c: int) -> str:
        if ord("0") <= c <= ord("9"):
            return "continue"
        return self.zero(c)

    def zero(self, c: int) -> str:
        if c == ord("."):
            self.step = self.dot
            return "continue"
        if c in b"eE":
            self.step = self.exponent
            return "continue"
        return self.end_value(c)

    def dot(self, c: int) -> str:
        if ord("0") <= c <= ord("9"):
            self.step = self.dot_digits
            return "continue"
        return self.fail(c, "after decimal point in numeric literal")

    def dot_digits(self, c: int) -> str:
        if ord("0") <= c <= ord("9"):
            return "continue"
        if c in b"eE":
            self.step = self.exponent
            return "continue"
        return self.end_value(c)

    def exponent(self, c: int) -> str:
        if c in b"+-":
            self.step = self.exponent_sign
            return "continue"
        return self.exponent_sign(c)

    def exponent_sign(self, c: int) -> str:
        if ord("0") <= c <= ord("9"):
            self.step = self.exponent_digits
            return "continue"
        return self.fail(c, "in exponent of numeric literal")

    def exponent_digits(self, c: int) -> str:
        if ord("0") <= c <= ord("9"):
            return "continue"
        return self.end_value(c)

    def literal(self, word: bytes, index: int) -> Callable[[int], str]:
        def step(c: int) -> str:
            if c == word[index]:
                self.step = self.end_value if index + 1 == len(word) else self.literal(
                    word, index + 1)
                return "continue"
            return self.fail(c, f"in literal {word.decode()} (expecting '{chr(word[index])}')")
        return step

    # -- building the values --------------------------------------------------------------
    def feed(self, position: int) -> str:
        """Step over the byte at ``position`` and build what it completes."""
        code = self.step(self.data[position])
        if code == "continue" or code == "error":
            return code
        if self.literal_start is not None and code != "begin_literal":
            self.finish_literal(position)
        if code == "begin_literal":
            self.literal_start = position
        elif code == "begin_object":
            self.frames.append([_Object(), None])
        elif code == "begin_array":
            self.frames.append([[], None])
        elif code in ("end_object", "end_array"):
            container = self.frames.pop()[0]
            self.add(container)
        return code

    def finish_literal(self, end: int) -> None:
        raw = self.data[self.literal_start:end]
        self.literal_start = None
        first = raw[0]
        if first == ord('"'):
            value: object = _go_string(raw)
            if self.frames and isinstance(self.frames[-1][0], _Object) \
                    and self.frames[-1][1] is None:
                self.frames[-1][1] = value  # an object key
                return
        elif first in _LITERALS:
            value = _LITERALS[first][1]
        else:
            value = _go_number(raw)
        self.add(value)

    def add(self, value: object) -> None:
        if not self.frames:
            self.result = value
            return
        frame = self.frames[-1]
        if isinstance(frame[0], _Object):
            frame[0].add(frame[1], value)
            frame[1] = None
        else:
            frame[0].append(value)


def _scan_stream(data: bytes) -> object:
    """The first value of a stream, as Go's ``json.Decoder.Decode`` reads it (the rest of the
    stream is left alone); raises _EOF when there is no value at all."""
    scanner = _Scanner(data)
    for position in range(len(data)):
        code = scanner.feed(position)
        if code == "error":
            raise scanner.error
        if code == "end":
            return scanner.result
        if code in ("end_object", "end_array") and not scanner.parse_state:
            return scanner.result
    # End of input: a space completes a number or literal at the top, else it was cut short.
    scanner.data += b" "
    if scanner.feed(len(data)) == "end":
        return scanner.result
    if any(c not in _SPACE for c in data):
        raise GoJSONError("unexpected EOF")
    raise _EOF()


def _scan_all(data: bytes) -> object:
    """The one value ``data`` holds, as Go's ``json.Unmarshal`` checks it."""
    scanner = _Scanner(data)
    for position in range(len(data)):
        if scanner.feed(position) == "error":
            raise scanner.error
    if scanner.error is not None:
        raise scanner.error
    if not scanner.end_top:
        scanner.data += b" "
        scanner.feed(len(data))
        if scanner.error is not None:
            raise scanner.error
        if not scanner.end_top:
            raise GoJSONError("unexpected end of JSON input")
    return scanner.result


class _Decoder:
    """Go's decodeState: a parsed JSON value into a GoType, saving the first type error (with
    the struct and field path Go names) and leaving wrong-typed values at their zero."""

    def __init__(self) -> None:
        self.error: GoJSONError | None = None
        self.struct: str = ""
        self.fields: list[str] = []

    def save(self, what: str, go_type: GoType) -> None:
        if self.error is not None:
            return
        if self.struct or self.fields:
            self.error = GoJSONError(
                f"json: cannot unmarshal {what} into Go struct field "
                f"{self.struct}.{'.'.join(self.fields)} of type {go_type.name}")
        else:
            self.error = GoJSONError(
                f"json: cannot unmarshal {what} into Go value of type {go_type.name}")

    def decode(self, node: object, go_type: GoType, current: object) -> object:
        """The value ``current`` becomes when ``node`` is decoded into it."""
        kind = go_type.kind
        if kind == "raw":
            return node
        if kind == "any":
            return self.plain(node)
        if node is None:
            return None if kind in ("map", "slice") else current
        if isinstance(node, bool):
            if kind == "bool":
                return node
            self.save("bool", go_type)
        elif isinstance(node, str):
            if kind == "string":
                return node
            self.save("string", go_type)
        elif isinstance(node, (float, _BadNumber)):
            self.save("number", go_type)
        elif isinstance(node, list):
            if kind == "slice":
                old = current if isinstance(current, list) else []
                return [self.decode(item, go_type.elem, old[i] if i < len(old)
                                    else go_type.elem.zero())
                        for i, item in enumerate(node)]
            self.save("array", go_type)
        elif kind == "map":
            result = dict(current) if isinstance(current, dict) else {}
            for key, value in node.pairs:
                result[key] = self.decode(value, go_type.elem, go_type.elem.zero())
            return result
        elif kind == "struct":
            return self.decode_struct(node, go_type, current)
        else:
            self.save("object", go_type)
        return current

    def decode_struct(self, node: _Object, go_type: GoType, current: object) -> dict:
        result = dict(current) if isinstance(current, dict) else {}
        outer_struct, depth = self.struct, len(self.fields)
        for key, value in node.pairs:
            name = go_type.field_for(key)
            if name is None:
                continue
            self.struct = go_type.short_name
            self.fields.append(name)
            field_type = go_type.fields[name]
            decoded = self.decode(value, field_type, result.get(name, _ABSENT))
            if decoded is not _ABSENT:
                result[name] = decoded
            del self.fields[depth:]
            self.struct = outer_struct
        return result

    def plain(self, node: object) -> object:
        """A value for Go's ``any``: maps and lists as built, a number float64 cannot hold
        becomes nil and the error Go saves for it."""
        if isinstance(node, _BadNumber):
            self.save(f"number {node.text}", GoType("float64", "number"))
            return None
        pending = [node]
        while pending:
            item = pending.pop()
            entries = item.items() if isinstance(item, dict) else (
                enumerate(item) if isinstance(item, list) else ())
            for key, value in list(entries):
                if isinstance(value, _BadNumber):
                    self.save(f"number {value.text}", GoType("float64", "number"))
                    item[key] = None
                elif isinstance(value, (dict, list)):
                    pending.append(value)
        return node


_ABSENT = object()


def go_decode(node: object, go_type: GoType) -> tuple[object, GoJSONError | None]:
    """Decode an already parsed value (``GO_RAW``'s) into a fresh ``go_type``: the value and
    the first type error, as ``json.Unmarshal`` of that value's bytes would give them."""
    decoder = _Decoder()
    value = decoder.decode(node, go_type, go_type.zero())
    return value, decoder.error


def go_unmarshal(data: bytes, go_type: GoType) -> tuple[object, GoJSONError | None]:
    """``json.Unmarshal(data, &v)``: a syntax error (nothing decoded) raises GoJSONError; else
    the value and the first type error."""
    return go_decode(_scan_all(data), go_type)


def _fold_name(name: str) -> str:
    """Go's foldName: ASCII upper-cased, other runes to the smallest of their fold set."""
    out = []
    for ch in name:
        if ch < "\x80":
            out.append(ch.upper())
            continue
        orbit, pending = {ch}, [ch]
        while pending:
            for other in (pending[-1].lower(), pending.pop().upper()):
                if len(other) == 1 and other not in orbit:
                    orbit.add(other)
                    pending.append(other)
        out.append(min(orbit))
    return "".join(out)


# --- config.json -----------------------------------------------------------------------------

_AUTH_CONFIG = go_struct(
    "types.AuthConfig", ("username", GO_STRING), ("password", GO_STRING), ("auth", GO_STRING),
    ("email", GO_STRING), ("serveraddress", GO_STRING), ("identitytoken", GO_STRING),
    ("registrytoken", GO_STRING))
_PROXY_CONFIG = go_struct(
    "configfile.ProxyConfig", ("httpProxy", GO_STRING), ("httpsProxy", GO_STRING),
    ("noProxy", GO_STRING), ("ftpProxy", GO_STRING), ("allProxy", GO_STRING))
_STRING_MAP = go_map(GO_STRING)
#: docker 28's configfile.ConfigFile, field by field (Filename is `json:"-"`).
CONFIG_FILE_TYPE = go_struct(
    "configfile.ConfigFile",
    ("auths", go_map(_AUTH_CONFIG)),
    ("HttpHeaders", _STRING_MAP),
    ("psFormat", GO_STRING),
    ("imagesFormat", GO_STRING),
    ("networksFormat", GO_STRING),
    ("pluginsFormat", GO_STRING),
    ("volumesFormat", GO_STRING),
    ("statsFormat", GO_STRING),
    ("detachKeys", GO_STRING),
    ("credsStore", GO_STRING),
    ("credHelpers", _STRING_MAP),
    ("serviceInspectFormat", GO_STRING),
    ("servicesFormat", GO_STRING),
    ("tasksFormat", GO_STRING),
    ("secretFormat", GO_STRING),
    ("configFormat", GO_STRING),
    ("nodesFormat", GO_STRING),
    ("pruneFilters", go_slice(GO_STRING)),
    ("proxies", go_map(_PROXY_CONFIG)),
    ("currentContext", GO_STRING),
    ("cliPluginsExtraDirs", go_slice(GO_STRING)),
    ("plugins", go_map(_STRING_MAP)),
    ("aliases", _STRING_MAP),
    ("features", _STRING_MAP),
    ("experimental", GO_STRING),
)


@dataclass
class ConfigFile:
    """config.json as docker reads it. ``data`` holds what Go decoded, under the fields' own
    names (a wrong-typed value is left out, as Go leaves its field at the zero value); keys
    docker does not know are kept for writing back. ``warning`` is docker's line about a file
    it could not read entirely ("Error parsing config file (PATH): …"), or ""."""

    path: Path
    data: dict = field(default_factory=dict)
    warning: str = ""

    @classmethod
    def load(cls, directory: Path) -> ConfigFile:
        path = directory / "config.json"
        try:
            with open(path, "rb") as handle:
                try:
                    content = handle.read()
                except OSError as exc:
                    return cls(path, {}, f"parsing config file ({path}): "
                                         f"read {path}: {_go_errno_text(exc)}")
        except FileNotFoundError:
            return cls(path, {})
        except IsADirectoryError as exc:  # Go opens a folder; reading it fails
            return cls(path, {}, f"parsing config file ({path}): "
                                 f"read {path}: {_go_errno_text(exc)}")
        except OSError as exc:
            return cls(path, {}, f"loading config file: open {path}: {_go_errno_text(exc)}")
        data, problem = parse_config(content)
        return cls(path, data, f"parsing config file ({path}): {problem}" if problem else "")

    def get(self, key: str, default: object = None) -> object:
        return self.data.get(key, default)

    def _string(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    @property
    def current_context(self) -> str:
        return self._string("currentContext")

    @property
    def ps_format(self) -> str:
        return self._string("psFormat")

    @property
    def images_format(self) -> str:
        return self._string("imagesFormat")

    @property
    def index_username(self) -> str:
        """The Docker Hub user of the stored credentials (``info`` shows it)."""
        auths = self.data.get("auths")
        entry = (auths if isinstance(auths, dict) else {}).get(INDEX_SERVER)
        if not isinstance(entry, dict):
            return ""
        if entry.get("username"):
            return str(entry["username"])
        try:
            decoded = base64.b64decode(entry.get("auth") or "").decode()
        except (ValueError, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0]

    @property
    def detach_keys(self) -> str:
        return self._string("detachKeys")


def parse_config(content: bytes) -> tuple[dict, str]:
    """config.json's bytes as docker's ``LoadFromReader`` reads them: the decoded data and
    the error docker warns about ("" when none)."""
    try:
        node = _scan_stream(content)
    except _EOF:
        return {}, ""
    except GoJSONError as exc:
        return {}, str(exc)
    decoded, error = go_decode(node, CONFIG_FILE_TYPE)
    data: dict = {}
    if isinstance(node, _Object):
        for key, value in node.pairs:
            name = CONFIG_FILE_TYPE.field_for(key)
            if name is None:
                data[key] = _Decoder().plain(value)  # kept for writing back; docker ignores it
            elif name in decoded and name not in data:
                data[name] = decoded[name]
    if error is not None:
        return data, str(error)
    auths = data.get("auths")
    for entry in (auths.values() if isinstance(auths, dict) else ()):
        problem = _auth_problem(entry.get("auth") or "")
        if problem:
            return data, problem
    return data, ""


_B64_ALPHABET = {c: i for i, c in enumerate(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _auth_problem(auth: str) -> str:
    """What docker's ``decodeAuth`` says about an ``auth`` value ("" when it decodes): Go's
    base64.StdEncoding errors, then "Invalid auth configuration file" without a user."""
    if not auth:
        return ""
    src = auth.encode("utf-8")
    decoded = bytearray()
    si = 0
    while si < len(src):
        quantum, length, si, error = _b64_quantum(src, si)
        decoded += bytes(quantum[:max(length - 1, 0)])
        if error is not None:
            return f"illegal base64 data at input byte {error}"
        if length == 0:
            break
    decoded += bytes(len(src) // 4 * 3 - len(decoded))
    username, sep, _ = decoded.partition(b":")
    return "" if sep and username else "Invalid auth configuration file"


def _b64_quantum(src: bytes, si: int) -> tuple[bytes, int, int, int | None]:
    """Go's Encoding.decodeQuantum: (bytes, length + 1, next index, error offset or None)."""
    digits = [0, 0, 0, 0]
    length, j, error = 4, 0, None
    while j < 4:
        if si == len(src):
            if j == 0:
                return b"", 0, si, None
            return b"", 0, si, si - j
        char = src[si]
        si += 1
        if char in _B64_ALPHABET:
            digits[j] = _B64_ALPHABET[char]
            j += 1
            continue
        if char in b"\r\n":
            continue
        if char != ord("=") or j in (0, 1):
            return b"", 0, si, si - 1
        if j == 2:
            while si < len(src) and src[si] in b"\r\n":
                si += 1
            if si == len(src):
                return b"", 0, si, len(src)
            if src[si] != ord("="):
                return b"", 0, si, si - 1
            si += 1
        while si < len(src) and src[si] in b"\r\n":
            si += 1
        if si < len(src):
            error = si
        length = j
        break
    value = digits[0] << 18 | digits[1] << 12 | digits[2] << 6 | digits[3]
    return value.to_bytes(3, "big"), length, si, error


def _go_errno_text(exc: OSError) -> str:
    """The text Go's syscall.Errno gives an OSError: strerror, lower-cased first letter."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def context_id(name: str) -> str:
    """Directory name of a context in the store: the hex SHA-256 of its name."""
    return hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
