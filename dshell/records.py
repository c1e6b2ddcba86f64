"""Dataclass-like records that are cheap to define.

``dataclasses`` compiles every generated method separately and imports ``inspect`` (with ``ast``
and ``dis``); with some forty record classes on the path of every command line, defining them
cost a cold start more than the rest of dshell's own modules. ``dataclass`` here compiles one
``__init__`` per class and shares generic ``__eq__``, ``__hash__`` and ``__repr__``, with the
semantics of the standard decorator for what dshell uses of it: ``@dataclass``,
``@dataclass(eq=False)``, ``@dataclass(frozen=True)``, ``field(default=…, default_factory=…,
repr=…, compare=…, hash=…)``, records inheriting from records, ``__post_init__`` and
``replace()``. A module switches by its import line alone:
``from dshell.records import dataclass, field``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["FrozenInstanceError", "dataclass", "field", "fields", "replace"]

T = TypeVar("T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assigning to a field of a frozen record (as ``dataclasses.FrozenInstanceError``)."""


class Field:
    """One declared field: its name, default or default factory, and what it takes part in."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare", "hash")

    def __init__(self, default: Any = MISSING, default_factory: Any = MISSING,
                 repr: bool = True, compare: bool = True,
                 hash: bool | None = None) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare
        self.hash = hash

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, repr: bool = True,
          compare: bool = True, hash: bool | None = None) -> Any:
    """Declare a field's default, default factory, and whether repr, == and hash see it."""
    return Field(default, default_factory, repr, compare, hash)


def fields(record: Any) -> tuple[Field, ...]:
    """The fields of a record class or instance, in order."""
    return record.__record_fields__


def replace(record: T, /, **changes: Any) -> T:
    """A new record like ``record`` with some fields changed (``dataclasses.replace``)."""
    values = {f.name: getattr(record, f.name) for f in record.__record_fields__}  # type: ignore[attr-defined]
    values.update(changes)
    return record.__class__(**values)


def _key(record: Any, names: tuple[str, ...]) -> tuple:
    return tuple([getattr(record, name) for name in names])


def _eq(self: Any, other: Any) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    names = self.__record_compared__
    return _key(self, names) == _key(other, names)


def _hash(self: Any) -> int:
    return hash(_key(self, self.__record_hashed__))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_fields__
                      if f.repr)  # fmt: skip
    return f"{type(self).__qualname__}({inner})"


def _freeze(cls: type, names: frozenset[str]) -> None:
    """Assigning or deleting a field raises (any attribute, on the class itself), as for a
    frozen dataclass; ``__init__`` sets the fields with ``object.__setattr__``."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)

    cls.__setattr__ = __setattr__  # type: ignore[assignment]
    cls.__delattr__ = __delattr__  # type: ignore[assignment]


def _is_class_var(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return text.startswith(("ClassVar", "typing.ClassVar", "t.ClassVar"))


def _collect(cls: type) -> list[Field]:
    """Inherited fields first (a redeclared name keeps its place), then the class's own."""
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for inherited in base.__dict__.get("__record_fields__", ()):
            found[inherited.name] = inherited
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if _is_class_var(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, Field):
            declared = value
            if declared.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
        else:
            declared = Field(default=value)
        declared.name = name
        found[name] = declared
    return list(found.values())


def _make_init(cls: type, record_fields: list[Field], frozen: bool) -> Callable:
    """One compiled ``__init__`` taking every field, positionally or by name, in order."""
    namespace: dict[str, Any] = {"_MISSING": MISSING, "_setattr": object.__setattr__}
    params, body = ["self"], []
    for position, declared in enumerate(record_fields):
        name = declared.name
        if declared.default_factory is not MISSING:
            namespace[f"_factory{position}"] = declared.default_factory
            params.append(f"{name}=_MISSING")
            value = f"_factory{position}() if {name} is _MISSING else {name}"
        elif declared.default is not MISSING:
            namespace[f"_default{position}"] = declared.default
            params.append(f"{name}=_default{position}")
            value = name
        else:
            params.append(name)
            value = name
        body.append(f"_setattr(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)  # the class's own field names, as dataclasses does
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _process(cls: type, eq: bool, frozen: bool) -> type:
    record_fields = _collect(cls)
    own = cls.__dict__
    cls.__record_fields__ = tuple(record_fields)  # type: ignore[attr-defined]
    cls.__record_compared__ = tuple(f.name for f in record_fields if f.compare)  # type: ignore[attr-defined]
    cls.__record_hashed__ = tuple(  # type: ignore[attr-defined]
        f.name for f in record_fields if (f.compare if f.hash is None else f.hash))
    cls.__match_args__ = tuple(f.name for f in record_fields)  # type: ignore[attr-defined]
    if "__init__" not in own:
        cls.__init__ = _make_init(cls, record_fields, frozen)  # type: ignore[misc]
    if "__repr__" not in own:
        cls.__repr__ = _repr  # type: ignore[assignment]
    explicit_hash = own.get("__hash__", MISSING) is not MISSING and not (
        own["__hash__"] is None and "__eq__" in own)
    if eq and "__eq__" not in own:
        cls.__eq__ = _eq  # type: ignore[assignment]
    if eq and not explicit_hash:
        cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    if frozen:
        _freeze(cls, frozenset(f.name for f in record_fields))
    return cls


def dataclass(cls: type | None = None, /, *, eq: bool = True,
              frozen: bool = False) -> Any:
    """``@dataclass``, ``@dataclass(eq=False)``, ``@dataclass(frozen=True)``."""

    def wrap(target: type) -> type:
        return _process(target, eq, frozen)

    return wrap if cls is None else wrap(cls)
