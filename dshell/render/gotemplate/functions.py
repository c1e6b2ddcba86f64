"""Template functions: Go's builtins (and, eq, index, printf, ...) and docker's additions
(json, split, join, title, lower, upper, pad, truncate from docker/cli templates/templates.go).

A Function carries Go parameter types so that the executor checks arguments as Go does; a Go
function's error is raised as CallError, which execution reports as `error calling NAME: ...`.
"""

from __future__ import annotations

import functools
import unicodedata
import urllib.parse
from collections.abc import Callable
from types import FunctionType

from dshell.records import dataclass
from dshell.render import gojson
from dshell.render.gotemplate.gofmt import sprint, sprintf, sprintln
from dshell.render.gotemplate.limits import MAX_OUTPUT, too_large
from dshell.render.gotemplate.values import (
    INVALID,
    dict_zero,
    go_type,
    indirect_interface,
    is_nil,
    is_struct,
    struct_fields,
    truth,
)


class CallError(Exception):
    """A Go function returned an error; execution stops with `error calling NAME: ...`."""


@dataclass(frozen=True)
class Function:
    """A template function with Go parameter types.

    Types: "any" (interface{}), "value" (reflect.Value: invalid values pass through),
    "string", "int", "[]string".
    """

    call: Callable
    params: tuple[str, ...]
    variadic: str | None = None


GO_TYPE_NAMES = {"any": "interface {}", "value": "reflect.Value", "string": "string",
                  "int": "int", "[]string": "[]string", "bool": "bool", "float": "float64"}


_CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08  # inspect.CO_VARARGS, inspect.CO_VARKEYWORDS
_ANNOTATION_TYPES = {str: "string", "str": "string", int: "int", "int": "int", bool: "bool",
                     "bool": "bool", float: "float", "float": "float", "list[str]": "[]string"}


def python_function(fn: Callable) -> Function:
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
    return Function(fn, params, variadic)


@functools.lru_cache(maxsize=1024)
def _signature(fn: Callable, bound: bool) -> tuple[tuple[str, ...], str | None]:
    params: list[str] = []
    variadic = None
    parameters = code_parameters(fn) if _plain_function(fn) else inspect_parameters(fn)
    for kind, annotation, has_default in parameters[1:] if bound else parameters:
        typ = _ANNOTATION_TYPES.get(annotation, "any") if isinstance(annotation, (str, type)) \
            else "any"
        if kind == "positional":
            if not has_default and variadic is None:
                params.append(typ)
            else:
                variadic = "any"
        elif kind == "variadic":
            variadic = typ
    return tuple(params), variadic


#: A parameter as ``_signature`` reads it: its kind ("positional", "variadic" or "other"), its
#: annotation (None when it has none) and whether it has a default.
Parameter = tuple[str, object, bool]


def _plain_function(fn: Callable) -> bool:
    """A ``def`` function whose code object tells its signature (nothing wraps or overrides
    it): for those, ``code_parameters`` spares importing inspect (with ast and dis)."""
    return type(fn) is FunctionType and not hasattr(fn, "__wrapped__") \
        and getattr(fn, "__signature__", None) is None


def code_parameters(fn: FunctionType) -> list[Parameter]:
    """The parameters ``inspect.signature`` gives a plain function, from its code object."""
    code = fn.__code__
    count = code.co_argcount
    annotations = fn.__annotations__
    first_default = count - len(fn.__defaults__ or ())
    names = code.co_varnames
    found: list[Parameter] = [("positional", annotations.get(names[i]), i >= first_default)
                              for i in range(count)]  # fmt: skip
    if code.co_flags & _CO_VARARGS:
        found.append(("variadic", annotations.get(names[count + code.co_kwonlyargcount]), False))
    defaults = fn.__kwdefaults__ or {}
    found += [("other", annotations.get(name), name in defaults)
              for name in names[count:count + code.co_kwonlyargcount]]  # fmt: skip
    if code.co_flags & _CO_VARKEYWORDS:
        found.append(("other", None, False))
    return found


def inspect_parameters(fn: Callable) -> list[Parameter]:
    """The parameters of any callable, as ``inspect.signature`` reads them."""
    import inspect

    found: list[Parameter] = []
    for param in inspect.signature(fn).parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            kind = "positional"
        else:
            kind = "variadic" if param.kind == param.VAR_POSITIONAL else "other"
        annotation = None if param.annotation is param.empty else param.annotation
        found.append((kind, annotation, param.default is not param.empty))
    return found


def _length(item: object) -> int:
    if item is None:
        raise CallError("len of nil pointer")
    if item is INVALID:
        raise CallError("reflect: call of reflect.Value.Type on zero Value")
    if isinstance(item, str):
        return len(item.encode("utf-8", errors="surrogatepass"))
    if isinstance(item, (list, tuple, dict)):
        return len(item)
    raise CallError(f"len of type {go_type(item).removeprefix('*')}")


