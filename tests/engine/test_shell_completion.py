"""The checked-in completion scripts for the ``dshell`` command, loaded in the real shells.

No daemon needed; contexts come from a docker config dir the test writes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest

from dshell.engine.config import context_id
from dshell.repl import shellcompletion

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"


@pytest.fixture(scope="module")
def docker_config(tmp_path_factory) -> Path:
    """A docker config dir with two contexts, as ``docker context create`` writes them."""
    root = tmp_path_factory.mktemp("dockercfg")
    for name in ("staging-box", "prod-box"):
        meta = root / "contexts" / "meta" / context_id(name)
        meta.mkdir(parents=True)
        meta.joinpath("meta.json").write_text(json.dumps({
            "Name": name, "Metadata": {"Description": f"the {name}"},
            "Endpoints": {"docker": {"Host": "tcp://127.0.0.1:1", "SkipTLSVerify": False}}}))
    return root


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scripts")
    (root / "deploy.dsh").write_text("ps\n")
    (root / "certs").mkdir()
    (root / "certs" / "ca.pem").write_text("")
    return root


def test_checked_in_scripts_are_current():
    assert shellcompletion.main(["--check"]) == 0


def test_scripts_offer_every_declared_flag():
    from dshell.globalflags import DSHELL_COMMAND

    for shell, filename in shellcompletion.SCRIPTS.items():
        text = (COMPLETIONS / filename).read_text()
        for flag in DSHELL_COMMAND.flags:
            assert flag.long in text, f"{shell} misses --{flag.long}"


# -- bash -------------------------------------------------------------------------------------
def bash_complete(words: list[str], env: dict, cwd: Path) -> list[str]:
    script = (f"source {COMPLETIONS / 'dshell.bash'}\n"
              f"COMP_WORDS=({' '.join(_bash_quote(w) for w in words)})\n"
              f"COMP_CWORD={len(words) - 1}\n_dshell\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=20, check=True)
    return sorted(line for line in done.stdout.splitlines() if line)


def _bash_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


@pytest.mark.parametrize(("words", "expected"), [
    (["dshell", "--context", ""], ["default", "prod-box", "staging-box"]),
    (["dshell", "--context", "st"], ["staging-box"]),
    (["dshell", "-H", ""], ["fd://", "ssh://", "tcp://", "unix://"]),
    (["dshell", "--host", "u"], ["unix://"]),
    (["dshell", "--log-level", "w"], ["warn"]),
    (["dshell", "--tlsv"], ["--tlsverify"]),
    (["dshell", "--co"], ["--command", "--config", "--context"]),
    (["dshell", "de"], ["deploy.dsh"]),
    (["dshell", "--tlscacert", "certs/"], ["certs/ca.pem"]),
    (["dshell", "-c", ""], []),
    (["dshell", "deploy.dsh", "-"], []),
])  # fmt: skip
def test_bash(words, expected, docker_config, workdir):
    env = dict(os.environ, DOCKER_CONFIG=str(docker_config))
    assert bash_complete(words, env, workdir) == expected


# -- fish -------------------------------------------------------------------------------------
def fish_complete(line: str, env: dict, cwd: Path) -> list[str]:
    script = f"source {COMPLETIONS / 'dshell.fish'}; complete -C{_bash_quote(line)}"
    done = subprocess.run(["fish", "--no-config", "-c", script], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=20, check=True)
    return sorted(line.split("\t")[0] for line in done.stdout.splitlines() if line)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
@pytest.mark.parametrize(("line", "expected"), [
    ("dshell --context ", ["default", "prod-box", "staging-box"]),
    ("dshell -H ", ["fd://", "ssh://", "tcp://", "unix://"]),
    ("dshell --log-level ", ["debug", "error", "fatal", "info", "warn"]),
    ("dshell --tlsv", ["--tlsverify"]),
    ("dshell de", ["deploy.dsh"]),
])  # fmt: skip
def test_fish(line, expected, docker_config, workdir):
    env = dict(os.environ, DOCKER_CONFIG=str(docker_config))
    assert fish_complete(line, env, workdir) == expected


# -- zsh --------------------------------------------------------------------------------------
@pytest.fixture
def zsh(docker_config, workdir, tmp_path):
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed")
    env = dict(os.environ, DOCKER_CONFIG=str(docker_config), TERM="dumb", ZDOTDIR=str(tmp_path))
    child = pexpect.spawn("zsh", ["-f", "-i"], env=env, cwd=str(workdir), encoding="utf-8",
                          timeout=10, dimensions=(40, 200))
    child.sendline(f"PS1='ZP> '; autoload -Uz compinit; compinit -u -D; "
                   f"source {COMPLETIONS / '_dshell'}")
    child.expect_exact("ZP> ")
    yield child
    child.terminate(force=True)


@pytest.mark.parametrize(("line", "expected"), [
    ("dshell --context ", ["default", "prod-box", "staging-box"]),
    ("dshell -H ", ["fd://", "ssh://", "tcp://", "unix://"]),
    ("dshell --log-level ", ["debug", "error", "fatal", "info", "warn"]),
])  # fmt: skip
def test_zsh_lists(zsh, line, expected):
    zsh.send(line + "\t")
    zsh.expect(expected[-1])
    listing = zsh.before + zsh.after
    for candidate in expected:
        assert candidate in listing


def test_zsh_completes_a_unique_value(zsh):
    zsh.send("dshell --context sta\t")
    zsh.expect_exact("staging-box")
    zsh.send("\x15")  # kill the line
    zsh.send("dshell --tlsv\t")
    zsh.expect_exact("--tlsverify")
