"""The shell language at a real prompt: pipelines stream and stop on Ctrl-C with nothing left
behind, `!` hands the terminal to the system shell and takes it back, state persists."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.pty_session import PROMPT, interactive_dshell, session_env

BACK_WITHIN = 0.5


def children_of(pid: int) -> list[str]:
    """Names of the live processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            name = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(name)
    return found


def test_ctrl_c_ends_a_pipeline_and_leaves_no_host_process(shell, engine, ticker):
    shell.sendline(f"logs -f --tail 1 {ticker.name} | grep --line-buffered tick | cat")
    shell.expect(r"tick\d+\r\n")
    shell.expect(r"tick\d+\r\n")  # lines arrive while the stream goes on
    assert sorted(children_of(shell.pid)) == ["cat", "grep"]
    started = time.monotonic()
    shell.sendcontrol("c")
    shell.expect(PROMPT, timeout=5)
    assert time.monotonic() - started < BACK_WITHIN
    assert children_of(shell.pid) == []
    shell.sendline("version --format '{{.Server.Os}}' | tr a-z A-Z")
    shell.expect("LINUX")
    shell.expect(PROMPT)


def test_a_host_stage_that_ignores_sigint_is_stopped_too(shell, engine, ticker):
    shell.sendline(f"logs -f {ticker.name} | sh -c 'trap \"\" INT; cat'")
    shell.expect(r"tick\d+\r\n")
    shell.sendcontrol("c")
    shell.expect(PROMPT, timeout=5)
    assert children_of(shell.pid) == []


def test_bang_hands_the_terminal_over_and_back(shell):
    shell.sendline("!sh")
    shell.expect(r"# |\$ ")
    shell.sendline("echo inner-$((40+2)) && tty")
    shell.expect("inner-42")
    shell.expect("/dev/pts/")  # the system shell has the terminal itself
    shell.sendline("exit 7")
    shell.expect(PROMPT)
    shell.sendline("echo status=$?")
    shell.expect("status=7")
    shell.expect(PROMPT)


def test_variables_aliases_and_cd_persist_between_lines(shell, tmp_path):
    (tmp_path / "here").mkdir()
    shell.sendline("IMG=busybox; alias os=\"inspect -f '{{.Os}}'\"")
    shell.expect(PROMPT)
    shell.sendline("os $IMG")
    shell.expect("linux")
    shell.expect(PROMPT)
    shell.sendline(f"cd {tmp_path}/here")
    shell.expect(PROMPT)
    shell.sendline("pwd; inspect -f '{{.Architecture}}' $IMG > arch.txt && echo \"arch\"\"-done\"")
    shell.expect(f"{tmp_path}/here\r\n")
    shell.expect("arch-done")
    shell.expect(PROMPT)
    assert (tmp_path / "here" / "arch.txt").read_text().strip() == os.uname().machine.replace(
        "x86_64", "amd64").replace("aarch64", "arm64")


def test_a_trailing_pipe_asks_for_the_next_line(shell):
    shell.sendline("version --format '{{.Client.Os}}' |")
    shell.expect("> ")
    shell.sendline("tr a-z A-Z")
    shell.expect("LINUX")
    shell.expect(PROMPT)


def test_aliases_from_the_settings_file_load_at_the_prompt(engine, tmp_path):
    config = tmp_path / "config" / "dshell"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        "[aliases]\nosname = \"version --format '{{.Server.Os}}'\"\n")
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1",
                      XDG_CONFIG_HOME=str(tmp_path / "config"))
    with interactive_dshell(env) as shell:
        shell.sendline("osname | tr a-z A-Z")
        shell.expect("LINUX")
        shell.expect(PROMPT)


@pytest.mark.parametrize("where", ["file", "proc"])
def test_the_prompt_starts_when_history_and_settings_dirs_are_unusable(engine, tmp_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    unusable = str(blocker) if where == "file" else "/proc/self"
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1", XDG_CONFIG_HOME=unusable)
    env["XDG_STATE_HOME"] = unusable
    with interactive_dshell(env) as shell:
        assert "WARNING: history is not saved" in shell.before
        shell.sendline("version --format '{{.Server.Os}}' | tr a-z A-Z")
        shell.expect("LINUX")
        shell.expect(PROMPT)


def test_an_open_quote_continues_on_the_next_line(shell):
    shell.sendline("echo 'first")
    shell.expect_exact("> ")
    shell.sendline("second' | tr a-z A-Z")
    shell.expect("FIRST\r\nSECOND")
    shell.expect(PROMPT)
