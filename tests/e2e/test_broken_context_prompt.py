"""``context use`` of a context docker cannot use, at the interactive prompt: the prompt goes on
naming it, Engine commands fail with docker's error (never the engine the session had), and
switching back brings the engine back. dshell runs with a private tmpfs over /run, so that a
regression to the old fallback (unix:///var/run/docker.sock) reaches no daemon of this machine."""

from __future__ import annotations

import hashlib
import json

import pexpect

from tests import harness
from tests.engine.test_broken_config import HIDE_RUN
from tests.pty_session import PROMPT, session_env, spawn, terminated_after


def write_context(config, name: str, meta: dict) -> None:
    folder = config / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps(meta))


def test_context_without_docker_endpoint_at_the_prompt(engine, tmp_path):
    config = tmp_path / "config"
    write_context(config, "eng", {"Name": "eng", "Endpoints": {"docker": {"Host": engine.host}}})
    write_context(config, "bad", {"Name": "bad", "Metadata": {}, "Endpoints": None})
    (config / "config.json").write_text('{"currentContext": "eng"}')
    env = session_env(engine, tmp_path, DOCKER_CONFIG=str(config))
    del env["DOCKER_HOST"]
    with terminated_after(spawn([*HIDE_RUN, *harness.DSHELL_COMMAND], env)) as child:
        child.expect_exact("dshell eng>")
        child.sendline("context use bad")
        child.expect_exact('Current context is now "bad"')
        child.expect_exact("dshell bad>")
        child.sendline("ps")
        child.expect_exact("Failed to initialize: unable to resolve docker endpoint: "
                           "cannot find docker endpoint in context")
        child.expect(PROMPT)
        child.sendline("context ls --format '{{.Name}}|{{.Error}}'")
        child.expect_exact("bad|cannot find docker endpoint in context")
        child.expect(PROMPT)
        child.sendline("context use eng")
        child.expect_exact("dshell eng>")
        child.sendline("ps")
        child.expect_exact("CONTAINER ID")
        child.expect(PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)