def _index_arg(index: object, cap: int) -> int:
    if index is INVALID or index is None:
        raise CallError("cannot index slice/array with nil")
    if not isinstance(index, int) or isinstance(index, bool):
        raise CallError(f"cannot index slice/array with type {go_type(index)}")
    if index < 0 or index > cap:
        raise CallError(f"index out of range: {index}")
    return index


def _index(item: object, *indexes: object) -> object:
    item = indirect_interface(item)
    if item is INVALID:
        raise CallError("index of untyped nil")
    for index in indexes:
        index = indirect_interface(index)
        if item is None:
            raise CallError("index of nil pointer")
        if isinstance(item, (list, tuple, str)):
            data = item.encode("utf-8") if isinstance(item, str) else item
            position = _index_arg(index, len(data))
            if position == len(data):
                kind = "string" if isinstance(item, str) else "slice"
                raise CallError(f"reflect: {kind} index out of range")
            item = data[position]
        elif isinstance(item, dict):
            if index is INVALID:
                raise CallError("value is nil; should be of type string")
            if not isinstance(index, str):
                raise CallError(f"value has type {go_type(index)}; should be string")
            item = item[index] if index in item else dict_zero(item)
        else:
            raise CallError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: object, *indexes: object) -> object:
    item = indirect_interface(item)
    if item is INVALID:
        raise CallError("slice of untyped nil")
    if len(indexes) > 3:
        raise CallError(f"too many slice indexes: {len(indexes)}")
    if isinstance(item, str):
        if len(indexes) == 3:
            raise CallError("cannot 3-index slice a string")
        data: object = item.encode("utf-8")
    elif isinstance(item, (list, tuple)):
        data = list(item)
    else:
        raise CallError(f"can't slice item of type {go_type(item)}")
    bounds = [0, len(data), len(data)]
    for i, index in enumerate(indexes):
        bounds[i] = _index_arg(index, len(data))
    if bounds[0] > bounds[1]:
        raise CallError(f"invalid slice index: {bounds[0]} > {bounds[1]}")
    if len(indexes) == 3 and bounds[1] > bounds[2]:
        raise CallError(f"invalid slice index: {bounds[1]} > {bounds[2]}")
    result = data[bounds[0]:bounds[1]]
    if isinstance(result, bytes):
        return result.decode("utf-8", errors="replace")
    return result


# Comparisons, as Go 1.24's text/template funcs.go: operands are classified by basicKind (a
# Python int is Go's int or uint alike: Go compares int with uint by value, as Python does).

_BASIC_KINDS = ((bool, "bool"), (int, "int"), (float, "float"), (complex, "complex"),
                (str, "string"))


def _basic_kind(value: object) -> str | None:
    for python_type, kind in _BASIC_KINDS:
        if isinstance(value, python_type):
            return kind
    return None


def _reflect_kind(value: object) -> str:
    """reflect.Kind, for the operands basicKind leaves out."""
    if value is INVALID:
        return "invalid"
    if value is None:
        return "interface"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, (list, tuple)):
        return "slice"
    if not is_struct(value):
        return "basic"
    if callable(value):
        return "func"
    return "ptr" if go_type(value).startswith("*") else "struct"


def _comparable(value: object) -> bool:
    """reflect.Type.Comparable: maps, slices and funcs are not, nor structs holding them."""
    kind = _reflect_kind(value)
    if kind in ("map", "slice", "func"):
        return False
    if kind != "struct":
        return True
    declared = getattr(value, "go_comparable", None)
    if declared is not None:
        return bool(declared)
    return all(_comparable(field) for _, field in struct_fields(value))


def _go_equal(a: object, b: object) -> bool:
    """Go's == on two comparable interface values: same type and equal contents."""
    if _reflect_kind(a) != "struct" or _reflect_kind(b) != "struct":
        return a is b if is_struct(a) or is_struct(b) else a == b
    if go_type(a) != go_type(b):
        return False
    fields_a, fields_b = struct_fields(a), struct_fields(b)
    return len(fields_a) == len(fields_b) and all(
        _go_equal(x, y) for (_, x), (_, y) in zip(fields_a, fields_b, strict=True))


