"""dshell (or docker) in a real pseudo-terminal, driven with pexpect.

Every pty test starts the program the same way; what varies, and matters to the test, is the
environment, the window size and the timeout, so those stay visible at the call site.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pexpect

from tests import harness

PROMPT = re.compile(r"dshell \S+>")
WINDOW = (40, 160)


def session_env(engine: harness.Engine, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The engine's environment for an interactive session: its history under tmp_path/state,
    an xterm, and `extra` on top."""
    return dict(engine.env, XDG_STATE_HOME=str(tmp_path / "state"), TERM="xterm", **extra)


def spawn(argv: Sequence[str], env: Mapping[str, str], *, timeout: float = 20,
          dimensions: tuple[int, int] | None = WINDOW,
          encoding: str | None = "utf-8") -> pexpect.spawn:
    """Start `argv` in a new pty; dimensions=None keeps pexpect's 24x80, encoding=None bytes."""
    return pexpect.spawn(argv[0], list(argv[1:]), env=dict(env), encoding=encoding,
                         timeout=timeout, dimensions=dimensions)


def spawn_dshell(env: Mapping[str, str], *args: str, **options) -> pexpect.spawn:
    """`python -m dshell ARGS` in a new pty; `options` as for spawn."""
    return spawn([*harness.DSHELL_COMMAND, *args], env, **options)


@contextlib.contextmanager
def terminated_after(child: pexpect.spawn) -> Iterator[pexpect.spawn]:
    """Yield `child`; kill it afterwards if the test left it running."""
    try:
        yield child
    finally:
        if child.isalive():
            child.terminate(force=True)


@contextlib.contextmanager
def interactive_dshell(env: Mapping[str, str], **options) -> Iterator[pexpect.spawn]:
    """An interactive dshell at its first prompt, killed afterwards if still running."""
    with terminated_after(spawn_dshell(env, **options)) as child:
        child.expect(PROMPT)
        yield child
