"""A standard stream closed when dshell starts (`>&-`) or closed under it (a reader that went
away) is silent, as in docker: no traceback, docker's status."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests import harness


def _run_with_closed(fd: int, argv: list[str], env: dict[str, str], input: bytes | None = None):  # noqa: ANN202
    return subprocess.run(argv, env=env, input=input, capture_output=fd != 1 and fd != 2,
                          stderr=subprocess.PIPE if fd == 1 else None,
                          stdout=subprocess.PIPE if fd == 2 else None,
                          preexec_fn=lambda: os.close(fd), timeout=60)  # fmt: skip


@pytest.mark.parametrize("fd", [0, 1, 2])
@pytest.mark.parametrize("line", ["version -f x", "inspect nosuch-closed"])
def test_a_closed_standard_stream_is_silent(engine, fd, line):
    ours = _run_with_closed(fd, [*harness.DSHELL_COMMAND, "-c", line], dict(engine.env))
    theirs = _run_with_closed(fd, [harness.DOCKER_CLI, *line.split()], dict(engine.env))
    assert ours.returncode == theirs.returncode
    for stream in (ours.stdout, ours.stderr):
        assert b"Traceback" not in (stream or b"") and b"internal error" not in (stream or b"")


def test_a_reader_that_goes_away_ends_the_output_quietly(engine):
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)  # fmt: skip
    line = "; ".join(["help"] * 200)
    done = subprocess.run([*harness.DSHELL_COMMAND, "-c", line], env=engine.env,
                          stdout=reader.stdin, stderr=subprocess.PIPE, timeout=60)  # fmt: skip
    reader.stdin.close()
    reader.wait()
    assert done.stderr == b""
