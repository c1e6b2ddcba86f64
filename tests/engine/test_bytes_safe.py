"""Arguments that are not UTF-8 reach the Engine as the same bytes docker sends, through every
mode, and come back in the daemon's own messages — never as an encoding error."""

from __future__ import annotations

import re

import pytest

from tests import harness

LINES = [
    b"inspect \xff",
    b"logs \xff",
    b"rm \xff",
    b"ps -a --filter name=\xff --format x",
    b"images \xff",
    b"network inspect \xff",
    b"volume inspect \xff",
    b"exec \xff ls",
    b"start \xff",
    b"cp \xff:/x .",
    # Invalid references only (refused before the daemon is asked: nothing is pulled). Go
    # lowers bytes that are not UTF-8 to U+FFFD, so such a name "must be lowercase", and %q
    # writes the byte as \xff.
    b"tag busybox \xff",
    b"tag busybox a/\xfe:t",
    b"pull \xff",
    b"push a/\xff",
    b"trust inspect \xff",
    b"pull Ab@sha256:x",
    b"pull A!",
]


@pytest.mark.parametrize("line", LINES, ids=lambda b: b.decode(errors="backslashreplace"))
def test_each_command_gives_dockers_answer(engine, tmp_path, line):
    script = line + b"\n"
    ours = harness.run_dshell(engine, input=script, cwd=tmp_path)
    theirs = harness._run(["bash"], dict(engine.env), b"/usr/local/bin/docker " + script, 60,
                          tmp_path)  # fmt: skip
    assert ours.out == theirs.out
    assert re.sub(r"(?m)^line 1: ", "", ours.err) == theirs.err
    assert ours.status == theirs.status


def test_a_script_file_with_invalid_utf8_runs_like_the_same_bytes_piped(engine, tmp_path):
    script = b"# comment \xfe\xff\n" + b"\n".join(LINES) + b"\nversion -f '{{.Client.Os}}'\n"
    path = tmp_path / "bad.dsh"
    path.write_bytes(script)
    from_file = harness.run_dshell(engine, str(path), cwd=tmp_path)
    piped = harness.run_dshell(engine, input=script, cwd=tmp_path)
    assert from_file == piped
    assert from_file.out.endswith("linux\n")
    assert "internal error" not in from_file.err and "Traceback" not in from_file.err
