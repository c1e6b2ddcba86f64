"""dshell.records behaves as dataclasses does for what dshell uses of it: each case runs the
same class body under both decorators and compares what they do."""

from __future__ import annotations

import dataclasses

import pytest

from dshell import records

IMPLEMENTATIONS = [
    pytest.param((dataclasses.dataclass, dataclasses.field, dataclasses.replace,
                  dataclasses.FrozenInstanceError), id="dataclasses"),
    pytest.param((records.dataclass, records.field, records.replace,
                  records.FrozenInstanceError), id="records"),
]  # fmt: skip


def kinds(impl):  # noqa: ANN001, ANN201 - the same classes under one implementation
    dataclass, field, _, _ = impl

    @dataclass
    class Plain:
        name: str
        count: int = 0
        items: list = field(default_factory=list)
        hidden: str = field(default="h", repr=False)

    @dataclass(frozen=True)
    class Frozen:
        words: tuple
        summary: str = ""
        invoked: tuple | None = field(default=None, compare=False)
        children: list = field(default_factory=list, compare=False, hash=False)

    @dataclass(eq=False)
    class Identity:
        pos: int
        nodes: list = field(default_factory=list)

    @dataclass
    class Child(Plain):
        extra: int = 5

    @dataclass
    class Post:
        a: int
        b: int = 0

        def __post_init__(self) -> None:
            self.b = self.a * 2

    @dataclass
    class Custom:
        a: int

        def __repr__(self) -> str:
            return "custom"

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    return Plain, Frozen, Identity, Child, Post, Custom


def behaviour(impl) -> list:  # noqa: ANN001
    """What a program could observe of the classes, as plain data."""
    _, _, replace, frozen_error = impl
    plain, frozen, identity, child, post, custom = kinds(impl)
    seen: list = []
    one, two = plain("a"), plain("a")
    seen += [repr(plain("x", 2, [1])).split("(", 1)[1], one == two, one != plain("b"),
             one.items is not two.items, plain.__hash__ is None, plain(name="n", count=3).count]
    f1, f2 = frozen(("a",), "s", invoked=("x",)), frozen(("a",), "s", invoked=("y",))
    seen += [f1 == f2, hash(f1) == hash(f2), f1 != frozen(("b",)), repr(f1).split("(", 1)[1]]
    for action in (lambda: setattr(f1, "summary", "x"), lambda: delattr(f1, "summary")):
        try:
            action()
            seen.append("assigned")
        except frozen_error:
            seen.append("frozen")
    changed = replace(f1, summary="t")
    seen += [changed.summary, changed.words, changed.invoked, f1.summary]
    node = identity(1)
    seen += [node == identity(1), node == node, hash(node) == hash(node), node.nodes]
    kid = child("k", 1)
    seen += [repr(kid).split("(", 1)[1], kid.extra, kid == child("k", 1), kid != plain("k", 1)]
    seen += [post(3).b, repr(custom(1)), custom(1) == custom(2)]
    for bad in (lambda: plain(), lambda: plain("a", nope=1), lambda: replace(f1, nope=1)):
        try:
            bad()
            seen.append("accepted")
        except TypeError:
            seen.append("TypeError")
    seen.append(getattr(plain, "__match_args__", None))
    return seen


def test_records_behave_as_dataclasses():
    expected, got = (behaviour(p.values[0]) for p in IMPLEMENTATIONS)
    assert got == expected


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_a_default_factory_runs_per_instance(impl):
    plain = kinds(impl)[0]
    first, second = plain("a"), plain("b")
    first.items.append(1)
    assert second.items == []


def test_records_import_no_dataclasses():
    import subprocess
    import sys

    code = ("import sys, dshell.records\n"
            "print('dataclasses' in sys.modules, 'inspect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
