"""Pull progress in a real pseudo-terminal: each layer's line is redrawn in place, as docker
redraws it; without a terminal there are no escape sequences at all."""

from __future__ import annotations

import re
import sys

import pexpect
import pytest

from tests import harness, pty_session

ESCAPE = re.compile(rb"\x1b\[(\d*)([A-Za-z])")


def render_screen(raw: bytes) -> list[str]:
    """What a terminal shows after ``raw``: enough of a VT100 for jsonmessage's output
    (text, CR, LF, cursor up/down, erase line)."""
    lines = [""]
    row = col = 0
    position = 0
    while position < len(raw):
        match = ESCAPE.match(raw, position)
        if match:
            count = int(match.group(1) or 1)
            code = match.group(2)
            if code == b"A":
                row = max(row - count, 0)
            elif code == b"B":
                row += count
                while len(lines) <= row:
                    lines.append("")
            elif code == b"K":
                lines[row] = ""
            position = match.end()
            continue
        byte = raw[position : position + 1]
        position += 1
        if byte == b"\r":
            col = 0
        elif byte == b"\n":
            row += 1
            while len(lines) <= row:
                lines.append("")
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + byte.decode("latin-1") + line[col + 1 :]
            col += 1
    return [line.rstrip() for line in lines if line.strip()]


def pull_in_pty(engine, argv):
    child = pty_session.spawn(argv, {**engine.env, "TERM": "xterm"}, timeout=60, encoding=None)
    child.expect(pexpect.EOF)
    raw = child.before
    child.close()
    return raw, child.exitstatus


@pytest.fixture(scope="module")
def pushed(engine, registry):
    """An image with a 4 MB layer of its own in the registry, absent from the engine."""
    ref = f"{registry.address}/dshell/{harness.unique_name('progress')}:v1"
    maker = harness.unique_name("dsh-maker")
    made = harness.run_docker(engine, "run", "--name", maker, "--network", "none", "busybox",
                              "sh", "-c", "head -c 4000000 /dev/urandom > /noise")  # fmt: skip
    assert made.status == 0, made.err
    assert harness.run_docker(engine, "commit", maker, ref).status == 0
    harness.run_docker(engine, "rm", maker)
    assert harness.run_docker(engine, "push", ref).status == 0
    assert harness.run_docker(engine, "rmi", ref).status == 0
    yield ref
    harness.run_docker(engine, "rmi", ref)


def test_pull_progress_redraws_in_place_like_docker(engine, pushed):
    docker_raw, docker_status = pull_in_pty(engine, [harness.DOCKER_CLI, "pull", pushed])
    assert docker_status == 0, docker_raw
    assert harness.run_docker(engine, "rmi", pushed).status == 0
    raw, status = pull_in_pty(engine, [*harness.DSHELL_COMMAND, "-c", f"pull {pushed}"])
    assert status == 0, raw
    layer_ids = sorted(set(re.findall(rb"([0-9a-f]{12}): Pull", raw)))
    assert layer_ids, raw
    # each layer line is reached by moving the cursor up and is erased before it is rewritten
    assert re.search(rb"\x1b\[\d+A\x1b\[2K\r[0-9a-f]{12}: ", raw), raw
    assert re.search(rb"\x1b\[\d+B", raw), raw
    screen = render_screen(raw)
    assert screen == render_screen(docker_raw)
    for layer in layer_ids:
        assert sum(line.startswith(layer.decode()) for line in screen) == 1, screen
    assert screen[-1] == pushed
    assert screen[-2] == f"Status: Downloaded newer image for {pushed}"


def test_pull_without_a_terminal_prints_plain_lines(engine, pushed):
    harness.run_docker(engine, "rmi", pushed)
    result = harness.run_dshell(engine, "-c", f"pull {pushed}")
    assert result.status == 0, result.err
    assert "\x1b" not in result.out and "\r" not in result.out
    assert "Pull complete" in result.out


def test_render_screen_understands_redraws():
    raw = b"a\r\n\r\n\x1b[1A\x1b[2K\rx: one \r\x1b[1B\x1b[1A\x1b[2K\rx: two \r\x1b[1Bdone\r\n"
    assert render_screen(raw) == ["a", "x: two", "done"]


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("needs a Linux pty")
