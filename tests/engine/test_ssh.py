"""``ssh://`` engines: an sshd from Debian's openssh-server on 127.0.0.1 with a test key.

docker and dshell both run ``ssh … -- HOST docker system dial-stdio``; a wrapper first on
PATH points ssh at this test's client config (key, port, no known_hosts), and the sshd sets
DOCKER_HOST for the remote ``docker`` so it dials the private test engine.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import harness

SSHD = "/usr/sbin/sshd"
API_PATH = re.compile(r"/v1\.\d+/")


def _free_port() -> int:
    return harness.free_loopback_port()


@pytest.fixture(scope="module")
def ssh_engine(engine, tmp_path_factory):
    """(env, ssh URL) for the test engine reached through a private sshd."""
    missing = [tool for tool in (SSHD, "ssh", "ssh-keygen") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"ssh tests need Debian's openssh-server and openssh-client "
                    f"(missing: {', '.join(missing)})", pytrace=False)
    root = tmp_path_factory.mktemp("ssh")
    os.chmod(root, 0o700)
    for key in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / key)],
                       check=True, timeout=30)
    (root / "authorized_keys").write_text((root / "user_key.pub").read_text())
    os.chmod(root / "authorized_keys", 0o600)
    port = _free_port()
    (root / "sshd_config").write_text(
        f"ListenAddress 127.0.0.1\nPort {port}\nHostKey {root / 'host_key'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPidFile {root / 'sshd.pid'}\n"
        "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        f"SetEnv DOCKER_HOST={engine.host}\n"
        "Subsystem sftp internal-sftp\n")
    (root / "ssh_config").write_text(
        f"Host 127.0.0.1\n  Port {port}\n  IdentityFile {root / 'user_key'}\n"
        "  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n  BatchMode yes\n")
    bin_dir = root / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    real_ssh = shutil.which("ssh")
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> {root / "argv.log"}\n'
                       f'exec {real_ssh} -F {root / "ssh_config"} "$@"\n')
    wrapper.chmod(0o755)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
    log = root / "sshd.log"
    process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(root / "sshd_config")],
                               stdin=subprocess.DEVNULL, stdout=open(log, "wb"),  # noqa: SIM115
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            break
        if process.poll() is not None:
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"sshd did not start: {log.read_text()}", pytrace=False)
    if process.poll() is not None:
        pytest.fail(f"sshd exited: {log.read_text()}", pytrace=False)
    env = {**engine.env, "PATH": f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    env.pop("DOCKER_HOST")
    try:
        yield env, "ssh://root@127.0.0.1", root
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def both(env, *args, global_flags=()):
    pair = harness.differential(env, *args, global_flags=global_flags)
    return pair.docker, pair.dshell


def test_commands_over_ssh_match_docker(engine, ssh_engine):
    env, url, _ = ssh_engine
    with harness.container(engine, "--network", "none", "busybox", "sleep", "60"):
        for args in (["ps", "--format", "table {{.ID}}\t{{.Names}}\t{{.Command}}"],
                     # busybox only: other tests' images share a creation second, and the
                     # daemon orders those ties at random for each listing.
                     ["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", "busybox"],
                     ["version", "--format", "{{.Server.Os}}"],
                     ["network", "ls"], ["volume", "ls"], ["container", "inspect", "nope"]):
            oracle, ours = both(env, *args, global_flags=("-H", url))
            assert oracle.status == 0 or args[0] == "container", oracle.err
            assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)


def test_hijacked_commands_over_ssh(engine, ssh_engine):
    """exec and run attach through their own dial-stdio process, as docker does."""
    env, url, _ = ssh_engine
    with harness.container(engine, "--network", "none", "busybox", "sleep", "60") as box:
        for args in (["exec", box.name, "sh", "-c", "echo out; echo err >&2; exit 4"],
                     ["run", "--rm", "--network", "none", "busybox", "echo", "via ssh"]):
            oracle, ours = both(env, *args, global_flags=("-H", url))
            assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
        piped = harness.run_dshell(env, "-H", url, "-c", f"exec -i {box.name} cat",
                                   input="stdin reaches the container\n")
        assert (piped.out, piped.status) == ("stdin reaches the container\n", 0), piped.err


def test_ssh_command_line_is_dockers(ssh_engine):
    env, url, root = ssh_engine
    (root / "argv.log").write_text("")
    harness.run_dshell(env, "-H", f"{url}:22", "-c", "ps -q")
    ours = (root / "argv.log").read_text().splitlines()
    assert ours and set(ours) == {
        "-o ConnectTimeout=30 -T -l root -p 22 -- 127.0.0.1 docker system dial-stdio"}


def test_ssh_context_and_failure(ssh_engine, tmp_path):
    env, url, _ = ssh_engine
    env = {**env, "DOCKER_CONFIG": str(tmp_path)}
    made = harness.run_dshell(env, "-c", f"context create over-ssh --docker host={url}")
    assert made.status == 0, made.err
    oracle, ours = both(env, "ps", "-a", "-q", global_flags=("--context", "over-ssh"))
    assert oracle.status == 0, oracle.err
    assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
    oracle, ours = both(env, "ps", global_flags=("-H", "ssh://nobody@127.0.0.1:1"))
    assert ours.status == oracle.status == 1
    assert ours.err.startswith('error during connect: Get "http://docker.example.com/v1.')
    assert "stderr=ssh: connect to host 127.0.0.1 port 1: Connection refused" in ours.err
    assert API_PATH.sub("/v1.X/", ours.err) == API_PATH.sub("/v1.X/", oracle.err)
