"""Fixtures shared by the pty tests: an interactive dshell, and a container that keeps
printing (for Ctrl-C in the middle of a stream)."""

from __future__ import annotations

import pytest

from tests import harness
from tests.pty_session import interactive_dshell, session_env


@pytest.fixture
def shell(engine, tmp_path):
    """An interactive dshell at its first prompt (pexpect never answers cursor-position
    requests, hence PROMPT_TOOLKIT_NO_CPR). Modules may define their own ``shell``."""
    with interactive_dshell(session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1")) as child:
        yield child


@pytest.fixture(scope="module")
def ticker(engine):
    """A running container that prints tick1, tick2… every 0.2 s."""
    script = "i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.2; done"
    with harness.container(engine, "--network", "none", "busybox", "sh", "-c", script) as made:
        yield made
