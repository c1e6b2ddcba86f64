"""Bulk copies read in big blocks (cp out and in, save, export) move the same bytes as docker.

The container holds a file of a few MiB that is not a multiple of any block size, a hard link
to it, a symlink, and many small files, so the body reader, the tar extractor's straight-to-
file writes and the sender's joined blocks all cross block and chunk boundaries.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import harness

SCENE = (
    "mkdir -p /data/many && cd /data && "
    "busybox dd if=/dev/urandom of=big bs=1024 count=3073 2>/dev/null && echo tail >> big && "
    "busybox ln big hard && busybox ln -s big sym && chmod 640 big && "
    "for i in $(seq 1 300); do echo file-$i > many/f$i; done"
)


@pytest.fixture(scope="module")
def bulk(engine: harness.Engine) -> Iterator[tuple[str, str]]:
    """(container, image committed from it)."""
    name = harness.unique_name("bulk")
    image = f"{name}-image"
    harness.run_docker_ok(engine, "run", "--name", name, "--network", "none", "busybox", "sh",
                          "-c", SCENE)  # fmt: skip
    harness.run_docker_ok(engine, "commit", name, image)
    try:
        yield name, image
    finally:
        harness.run_docker(engine, "rm", "-f", name)
        harness.run_docker(engine, "rmi", "-f", image)


def _stdout_bytes(engine: harness.Engine, tool: str, line: str) -> bytes:
    argv = ([harness.DOCKER_CLI, *line.split()] if tool == "docker"
            else [*harness.DSHELL_COMMAND, "-c", line])  # fmt: skip
    done = subprocess.run(argv, env=engine.env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _tree(root: Path) -> dict[str, tuple]:
    """Every entry below ``root``: kind, mode, size, whole-second mtime, content or link
    target, and which entries share an inode (hard links)."""
    entries, inodes = {}, {}
    for folder, names, files in os.walk(root):
        for name in sorted(names + files):
            path = Path(folder, name)
            info = path.lstat()
            relative = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                content = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                content = path.read_bytes()
            else:
                content = None
            linked = inodes.setdefault(info.st_ino, relative)
            entries[relative] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode),
                                 info.st_size if content is not None else 0,
                                 int(info.st_mtime), content, linked)  # fmt: skip
    return entries


@pytest.mark.parametrize("line", ["cp {c}:/data -", "export {c}", "save {i}"])
def test_streamed_to_stdout_as_docker_streams_it(engine, bulk, line):
    name, image = bulk
    command = line.format(c=name, i=image)
    ours = _stdout_bytes(engine, "dshell", command)
    assert len(ours) > 3 << 20
    assert ours == _stdout_bytes(engine, "docker", command)


def test_save_to_a_file_holds_docker_s_bytes(engine, bulk, tmp_path):
    _name, image = bulk
    for tool in ("docker", "dshell"):
        _stdout_bytes(engine, tool, f"save -o {tmp_path / tool} {image}")
    assert (tmp_path / "dshell").read_bytes() == (tmp_path / "docker").read_bytes()


@pytest.mark.parametrize("source", ["/data", "/data/big", "/data/."])
def test_cp_out_extracts_what_docker_extracts(engine, bulk, tmp_path, source):
    name, _image = bulk
    trees = {}
    for tool in ("docker", "dshell"):
        target = tmp_path / tool
        target.mkdir()
        _stdout_bytes(engine, tool, f"cp {name}:{source} {target}/")
        trees[tool] = _tree(target)
    assert trees["dshell"] == trees["docker"]
    assert any(len(entry[4] or b"") > 3 << 20 for entry in trees["dshell"].values())


def test_cp_in_of_big_and_many_files_arrives_whole(engine, bulk, tmp_path):
    """Out with docker, in with dshell under a new name, out again with docker: the same."""
    name, _image = bulk
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _stdout_bytes(engine, "docker", f"cp {name}:/data {first}/")
    _stdout_bytes(engine, "dshell", f"cp {first}/data {name}:/copied")
    _stdout_bytes(engine, "docker", f"cp {name}:/copied {second}/")
    assert _tree(second / "copied") == _tree(first / "data")


@pytest.mark.parametrize("line", ["cp {c}:/data/big -", "save {i}", "export {c}"])
def test_a_reader_that_stops_early_ends_it_as_docker_s(engine, bulk, line):
    """``… | head -c 10``: killed by SIGPIPE (status 141) and nothing on stderr, as docker."""
    name, image = bulk
    command = line.format(c=name, i=image)
    outcomes = {}
    for tool in ("docker", "dshell"):
        argv = ([harness.DOCKER_CLI, *command.split()] if tool == "docker"
                else [*harness.DSHELL_COMMAND, "-c", command])  # fmt: skip
        script = f'{shlex.join(argv)} | head -c 10 >/dev/null; echo "${{PIPESTATUS[0]}}"'
        done = subprocess.run(["bash", "-c", script], env=engine.env, capture_output=True,
                              timeout=120, check=False)  # fmt: skip
        outcomes[tool] = (done.stdout.strip(), done.stderr)
    assert outcomes["dshell"] == outcomes["docker"] == (b"141", b"")


@pytest.fixture
def over_tls(tls_daemon) -> Iterator[tuple[list[str], str]]:
    """(global flags for the TLS daemon, a created container), busybox imported for it and
    both removed after (the daemon is shared with other tests)."""
    status, _headers, body = harness.unix_request(
        tls_daemon.socket, "POST", "/images/create?fromSrc=-&repo=bulk-tls&tag=latest",
        harness.busybox_tarball(), {"Content-Type": "application/x-tar"}, timeout=120)  # fmt: skip
    assert status == 200, body
    certs = tls_daemon.certs
    flags = ["-H", tls_daemon.host, "--tlsverify", "--tlscacert", str(certs / "ca.pem"),
             "--tlscert", str(certs / "cert.pem"), "--tlskey", str(certs / "key.pem")]  # fmt: skip
    name = harness.unique_name("bulk-tls")
    made = harness.run_docker(tls_daemon.env, *flags, "create", "--name", name, "bulk-tls", "sh")
    try:
        assert made.status == 0, made.err
        yield flags, name
    finally:
        harness.run_docker(tls_daemon.env, *flags, "rm", "-f", name)
        harness.run_docker(tls_daemon.env, *flags, "rmi", "-f", "bulk-tls")


@pytest.mark.parametrize("line", ["cp {c}:/bin/busybox -", "export {c}", "save bulk-tls"])
def test_bodies_over_tls_are_docker_s(tls_daemon, over_tls, line):
    """The body reader reads a TLS connection's socket as it reads a unix socket's."""
    flags, name = over_tls
    command = line.format(c=name).split()
    outputs = {}
    for tool in ("docker", "dshell"):
        argv = ([harness.DOCKER_CLI, *flags, *command] if tool == "docker"
                else [*harness.DSHELL_COMMAND, *flags, "-c", shlex.join(command)])  # fmt: skip
        done = subprocess.run(argv, env=tls_daemon.env, capture_output=True, timeout=120,
                              check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        outputs[tool] = done.stdout
    assert len(outputs["dshell"]) > 1 << 20
    assert outputs["dshell"] == outputs["docker"]
