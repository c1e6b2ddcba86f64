"""What keeps a template from hanging or eating memory, and room for Go's deep recursion.

Go's own bounds are kept exactly: printf widths and precisions over 1e6 (fmt's tooLarge) and
templates calling templates 100000 deep (exec's maxExecDepth); Go 1.24 bounds neither the
nesting of parentheses nor of control structures.  Go has no bound on output, so a template as
`{{range 1000000000}}{{printf "%9999999d" 1}}{{end}}` would print gigabytes; dshell stops
it with one clear error instead.  The caps sit far above anything docker's formats produce.

A port of a recursive-descent parser and tree walker recurses as deep as the template nests;
`run_deep` gives such a template the Python stack that Go's growable goroutine stacks give it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

#: Go's maxExecDepth (text/template/exec.go): templates invoking templates.
MAX_EXEC_DEPTH = 100000

#: dshell's own caps on one execution (Go has none).  MiB of text written, or of one value a
#: function returns (a list counts LIST_ITEM_COST per element).
MAX_OUTPUT = 64 * 1024 * 1024
LIST_ITEM_COST = 64
#: Text one execution handles: what it writes, and what it passes to and gets back from
#: functions (so that shuffling a big string around in a loop stops too).
MAX_PRODUCED = 8 * MAX_OUTPUT
#: Nodes walked, commands and arguments evaluated, and range iterations, in one execution: a
#: few seconds of work.  docker's formats take hundreds; a range over 10000 elements, 100000s.
MAX_STEPS = 2_000_000


class LimitExceeded(Exception):
    """A template went past one of dshell's caps; str() says which, in one line."""


def mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


def too_large(what: str) -> LimitExceeded:
    return LimitExceeded(f"{what} exceeds dshell's limit of {mib(MAX_OUTPUT)}")


def value_size(value: object) -> int:
    """What a function result weighs against MAX_OUTPUT: characters, or list elements."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, dict)):
        return len(value) * LIST_ITEM_COST
    return 0


def check_value(value: object) -> object:
    if value_size(value) > MAX_OUTPUT:
        raise too_large("result")
    return value


# --- stack room ----------------------------------------------------------------------------------

#: Python frames one level of nesting may take: parse_control -> item_list -> text_or_action
#: -> action -> if_control, or walk -> walk_range -> one_iteration -> walk, with margin.
FRAMES_PER_LEVEL = 16
#: Nesting that runs on the caller's stack as it is.
SHALLOW = 40
_THREAD_STACK = 512 * 1024 * 1024

T = TypeVar("T")


def run_deep(fn: Callable[[], T], levels: int) -> T:
    """Run fn with room for `levels` of nesting; inline when that is little."""
    if levels <= SHALLOW:
        return fn()
    frames = levels * FRAMES_PER_LEVEL + 2000
    result: list = []
    failure: list[BaseException] = []

    def target() -> None:
        old = sys.getrecursionlimit()
        try:
            sys.setrecursionlimit(max(old, frames))
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
            failure.append(exc)
        finally:
            sys.setrecursionlimit(old)

    try:
        previous = threading.stack_size(_THREAD_STACK)
    except (ValueError, RuntimeError):
        return fn()
    try:
        worker = threading.Thread(target=target, name="gotemplate-deep", daemon=True)
        worker.start()
    except RuntimeError:
        return fn()
    finally:
        threading.stack_size(previous)
    worker.join()
    if failure:
        raise failure[0]
    return result[0]
