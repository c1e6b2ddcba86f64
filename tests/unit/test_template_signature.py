"""Template functions read a plain Python function's parameters from its code object (sparing
a cold start the import of inspect): the same parameters inspect.signature gives."""

from __future__ import annotations

import functools

import pytest

from dshell.render.gotemplate.functions import (
    _plain_function,
    code_parameters,
    inspect_parameters,
    python_function,
)


def none():  # noqa: ANN201
    pass


def typed(a: str, b: int, c: bool, d: float, e: list[str], f) -> str:  # noqa: ANN001
    return a


def defaults(a, b: int = 1, *rest: str, flag: bool = False, other, **extra):  # noqa: ANN001, ANN002, ANN003, ANN201
    pass


def only_rest(*values):  # noqa: ANN002, ANN201
    pass


def positional_only(a: str, /, b: int = 2):  # noqa: ANN201
    pass


class Receiver:
    def method(self, name: str, *more: int) -> str:
        return name


SAMPLES = [none, typed, defaults, only_rest, positional_only, Receiver.method,
           lambda x, y=1: x]  # fmt: skip


@pytest.mark.parametrize("fn", SAMPLES)
def test_code_parameters_match_inspect(fn):
    assert _plain_function(fn)
    assert code_parameters(fn) == inspect_parameters(fn)


def test_wrapped_or_non_function_callables_go_through_inspect():
    assert not _plain_function(functools.wraps(typed)(lambda *a: None))
    assert not _plain_function(len)
    assert not _plain_function(functools.partial(typed, "x"))


def test_template_view_of_a_bound_method():
    function = python_function(Receiver().method)
    assert (function.params, function.variadic) == (("string",), "int")
