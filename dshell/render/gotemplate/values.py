"""Go values as templates see them: the invalid value, type names and truth.

Go values are modelled with Python ones: str, bool, int, float, list/tuple (slices), dict
(maps, iterated in sorted-key order) and objects (structs: exported attributes are fields,
callable attributes are methods).  `None` is Go's nil interface, as found in JSON decoded into
`map[string]interface{}`; a missing map key is Go's invalid value and prints `<no value>`.
"""

from __future__ import annotations

from collections.abc import Callable


class _Invalid:
    """Go's invalid reflect.Value: a missing map key or an untyped nil (one instance)."""

    def __repr__(self) -> str:
        return "<no value>"


class _Absent:
    """No value piped into a command (Go's missingVal)."""

    def __repr__(self) -> str:
        return "<absent>"


INVALID = _Invalid()
ABSENT = _Absent()


class GoMap(dict):
    """A Go map of a declared type (`map[string]store.EndpointFiles`), for typed structs.

    `nil` marks a nil map: it prints `map[]`, equals nil in `eq`, and encodes as JSON null.
    `zero` makes the element type's zero value (what `index` gives for a missing key); without
    it the zero value is nil.
    """

    __slots__ = ("go_type_name", "nil", "zero")

    def __init__(self, go_type_name: str, items: object = (), nil: bool = False,
                 zero: Callable[[], object] | None = None) -> None:
        super().__init__(items)  # type: ignore[arg-type]
        self.go_type_name = go_type_name
        self.nil = nil
        self.zero = zero

    def marshal_json(self) -> dict | None:
        return None if self.nil else dict(self)


class GoSlice(list):
    """A Go slice of a declared type (`store.EndpointFiles`, a named []string); `nil` marks a
    nil slice (prints `[]`, encodes as JSON null)."""

    __slots__ = ("go_type_name", "nil")

    def __init__(self, go_type_name: str, items: object = (), nil: bool = False) -> None:
        super().__init__(items)  # type: ignore[call-overload]
        self.go_type_name = go_type_name
        self.nil = nil

    def marshal_json(self) -> list | None:
        return None if self.nil else list(self)


class GoNilPointer:
    """A nil pointer field of a typed struct (``*swarm.ManagerStatus`` of a worker): prints
    ``<nil>`` (a missing map key prints ``<no value>``), is false, encodes as JSON null."""

    __slots__ = ("go_type_name",)

    def __init__(self, go_type_name: str) -> None:
        self.go_type_name = go_type_name

    def String(self) -> str:  # noqa: N802 - what fmt's handleMethods calls
        return "<nil>"

    def marshal_json(self) -> None:
        return None


def is_struct(value: object) -> bool:
    return not isinstance(value, (str, bytes, bool, int, float, complex, list, tuple, dict,
                                  _Invalid, type(None)))


def go_type(value: object) -> str:
    """The Go type name docker would report for a value decoded from the Engine's JSON."""
    if value is None:
        return "interface {}"
    if isinstance(value, (GoMap, GoSlice)):
        return value.go_type_name
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


def element_type(type_name: str) -> str:
    """The element type of a map or slice type name: map[string]X and []X give X."""
    if type_name.startswith("[]"):
        return type_name[2:]
    if type_name.startswith("map["):
        depth = 0
        for i, ch in enumerate(type_name[3:], 3):
            depth += {"[": 1, "]": -1}.get(ch, 0)
            if depth == 0:
                return type_name[i + 1:]
    return "interface {}"


def struct_fields(value: object) -> list[tuple[str, object]]:
    """A struct's fields in declaration order, as fmt prints them: a `go_fields()` method's
    (name, value) pairs, else the public instance attributes."""
    fields = getattr(value, "go_fields", None)
    if callable(fields):
        return list(fields())
    if not hasattr(value, "__dict__"):
        return []
    return [(k, v) for k, v in vars(value).items()
            if not k.startswith("_") and k != "go_type_name"]


def is_nil(value: object) -> bool:
    """Go's isNil for comparisons: no value, nil interface, or a nil map or slice."""
    return value is INVALID or value is None or (
        isinstance(value, (GoMap, GoSlice)) and value.nil)


def _element_type(items) -> str:
    items = list(items)
    if items and all(isinstance(i, str) for i in items):
        return "string"
    return "interface {}"


def indirect_interface(value: object) -> object:
    return INVALID if value is None else value


def is_true(value: object) -> tuple[bool, bool]:
    if value is INVALID or value is None or isinstance(value, GoNilPointer):
        return False, True
    if isinstance(value, (bool, int, float, complex)):
        return value != 0, True
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0, True
    return True, True


def truth(value: object) -> bool:
    return is_true(indirect_interface(value))[0]


def dict_zero(mapping: dict) -> object:
    """reflect.Zero of a map's element type: "" for string maps (labels), else nil."""
    if isinstance(mapping, GoMap):
        return mapping.zero() if mapping.zero is not None else None
    return "" if all(isinstance(v, str) for v in mapping.values()) else None
