"""Ctrl-C during a BuildKit build at the interactive prompt: the build is cancelled on the
Engine, its step shows CANCELED, the prompt comes back and the session builds again."""

from __future__ import annotations

import shlex
import time

from tests import harness
from tests.pty_session import PROMPT


def test_ctrl_c_cancels_a_build_and_returns_to_the_prompt(shell, engine, tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM busybox\nRUN echo begun && sleep 60\n")
    shell.sendline(f"build --no-cache --network none --progress plain {shlex.quote(str(context))}")
    shell.expect(r"#\d+ \d\.\d{3} begun", timeout=60)
    started = time.monotonic()
    shell.sendcontrol("c")
    shell.expect(r"#\d+ CANCELED", timeout=15)
    shell.expect("ERROR: failed to solve: context canceled", timeout=15)
    shell.expect(PROMPT, timeout=15)
    assert time.monotonic() - started < 15
    tag = harness.unique_name("dsh-after-c")
    (context / "Dockerfile").write_text("FROM busybox\nRUN echo again > /again\n")
    shell.sendline(f"build -q --network none -t {tag} {shlex.quote(str(context))}")
    shell.expect(r"sha256:[0-9a-f]{64}", timeout=60)
    shell.expect(PROMPT)
    ran = harness.run_docker_ok(engine, "run", "--rm", "--network", "none", tag, "cat", "/again")
    assert ran.out == "again\n"
    harness.run_docker(engine, "image", "rm", tag)
