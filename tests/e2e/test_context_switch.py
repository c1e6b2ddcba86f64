"""``context use`` inside one interactive session switches the engine live: from the private
unix-socket daemon to the TLS daemon and back, with the prompt following."""

from __future__ import annotations

import time

import pexpect

from tests import harness
from tests.pty_session import PROMPT, session_env, spawn_dshell, terminated_after


def test_context_use_switches_engines_inside_one_session(engine, tls_daemon, tmp_path):
    env = session_env(engine, tmp_path, DOCKER_CONFIG=str(tmp_path / "config"))
    del env["DOCKER_HOST"]
    certs = tls_daemon.certs
    setup = harness.run_dshell(
        env, "-c",
        f"context create unixctx --docker host={engine.host}\n"
        f"context create tlsctx --docker host={tls_daemon.host},ca={certs / 'ca.pem'},"
        f"cert={certs / 'cert.pem'},key={certs / 'key.pem'}\n"
        f"context use unixctx")
    assert setup.status == 0, setup.err
    tls_volume = harness.unique_name("tlsonly")
    made = harness.run_docker(tls_daemon, "volume", "create", tls_volume,
                              env={"DOCKER_HOST": f"unix://{tls_daemon.socket}"})
    assert made.status == 0, made.err
    unix_root = f"{engine.root}/data"
    tls_root = f"{tls_daemon.root}/data"
    with terminated_after(spawn_dshell(env)) as child:
        child.expect_exact("dshell unixctx>")
        child.sendline("info --format '{{.DockerRootDir}}'")
        child.expect_exact(unix_root)
        child.expect(PROMPT)
        child.sendline("context use tlsctx")
        child.expect_exact('Current context is now "tlsctx"')
        child.expect_exact("dshell tlsctx>")
        child.sendline("info --format '{{.DockerRootDir}}'")
        child.expect_exact(tls_root)
        child.expect(PROMPT)
        child.sendline("context show")
        child.expect_exact("tlsctx")
        child.expect(PROMPT)
        # Completion follows the switch: a volume only the TLS daemon has is offered.
        child.send(f"volume inspect {tls_volume[:8]}")
        for _ in range(10):
            child.send("\t")
            if child.expect_exact([tls_volume, pexpect.TIMEOUT], timeout=1) == 0:
                break
        else:
            raise AssertionError("the completion cache did not follow the context switch")
        child.sendcontrol("c")
        child.expect(PROMPT)
        child.sendline("context use unixctx")
        child.expect_exact("dshell unixctx>")
        child.sendline("info --format '{{.DockerRootDir}}'")
        child.expect_exact(unix_root)
        child.expect(PROMPT)
        child.sendline("exit")
        child.expect(pexpect.EOF)


def test_events_streams_until_ctrl_c_then_the_prompt_returns(engine, tmp_path):
    name = harness.unique_name("ev")
    with terminated_after(spawn_dshell(session_env(engine, tmp_path))) as child:
        try:
            child.expect(PROMPT)
            child.sendline(f"events --filter container={name} --format '{{{{.Action}}}} "
                           "{{.Actor.Attributes.name}}'")
            time.sleep(1.5)  # let the stream subscribe before the event happens
            created = harness.run_docker(engine, "create", "--name", name, "--network", "none",
                                         "busybox", "true")
            assert created.status == 0, created.err
            child.expect_exact(f"create {name}")
            child.sendcontrol("c")
            child.expect(PROMPT)
            child.sendline("context show")
            child.expect_exact("default")
            child.expect(PROMPT)
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            harness.run_docker(engine, "rm", "-f", name)
