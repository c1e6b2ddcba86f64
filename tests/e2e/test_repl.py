"""The REPL in a real pseudo-terminal against the real engine: TAB menus, auto-suggest,
history, and a container created elsewhere showing up in an open menu by itself."""

from __future__ import annotations

import os
import re
import time

import pexpect
import pytest

from dshell.session import DockerSession
from tests import harness
from tests.pty_session import PROMPT, interactive_dshell, session_env

REGISTRY = DockerSession.registry


def command_taking(kind: str) -> str:
    """The name of a declared command whose first positional completes ``kind``; the tests
    follow the declarations, so they cover commands as they land."""
    for cmd in REGISTRY.commands:
        if cmd.args and cmd.args[0].kind == kind and not cmd.hidden:
            return " ".join(cmd.invocations[-1])
    pytest.skip(f"no command declares a {kind} positional yet")


@pytest.fixture
def shell(engine, tmp_path):
    env = session_env(engine, tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    with interactive_dshell(env, timeout=10) as child:
        time.sleep(0.3)  # let the cache's first load land
        yield child


def menu_after(child, line: str, expect: str) -> str:
    """Type ``line``, press TAB, wait for ``expect``; return the screen text seen."""
    child.send(line + "\t")
    child.expect_exact(expect)
    time.sleep(0.2)
    seen = child.before + child.after
    try:
        seen += child.read_nonblocking(100000, timeout=0.3)
    except pexpect.TIMEOUT:
        pass
    return seen


def clear_line(child) -> None:
    child.sendcontrol("c")
    child.expect(PROMPT)


def test_multi_word_menu_with_descriptions(shell):
    shell.send("container \t")
    subcommands = [words[1] for words in REGISTRY.by_words if len(words) == 2
                   and words[0] == "container"]  # fmt: skip
    for word in sorted(subcommands)[:5]:  # the menu lists them in order, with summaries
        summary = REGISTRY.by_words[("container", word)].summary[:20]
        shell.expect(rf" {re.escape(word)} +\x1b\[[0-9;]*m {re.escape(summary)}")
    clear_line(shell)


def test_containers_by_state(engine, shell):
    running_kind_command = command_taking("container:running")
    with harness.container(engine, "busybox", "sleep", "60") as up, \
            harness.container(engine, "busybox", "true", start=False) as down:
        time.sleep(0.5)
        seen = menu_after(shell, f"{running_kind_command} ", up.name)
        assert down.name not in seen
        clear_line(shell)
        seen = menu_after(shell, f"{command_taking('container:all')} ", down.name)
        assert up.name in seen
        clear_line(shell)


def test_stopped_containers_for_start(engine, shell):
    command = command_taking("container:stopped")
    with harness.container(engine, "busybox", "sleep", "60") as up, \
            harness.container(engine, "busybox", "true", start=False) as down:
        time.sleep(0.5)
        seen = menu_after(shell, f"{command} ", down.name)
        assert up.name not in seen
        clear_line(shell)


def test_images_with_size(shell):
    command = command_taking("image")
    seen = menu_after(shell, f"{command} busy", "busybox:latest")
    assert "busybox:latest" in seen
    clear_line(shell)


def test_cp_container_paths(engine, shell, tmp_path):
    with harness.container(engine, "busybox", "sleep", "60") as up:
        time.sleep(0.5)
        shell.send(f"cp {up.name}:/et\t")
        shell.expect_exact(f"{up.name}:/etc/")
        shell.send("hostn\t")
        shell.expect_exact("ame")  # the screen redraws only what TAB added
        copy = tmp_path / "copied-hostname"
        shell.sendline(f" {copy}")  # run the completed line: the file proves the path
        shell.expect(PROMPT)
        deadline = time.monotonic() + 10
        while not copy.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert copy.read_text().strip() == up.id[:12]


def test_container_created_elsewhere_appears_in_the_open_menu(engine, shell):
    name = harness.unique_name("dsh-arrival")  # shares the prefix TAB inserted: "dsh-"
    with harness.container(engine, "busybox", "true", start=False) as first, \
            harness.container(engine, "busybox", "true", start=False) as second:
        time.sleep(0.5)
        menu_after(shell, f"{command_taking('container:all')} ", second.name)
        assert first.name
        result = harness.run_docker(engine, "create", "--name", name, "busybox", "true")
        created = time.monotonic()
        try:
            assert result.status == 0, result.err
            shell.expect_exact(name, timeout=5)  # no key pressed since the TAB
            took = time.monotonic() - created
            assert took < 1.0, f"appeared after {took:.2f}s"
            clear_line(shell)
        finally:
            harness.run_docker(engine, "rm", "-f", name)


def test_auto_suggest_from_history(shell):
    shell.sendline("version --format '{{.Server.Os}}'")
    shell.expect("linux")
    shell.expect(PROMPT)
    shell.send("vers")
    shell.expect_exact("ion --format '{{.Server.Os}}'")  # the grey suggestion
    shell.send("\x1b[C")  # right arrow accepts it
    shell.send("\r")
    shell.expect("linux\r\n")
    shell.expect(PROMPT)


@pytest.fixture
def shell_without_cpr(engine, tmp_path):
    """The module's shell with cursor position requests off: unanswered (pexpect never
    answers them), prompt_toolkit prints its CPR warning after a timeout through
    run_in_terminal, whose cooked-mode moment swallows a Ctrl-D typed then (the tty takes it
    as end-of-file for nobody's read)."""
    env = session_env(engine, tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"),
                      PROMPT_TOOLKIT_NO_CPR="1")  # fmt: skip
    with interactive_dshell(env, timeout=10) as child:
        yield child


def test_history_is_private_and_redacted(shell_without_cpr, tmp_path):
    shell = shell_without_cpr
    shell.sendline("login -u me -p hunter2 127.0.0.1:1")
    shell.expect(PROMPT, timeout=30)  # a container run on a loaded machine may take a while
    shell.sendline("run -e DB_PASSWORD=letmein -e MODE=dev busybox true")
    shell.expect(PROMPT, timeout=30)
    # "exit", not Ctrl-D: the prompt's pattern may match the accepted line's last render,
    # before the command ran, and a Ctrl-D typed while the terminal is back in cooked mode
    # is taken by the tty as end-of-file and never reaches dshell; typed text waits for it.
    shell.sendline("exit")
    shell.expect(pexpect.EOF, timeout=30)
    history = tmp_path / "state" / "dshell" / "history"
    text = history.read_text()
    assert "hunter2" not in text and "letmein" not in text
    assert "+login -u me -p ******** 127.0.0.1:1" in text
    assert "-e DB_PASSWORD=******** -e MODE=dev" in text
    assert os.stat(history).st_mode & 0o777 == 0o600
    config = tmp_path / "config" / "dshell" / "config.toml"
    assert "# vi = false" in config.read_text()


def test_toolbar_shows_engine_and_counts(shell):
    # prompt_toolkit draws the toolbar once the terminal answered its cursor position request
    shell.send("\x1b[1;1R")
    shell.send(" ")
    shell.expect(r"Engine \S+ · API 1\.\d+")
    shell.expect(r"\d+/\d+ running")
    clear_line(shell)
