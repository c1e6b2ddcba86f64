"""Content-trust passphrases typed at the terminal: asked as docker asks, never echoed, never
in dshell's history, and the key they protect opens with them in docker."""

from __future__ import annotations

import io
import os
import shutil

import pexpect

from tests.harness import run_docker
from tests.pty_session import PROMPT, interactive_dshell, session_env

PASSPHRASE = "tty-secret-83412"


def test_passphrase_is_read_without_echo_and_kept_out_of_history(engine, tmp_path):
    config = tmp_path / "docker-config"
    config.mkdir()
    env = session_env(engine, tmp_path, PROMPT_TOOLKIT_NO_CPR="1", DOCKER_CONFIG=str(config))
    env = {k: v for k, v in env.items() if not k.startswith("DOCKER_CONTENT_TRUST")}
    seen = io.StringIO()
    with interactive_dshell(env) as shell:
        shell.logfile_read = seen
        shell.sendline(f"trust key generate frank --dir {tmp_path}")
        shell.expect(r"Enter passphrase for new frank key with ID [0-9a-f]{7}: ")
        shell.sendline(PASSPHRASE)
        shell.expect(r"Repeat passphrase for new frank key with ID [0-9a-f]{7}: ")
        shell.sendline(PASSPHRASE)
        shell.expect_exact("Successfully generated and loaded private key.")
        shell.expect(PROMPT)
        shell.sendcontrol("d")
        shell.expect(pexpect.EOF)
    assert PASSPHRASE not in seen.getvalue()
    history = (tmp_path / "state" / "dshell" / "history").read_text()
    assert "trust key generate frank" in history and PASSPHRASE not in history
    (stored,) = (config / "trust" / "private").glob("*.key")
    copy = tmp_path / "frank.key"
    shutil.copyfile(stored, copy)
    os.chmod(copy, 0o600)
    opened = run_docker(engine, "trust", "key", "load", str(copy), input=PASSPHRASE + "\n",
                        env={"DOCKER_CONFIG": str(tmp_path / "other")})  # fmt: skip
    assert opened.status == 0, opened.err
