"""Ctrl-C during a long-running command returns to the prompt at once, and the session
(its connection pool included) keeps working."""

from __future__ import annotations

import re
import time

import pexpect

from tests.pty_session import PROMPT, spawn_dshell

BACK_WITHIN = 0.5


def interrupt_and_time_prompt(shell) -> float:
    started = time.monotonic()
    shell.sendcontrol("c")
    shell.expect(PROMPT, timeout=5)
    return time.monotonic() - started


def assert_session_still_works(shell, engine, name):
    """Several requests in a row: a leaked streaming connection would hang or fail here."""
    for _ in range(3):
        shell.sendline(f"inspect --format 'state={{{{.State.Status}}}}' {name}")
        shell.expect("state=running")
        shell.expect(PROMPT)
    shell.sendline("version --format '{{.Server.Os}}'")
    shell.expect("linux")
    shell.expect(PROMPT)


def test_ctrl_c_stops_logs_follow(shell, engine, ticker):
    shell.sendline(f"logs -f --tail 1 {ticker.name}")
    shell.expect(re.escape(ticker.name) + r".*\r\r\n")
    shell.expect(r"tick\d+")
    shell.expect(r"tick\d+")
    assert interrupt_and_time_prompt(shell) < BACK_WITHIN
    assert_session_still_works(shell, engine, ticker.name)


def test_ctrl_c_stops_stats(shell, engine, ticker):
    shell.sendline(f"stats {ticker.name}")
    shell.expect(re.escape(ticker.name) + r".*\r\r\n")
    shell.expect("CONTAINER ID +NAME +CPU %")
    shell.expect(ticker.name)
    assert interrupt_and_time_prompt(shell) < BACK_WITHIN
    assert_session_still_works(shell, engine, ticker.name)


def test_ctrl_c_stops_wait_and_leaves_the_container_running(shell, engine, ticker):
    shell.sendline(f"wait {ticker.name}")
    shell.expect(re.escape(ticker.name) + r".*\r\r\n")  # the accepted line, redrawn
    assert shell.expect([PROMPT, pexpect.TIMEOUT], timeout=0.5) == 1, "wait ended by itself"
    assert interrupt_and_time_prompt(shell) < BACK_WITHIN
    assert_session_still_works(shell, engine, ticker.name)


def test_ctrl_c_in_batch_mode_ends_with_130(engine, ticker):
    child = spawn_dshell(engine.env, "-c", f"logs -f {ticker.name}", dimensions=None)
    child.expect(r"tick\d+")
    child.sendcontrol("c")
    child.expect(pexpect.EOF, timeout=5)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus is not None


def test_export_refuses_to_write_to_a_terminal(shell, ticker):
    shell.sendline(f"export {ticker.name}")
    shell.expect_exact("cowardly refusing to save to a terminal. Use the -o flag or redirect")
    shell.expect(PROMPT)
