"""The interactive prompt in a real pseudo-terminal."""

from __future__ import annotations

import os

import pexpect
import pytest

from tests.pty_session import PROMPT, interactive_dshell, session_env


@pytest.fixture
def shell(engine, tmp_path):
    with interactive_dshell(session_env(engine, tmp_path)) as child:
        yield child


def test_prompt_runs_ps_and_exits_on_ctrl_d(shell, tmp_path):
    shell.sendline("ps")
    shell.expect("CONTAINER ID +IMAGE +COMMAND")
    shell.expect(PROMPT)
    shell.sendcontrol("d")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 0
    history = tmp_path / "state" / "dshell" / "history"
    assert "ps" in history.read_text()
    assert os.stat(history).st_mode & 0o777 == 0o600


def test_errors_do_not_end_the_session(shell):
    shell.sendline("ps --nope")
    shell.expect_exact("unknown flag: --nope")
    shell.expect(PROMPT)
    shell.sendline("frobnicate")
    shell.expect_exact("Error: Command not found: frobnicate")
    shell.expect(PROMPT)
    shell.sendline("ps >")
    shell.expect_exact("syntax error near unexpected token `newline'")
    shell.expect(PROMPT)
    shell.sendline("ps 'unclosed")  # an open quote asks for more, as bash's PS2
    shell.expect_exact("> ")
    shell.sendcontrol("c")  # and Ctrl-C abandons the line
    shell.expect(PROMPT)
    shell.sendline("version --format '{{.Server.Os}}'")
    shell.expect("linux\r\n")
    shell.expect(PROMPT)
    shell.sendline("exit 3")
    shell.expect(pexpect.EOF)
    shell.close()
    assert shell.exitstatus == 3


def test_ctrl_c_clears_the_line(shell):
    shell.send("version --format NOT-RUN")
    shell.sendcontrol("c")
    shell.expect(PROMPT)
    shell.sendline("version --format '{{.Server.Os}}'")
    shell.expect("linux")
    assert "NOT-RUN\r\n" not in shell.before
    shell.sendline("exit")
    shell.expect(pexpect.EOF)
