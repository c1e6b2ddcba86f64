"""Go values as templates see them: the invalid value, type names and truth.

Go values are modelled with Python ones: str, bool, int, float, list/tuple (slices), dict
(maps, iterated in sorted-key order) and objects (structs: exported attributes are fields,
callable attributes are methods).  `None` is Go's nil interface, as found in JSON decoded into
`map[string]interface{}`; a missing map key is Go's invalid value and prints `<no value>`.
"""

from __future__ import annotations


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



def is_struct(value: object) -> bool:
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


def indirect_interface(value: object) -> object:
    return INVALID if value is None else value


def is_true(value: object) -> tuple[bool, bool]:
    if value is INVALID or value is None:
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
    return "" if all(isinstance(v, str) for v in mapping.values()) else None