def _eq(arg1: object, *args: object) -> bool:
    arg1 = indirect_interface(arg1)
    if not args:
        raise CallError("missing argument for comparison")
    kind1 = _basic_kind(arg1)
    for arg in args:
        arg = indirect_interface(arg)
        kind2 = _basic_kind(arg)
        if kind1 != kind2:
            if arg1 is not INVALID and arg is not INVALID:
                raise CallError("incompatible types for comparison")
            truth = False
        elif kind1 is not None:
            truth = arg1 == arg
        else:
            reflect1, reflect2 = _reflect_kind(arg1), _reflect_kind(arg)
            if reflect1 != reflect2 and "invalid" not in (reflect1, reflect2):
                raise CallError(
                    f"non-comparable types {sprintf('%s', arg1)}: {go_type(arg1)}, "
                    f"{go_type(arg)}: {sprint(arg)}")
            if is_nil(arg1) or is_nil(arg):
                truth = is_nil(arg) == is_nil(arg1)
            else:
                if not _comparable(arg):
                    raise CallError(f"non-comparable type {sprintf('%s', arg)}: "
                                    f"{go_type(arg)}")
                truth = _go_equal(arg1, arg)
        if truth:
            return True
    return False


def _ne(arg1: object, arg2: object) -> bool:
    return not _eq(arg1, arg2)


def _lt(arg1: object, arg2: object) -> bool:
    arg1 = indirect_interface(arg1)
    kind1 = _basic_kind(arg1)
    if kind1 is None:
        raise CallError("invalid type for comparison")
    arg2 = indirect_interface(arg2)
    kind2 = _basic_kind(arg2)
    if kind2 is None:
        raise CallError("invalid type for comparison")
    if kind1 != kind2:
        raise CallError("incompatible types for comparison")
    if kind1 in ("bool", "complex"):
        raise CallError("invalid type for comparison")
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
    return not truth(arg)


def _call_value(name: str, fn: object, *args: object) -> object:
    fn = indirect_interface(fn)
    if fn is INVALID:
        raise CallError("call of nil")
    if not callable(fn):
        raise CallError(f"non-function {name} of type {go_type(fn)}")
    function = python_function(fn)
    fixed = len(function.params)
    if function.variadic is None and len(args) != fixed:
        raise CallError(f"wrong number of args for {name}: got {len(args)} want {fixed}")
    if len(args) < fixed:
        raise CallError(f"wrong number of args for {name}: got {len(args)} want at least "
                         f"{fixed}")
    try:
        return fn(*(None if a is INVALID else a for a in args))
    except Exception as err:  # noqa: BLE001 - Go's call recovers panics as errors
        raise CallError(str(err)) from None


BUILTINS: dict[str, Function] = {
    "and": Function(lambda *a: a[-1], ("value",), "value"),
    "or": Function(lambda *a: a[-1], ("value",), "value"),
    "call": Function(_call_value, ("value",), "value"),
    "html": Function(_html, (), "any"),
    "index": Function(_index, ("value",), "value"),
    "slice": Function(_slice, ("value",), "value"),
    "js": Function(_js, (), "any"),
    "len": Function(_length, ("value",)),
    "not": Function(_not, ("value",)),
    "print": Function(sprint, (), "any"),
    "printf": Function(sprintf, ("string",), "any"),
    "println": Function(sprintln, (), "any"),
    "urlquery": Function(_urlquery, (), "any"),
    "eq": Function(_eq, ("value",), "value"),
    "ge": Function(_ge, ("value", "value")),
    "gt": Function(_gt, ("value", "value")),
    "le": Function(_le, ("value", "value")),
    "lt": Function(_lt, ("value", "value")),
    "ne": Function(_ne, ("value", "value")),
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
    if sum(map(len, elems)) + len(sep) * max(len(elems) - 1, 0) > MAX_OUTPUT:
        raise too_large("result")
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
        raise CallError("strings: negative Repeat count")
    if prefix + len(source) + suffix > MAX_OUTPUT:
        raise too_large("result")
    return " " * prefix + source + " " * suffix


def _truncate(source: str, length: int) -> str:
    """docker's truncate cuts bytes; a rune cut in half is dropped, to keep the text valid."""
    data = source.encode("utf-8")
    if len(data) < length:
        return source
    if length < 0:
        raise CallError(f"runtime error: slice bounds out of range [:{length}]")
    return data[:length].decode("utf-8", errors="ignore")


DOCKER_FUNCTIONS: dict[str, Function] = {
    "json": Function(_json, ("any",)),
    "split": Function(_split, ("string", "string")),
    "join": Function(_join, ("[]string", "string")),
    "title": Function(_title, ("string",)),
    "lower": Function(_lower, ("string",)),
    "upper": Function(_upper, ("string",)),
    "pad": Function(_pad_with_space, ("string", "int", "int")),
    "truncate": Function(_truncate, ("string", "int")),
}


def docker_functions() -> dict[str, Callable]:
    """docker's template functions as plain callables (for building variants such as headers)."""
    return {name: fn.call for name, fn in DOCKER_FUNCTIONS.items()}
