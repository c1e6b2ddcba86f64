"""The shell language at a real prompt in a pseudo-terminal: TAB inside `$(`, after `|` and
after `$` completes what the shell will run there, and the line's colours follow the shell's
structure (an alias is a command; a host stage is never red). Each completed line is run, so
its output proves what TAB inserted."""

from __future__ import annotations

import re
import shutil
import time

import pexpect
import pytest

from tests.pty_session import PROMPT, interactive_dshell, session_env

#: Control sequences, carriage returns, backspaces and blanks: what is left is text drawn.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|[\r\n\x08 ]")
#: The error colour (#ff0000) as a 24-bit SGR sequence.
RED = "38;2;255;0;0"


@pytest.fixture
def shell(engine, tmp_path):
    """An interactive dshell whose $PATH holds only `grep` (so `gre` names one program)."""
    programs = tmp_path / "bin"
    programs.mkdir()
    grep = shutil.which("grep")
    assert grep is not None
    (programs / "grep").symlink_to(grep)
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1", PATH=str(programs),
                      PROMPT_TOOLKIT_COLOR_DEPTH="DEPTH_24_BIT",
                      XDG_CONFIG_HOME=str(tmp_path / "config"))  # fmt: skip
    with interactive_dshell(env, timeout=10) as child:
        yield child


def settled(child: pexpect.spawn, quiet: float = 0.4) -> str:
    """Everything the terminal gets until it has been quiet for ``quiet`` seconds."""
    seen = ""
    while True:
        try:
            seen += child.read_nonblocking(100000, timeout=quiet)
        except pexpect.TIMEOUT:
            return seen


def tab(child: pexpect.spawn, typed: str, inserted: str, timeout: float = 5) -> None:
    """Type ``typed``, let it be drawn, press TAB and wait until ``inserted`` is drawn (the
    renderer writes only what changed, so the new output holds just the inserted text)."""
    child.send(typed)
    settled(child)
    child.send("\t")
    seen = ""
    deadline = time.monotonic() + timeout
    while inserted not in ANSI.sub("", seen) and time.monotonic() < deadline:
        try:
            seen += child.read_nonblocking(100000, timeout=0.1)
        except pexpect.TIMEOUT:
            pass
    assert inserted in ANSI.sub("", seen), f"TAB after {typed!r} drew {ANSI.sub('', seen)!r}"


def run_line(child: pexpect.spawn, rest: str, output: str) -> None:
    """Finish the line with ``rest``, run it, expect ``output`` and the next prompt: the
    output proves what TAB completed."""
    child.send(rest + "\r")
    child.expect_exact(output)
    child.expect(PROMPT)


def red_while_typing(child: pexpect.spawn, line: str) -> bool:
    """Type ``line``: is any of it drawn in the error colour? The line is cleared after."""
    child.send(line)
    screen = settled(child)
    child.sendcontrol("c")
    child.expect(PROMPT)
    return RED in screen


def test_tab_inside_a_substitution_completes_a_command(shell):
    tab(shell, "echo $(versi", "on")
    run_line(shell, " --format '{{.Server.Os}}') done", "linux done")


def test_tab_after_a_pipe_completes_a_host_program(shell):
    tab(shell, "version --format 'os={{.Server.Os}}' | gre", "p")
    run_line(shell, " os=", "os=linux")


def test_tab_after_dollar_completes_a_variable_set_at_the_prompt(shell):
    shell.sendline("DSH_TAB_VARIABLE=1")
    shell.expect(PROMPT)
    tab(shell, "echo value=$DSH_TAB_V", "ARIABLE")
    run_line(shell, "", "value=1")
    tab(shell, "echo braced=${DSH_TAB_V", "ARIABLE}")
    run_line(shell, "x", "braced=1x")


def test_tab_after_and_completes_a_command_and_an_alias(shell):
    shell.sendline("alias dshver='version --format {{.Server.Os}}'")
    shell.expect(PROMPT)
    tab(shell, "true && dshv", "er")
    run_line(shell, "", "linux")


def test_colours_follow_the_shell_structure(shell):
    assert red_while_typing(shell, "frobx ")  # an unknown command: the check sees red
    assert red_while_typing(shell, "echo $(frobx) ")  # inside a substitution too
    assert not red_while_typing(shell, "version | frobx -q ")  # a host stage: never
    assert not red_while_typing(shell, "!frobx ")
    shell.sendline("alias frobx='version'")
    shell.expect(PROMPT)
    assert not red_while_typing(shell, "frobx ")  # an alias is a command
