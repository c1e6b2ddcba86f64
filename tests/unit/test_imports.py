"""Cold start: a command line imports only what it uses (the Engine-free cases).

`-c version`, `ps` and scripts against a daemon are in tests/engine/test_imports.py.
"""

from __future__ import annotations

import os

import pytest

from tests.import_probe import modules_after, unwanted


@pytest.fixture
def env(tmp_path):
    """No daemon behind DOCKER_HOST, an empty config directory."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    environment.update(DOCKER_HOST=f"unix://{tmp_path}/no-daemon.sock",
                       DOCKER_CONFIG=str(tmp_path / "config"), HOME=str(tmp_path))  # fmt: skip
    return environment


@pytest.mark.parametrize(("args", "commands"), [
    (["--help"], {"helptext"}),
    (["--version"], set()),
    (["-c", "context ls"], {"contexts"}),
    (["-c", "ps |"], set()),                  # a syntax error
    (["-c", "no-such-command"], set()),
    (["-c", "echo hi"], {"shell", "helptext"}),
    (["-c", "ps --help"], {"containers", "helptext"}),
])  # fmt: skip
def test_engine_free_lines_import_no_http_and_no_other_command(env, args, commands):
    loaded = modules_after(args, env)
    assert unwanted(loaded, commands, engine=False) == []


def test_help_may_load_every_command_but_not_the_http_stack_or_the_repl(env):
    """``help`` lists every command, so every command module loads; none may need requests
    or the REPL to be imported."""
    loaded = modules_after(["-c", "help"], env)
    assert "dshell.commands.containers" in loaded and "dshell.commands.contexts" in loaded
    assert unwanted(loaded, {m.rpartition(".")[2] for m in loaded
                             if m.startswith("dshell.commands.")},
                    engine=False, heavy=False) == []  # fmt: skip
