"""A CLI plugin at a real prompt: it gets the terminal (and Ctrl-C) and gives it back, and TAB
completes its name and asks it for its arguments."""

from __future__ import annotations

import json
import time

import pytest

from tests.cli_plugins import GOOD_METADATA, raw_plugin, write_plugin
from tests.pty_session import PROMPT, interactive_dshell, session_env

INTERACTIVE = f"""\
if [ "$1" = docker-cli-plugin-metadata ]; then echo '{json.dumps(GOOD_METADATA)}'; exit 0; fi
[ -t 0 ] && [ -t 1 ] && echo "plugin has the terminal"
stty raw -echo
stty -raw echo
stty -echo
printf 'name? '
read name
echo "hello $name"
trap 'echo "plugin got INT"; exit 42' INT
echo "waiting"
while :; do sleep 0.1; done
"""


@pytest.fixture
def shell(engine, tmp_path):
    config = tmp_path / "config"
    write_plugin(config / "cli-plugins", "zzrec")
    raw_plugin(config / "cli-plugins", "zzask", INTERACTIVE)
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1", DOCKER_CONFIG=str(config))
    with interactive_dshell(env) as child:
        yield child


def test_the_terminal_and_ctrl_c_are_the_plugins_and_come_back(shell):
    shell.sendline("zzask")
    shell.expect("plugin has the terminal")
    shell.expect("name\\? ")
    shell.sendline("world")
    shell.expect("hello world")
    shell.expect("waiting")
    shell.sendcontrol("c")
    shell.expect("plugin got INT")
    shell.expect(PROMPT)
    shell.sendline("echo status=$?")
    shell.expect("status=42")
    shell.expect(PROMPT)
    shell.sendline("echo typed-and-echoed")  # the plugin left echo off: dshell restored it
    shell.expect("typed-and-echoed")
    shell.expect(PROMPT)


def test_tab_completes_a_plugins_name_and_asks_it_for_arguments(shell):
    time.sleep(1)  # the plugins are looked for in the background after the first prompt
    shell.send("zzr")
    shell.send("\t")
    shell.expect_exact("ec")  # the plugin's name, found by the background look
    shell.send(" al\t")  # TAB inserts the common part, "p", and opens the menu
    shell.expect_exact("First candidate")
    shell.expect_exact("Second candidate")
    shell.send("i\t")
    shell.expect_exact("ne")
    shell.sendline("")
    shell.expect(r"arg2=\[alpine\]")
    shell.expect(PROMPT)
