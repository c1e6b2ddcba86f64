"""run -it, exec -it, attach, detach keys, resize and Ctrl-C in a real pseudo-terminal."""

from __future__ import annotations

import time

import pexpect
import pytest

from tests import harness
from tests.pty_session import PROMPT, interactive_dshell, session_env, spawn_dshell

WINDOW = (30, 100)


@pytest.fixture
def shell(engine, tmp_path):
    # pexpect's terminal never answers prompt_toolkit's cursor-position request, and
    # prompt_toolkit then waits a second for the answer after every line; a real terminal
    # answers at once.
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1")
    with interactive_dshell(env, dimensions=WINDOW) as child:
        yield child


def prompt_still_works(child) -> None:
    child.expect(PROMPT)
    child.sendline("version --format 'os={{.Server.Os}}'")
    child.expect_exact("os=linux")
    child.expect(PROMPT)


def test_run_it_shell_types_a_command_and_exits(shell):
    shell.sendline("run -it --rm --network none busybox sh")
    shell.expect_exact("# ")
    shell.sendline("echo $((6 * 7))")
    shell.expect_exact("42")
    shell.sendline("exit 5")
    prompt_still_works(shell)


def test_run_it_size_follows_resize(shell):
    shell.sendline("run -it --rm --network none busybox sh")
    shell.expect_exact("# ")
    shell.sendline("stty size")
    shell.expect_exact("30 100")
    shell.setwinsize(33, 120)
    shell.sendline("stty size")
    shell.expect_exact("33 120")
    shell.sendline("exit")
    prompt_still_works(shell)


def test_detach_with_ctrl_p_ctrl_q_then_attach_again(engine, shell):
    name = harness.unique_name("dsh-tty")
    try:
        shell.sendline(f"run -it --name {name} --network none busybox sh")
        shell.expect_exact("# ")
        shell.sendcontrol("p")
        shell.sendcontrol("q")
        shell.expect(PROMPT)
        state = harness.run_docker(engine, "inspect", "-f", "{{.State.Running}}", name)
        assert state.out.strip() == "true"
        shell.sendline(f"attach {name}")
        time.sleep(1)  # let attach start reading: earlier keys are the prompt's typeahead
        shell.sendline("echo back-$((1 + 1))")
        shell.expect_exact("back-2")
        shell.sendline("exit")
        prompt_still_works(shell)
    finally:
        harness.run_docker(engine, "rm", "-f", name)


def test_custom_detach_keys(engine, shell):
    name = harness.unique_name("dsh-tty")
    try:
        shell.sendline(f"run -it --detach-keys ctrl-x,x --name {name} --network none busybox sh")
        shell.expect_exact("# ")
        shell.sendcontrol("x")
        shell.send("x")
        prompt_still_works(shell)
    finally:
        harness.run_docker(engine, "rm", "-f", name)


def test_exec_it(engine, shell):
    with harness.container(engine, "--network", "none", "busybox", "sleep", "300") as box:
        shell.sendline(f"exec -it {box.name} sh")
        shell.expect_exact("# ")
        shell.sendline("echo in-$((2 + 3))")
        shell.expect_exact("in-5")
        shell.sendline("exit 4")
        prompt_still_works(shell)


def test_ctrl_c_without_tty_is_proxied_to_the_container(engine):
    script = "trap 'echo got-$((3 + 4)); exit 7' INT; echo ready; while true; do sleep 0.1; done"
    child = spawn_dshell(dict(engine.env, TERM="xterm"), "-c",
                         f"run --rm --network none busybox sh -c \"{script}\"", dimensions=None)
    child.expect_exact("ready")
    time.sleep(0.5)
    child.sendcontrol("c")
    child.expect_exact("got-7")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 7


def test_ctrl_c_in_attach_without_sig_proxy_returns_to_prompt(engine, shell):
    with harness.container(engine, "--network", "none", "busybox", "sleep", "300") as box:
        shell.sendline(f"attach --sig-proxy=false {box.name}")
        shell.expect(r"\r\n")
        time.sleep(1)
        shell.sendcontrol("c")
        prompt_still_works(shell)
        state = harness.run_docker(engine, "inspect", "-f", "{{.State.Running}}", box.name)
        assert state.out.strip() == "true"


def test_run_it_from_dash_c(engine):
    child = spawn_dshell(dict(engine.env, TERM="xterm"), "-c",
                         "run -it --rm --network none busybox sh", dimensions=WINDOW)
    child.expect_exact("# ")
    child.sendline("exit 6")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 6
