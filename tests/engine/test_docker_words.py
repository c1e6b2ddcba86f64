"""docker 28's words, exactly: for every command dshell shares with docker, `--help` and each
way of getting the command line wrong print what the docker CLI prints, with its status.

The cases are generated from the declarations (the session's registry), not picked: every
invocation (`container ls`, `container list`, `ps`…) with `--help`, an unknown long flag, an
unknown shorthand, each value flag without its value, a bad value for each int/bool/filter
flag, too few and too many arguments where the arity allows, and an unknown subcommand of
each management command. docker runs once per case (it is quick); dshell runs each class of
cases as one script file, the `line N: ` prefixes of its standard error telling the cases
apart, so the whole sweep stays within seconds.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from dshell.commands.declare import Command, Flag
from dshell.commands.parse import arg_bounds
from dshell.session import DockerSession
from tests import harness

REGISTRY = DockerSession.registry
MARK = "@@dshell-case-ends@@"
#: pflag types whose values the parser itself checks, and a value each refuses.
BAD_VALUES = {"bool": "maybe", "int": "x1", "uint": "-1", "uint16": "x", "filter": "nofilter"}
#: The value checks pflag's value types make (commands/flag_checks), and a value each refuses:
#: a refused value is reported before the arguments are counted, so every such flag is tried
#: without arguments.
BAD_CHECKED_VALUES = {
    "bytes": "12x", "swap_bytes": "x", "cpus": "1/0", "duration": "5", "ulimit": "nofile",
    "mount": "type", "port": "80:x", "ip": "1.2.3", "extra_host": "nohost", "sysctl": "a",
    "weight_device": "/dev/sda", "bps": "/dev/sda:x", "iops": "/dev/sda:-1", "env": "=x",
    "attach": "stdall",
}  # fmt: skip


def docker_commands() -> list[Command]:
    return [cmd for cmd in REGISTRY.commands if cmd.is_docker and not cmd.hidden]


def invocations(cmd: Command) -> list[tuple[str, ...]]:
    """Every word sequence that reaches the command, and names docker gives it elsewhere."""
    return [*cmd.invocations, *cmd.shown_aliases]


def _unused_shorthand(cmd: Command) -> str:
    taken = {flag.short for flag in cmd.flags} | {"h"}
    return next(letter for letter in "Zyxwvutsrqponmlkjigfedcba" + string.ascii_uppercase
                if letter not in taken)


def help_cases() -> list[list[str]]:
    return [[*words, "--help"] for cmd in docker_commands() for words in invocations(cmd)]


def flag_cases() -> list[list[str]]:
    """Flag errors (status 125): nothing else on the line is looked at."""
    cases = []
    for cmd in docker_commands():
        for words in invocations(cmd):
            cases.append([*words, "--bogus-flag"])
            cases.append([*words, f"-{_unused_shorthand(cmd)}"])
            if len(words) != 1 or words == cmd.words:
                cases.extend(_typed_flag_cases(cmd, words))
    return cases


def _typed_flag_cases(cmd: Command, words: tuple[str, ...]) -> Iterator[list[str]]:
    visible: list[Flag] = [flag for flag in cmd.flags if not flag.hidden]
    for flag in visible:
        if flag.takes_value:
            yield [*words, f"--{flag.long}"]
            if flag.short:
                yield [*words, f"-{flag.short}"]
        if flag.type in BAD_VALUES:
            yield [*words, f"--{flag.long}={BAD_VALUES[flag.type]}"]
        if flag.value_check is not None:
            yield [*words, f"--{flag.long}={BAD_CHECKED_VALUES[flag.value_check]}"]


def argument_cases() -> list[list[str]]:
    """Too few or too many arguments (status 1), and management commands' unknown words.
    (``export`` alone or with names is the shell's: only its flags are docker's.)"""
    cases = []
    for cmd in docker_commands():
        low, high = arg_bounds(cmd)
        for words in cmd.invocations:
            if cmd.is_group:
                cases.append([*words, "no-such-subcommand"])
                continue
            if low > 0:
                cases.append(list(words))
            if high is not None:
                cases.append([*words, *(f"no-such-{n}" for n in range(high + 1))])
    return cases


def run_batch(engine: harness.Engine, cases: list[list[str]], folder: Path) -> list[harness.Result]:
    """Every case through one dshell process reading a script file: its output up to the
    marker echoed after it, its standard error lines by script line, its status."""
    lines = []
    for argv in cases:
        lines += [shlex.join(argv), f'echo "{MARK} $?"']
    script = folder / "cases.dsh"
    script.write_text("\n".join(lines) + "\n")
    finished = harness.run_dshell(engine, str(script), cwd=folder, timeout=300)
    chunks = finished.out.split(MARK + " ")
    outs, statuses = [chunks[0]], []
    for chunk in chunks[1:]:
        status, _, rest = chunk.partition("\n")
        statuses.append(int(status))
        outs.append(rest)
    assert len(statuses) == len(cases), finished.err[-2000:]
    errors: dict[int, list[str]] = {}
    for line in finished.err.splitlines(keepends=True):
        number, _, text = line.partition(": ")
        assert number.startswith("line "), line
        errors.setdefault(int(number[5:]), []).append(text)
    return [harness.Result(outs[index], "".join(errors.get(2 * index + 1, [])), statuses[index])
            for index in range(len(cases))]


def assert_docker_words(engine: harness.Engine, cases: list[list[str]], folder: Path) -> None:
    ours = run_batch(engine, cases, folder)
    differences = []
    for argv, mine in zip(cases, ours, strict=True):
        theirs = harness.run_docker(engine, *argv, cwd=folder)
        if mine != theirs:
            differences.append(f"{shlex.join(argv)}\n  docker: {theirs!r}\n  dshell: {mine!r}")
    assert not differences, f"{len(differences)} of {len(cases)} differ:\n" + "\n".join(
        differences[:20])


def test_the_sweep_covers_every_shared_command():
    words = {" ".join(case[:-1]) for case in help_cases()}
    for expected in ("ps", "container ls", "container list", "rmi", "image build", "build",
                     "system events", "export", "context", "volume create"):
        assert expected in words
    assert len(flag_cases()) > 500
    assert any(case == ["container", "no-such-subcommand"] for case in argument_cases())


@pytest.mark.parametrize("make_cases", [help_cases, flag_cases, argument_cases],
                         ids=["help", "flags", "arguments"])
def test_dshell_says_what_docker_says(engine, tmp_path, make_cases, monkeypatch):
    # build's words are the classic builder's on both sides: without buildx docker 28 prints
    # the legacy notice, where dshell builds with BuildKit itself (test_buildkit.py)
    monkeypatch.setitem(engine.env, "DOCKER_BUILDKIT", "0")
    assert_docker_words(engine, make_cases(), tmp_path)


def _with_terminal_stdin(columns: int, run) -> harness.Result:  # noqa: ANN001
    """``run(stdin)`` with standard input a terminal ``columns`` wide (docker wraps its help
    at the width of fd 0's window)."""
    import fcntl
    import os
    import struct
    import termios

    leader, follower = os.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        return run(follower)
    finally:
        os.close(leader)
        os.close(follower)


@pytest.mark.parametrize("columns", [30, 50, 72, 120])
@pytest.mark.parametrize("words", [("run",), ("container", "ls"), ("network", "create"),
                                   ("image", "push")])  # fmt: skip
def test_help_wraps_at_the_width_of_the_terminal_on_stdin(engine, columns, words):
    import subprocess

    def run(argv: list[str]):  # noqa: ANN202
        def start(stdin: int) -> harness.Result:
            done = subprocess.run(argv, stdin=stdin, capture_output=True, env=engine.env,
                                  timeout=60, check=False)  # fmt: skip
            return harness.Result(done.stdout.decode(), done.stderr.decode(), done.returncode)

        return _with_terminal_stdin(columns, start)

    docker = run([harness.DOCKER_CLI, *words, "--help"])
    ours = run([*harness.DSHELL_COMMAND, "-c", " ".join([*words, "--help"])])
    assert docker.status == 0
    assert ours == docker
