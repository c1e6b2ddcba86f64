"""What dshell sends for features this project's engine (API 1.41) cannot serve — cluster
volumes (1.42), image inspect/rm by platform (1.49/1.50), images --tree (1.47) — compared
with what docker sends for the same line.

The other end is a recorder on a unix socket, not an engine: it answers the ping as an API
1.50 swarm manager and every request with a fixed reply, and keeps each request (method,
path, query, JSON body). docker is the oracle for the requests and for what it prints of
the fixed replies (``images --tree`` draws a made-up multi-platform listing); what the
replies would mean to a real daemon is not tested here.
"""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import pty
import shlex
import socketserver
import struct
import subprocess
import sys
import tempfile
import termios
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

DOCKER_CLI = "/usr/local/bin/docker"

#: Replies by (method, path without the version prefix).
REPLIES = {
    ("POST", "/volumes/create"): (201, {"Name": "cv", "Driver": "csi", "Scope": "global"}),
    ("GET", "/volumes/cv"): (200, {
        "Name": "cv", "Driver": "csi",
        "ClusterVolume": {"ID": "abc123", "Version": {"Index": 7},
                          "Spec": {"Group": "g", "Availability": "active",
                                   "AccessMode": {"Scope": "multi", "Sharing": "all"}}},
    }),
    ("GET", "/volumes/local"): (200, {"Name": "local", "Driver": "local"}),
    ("PUT", "/volumes/abc123"): (200, None),
    ("DELETE", "/images/x"): (200, [{"Untagged": "x:latest"}]),
    ("GET", "/images/x/json"): (200, {"Id": "sha256:1", "RepoTags": ["x:latest"]}),
    ("GET", "/images/json"): (200, "IMAGES"),
}  # fmt: skip


def _manifest(
    digest: str,
    platform: dict,
    total: int,
    content: int,
    available: bool = True,
    containers: tuple[str, ...] = (),
    kind: str = "image",
) -> dict:
    return {
        "ID": f"sha256:{digest * 64}"[:71],
        "Available": available,
        "Kind": kind,
        "Size": {"Total": total, "Content": content},
        "ImageData": {"Platform": platform, "Containers": list(containers)},
        "AttestationData": {"For": "sha256:" + "a" * 64} if kind == "attestation" else None,
    }


#: An /images/json?manifests=1 answer (API 1.47+): multi-platform images, one in use, a
#: variant not pulled, an attestation, a dangling image, a name longer than the layout.
IMAGES = [
    {"Id": "sha256:" + "1" * 64, "Created": 1_700_000_000, "Size": 8_912_345, "Containers": 0,
     "RepoTags": ["alpine:latest", "registry.example.com/library/alpine:3.20"],
     "RepoDigests": ["alpine@sha256:" + "f" * 64],
     "Manifests": [_manifest("2", {"os": "linux", "architecture": "amd64"}, 8_900_000,
                             3_600_000, containers=("c1",)),
                   _manifest("3", {"os": "linux", "architecture": "arm64", "variant": "v8"},
                             0, 4_100_000, available=False),
                   _manifest("4", {}, 0, 1_000, kind="attestation"),
                   _manifest("5", {}, 512, 512)]},
    {"Id": "sha256:" + "6" * 64, "Created": 1_800_000_000, "Size": 2_048_000, "Containers": 2,
     "RepoTags": ["busybox:latest"], "RepoDigests": [], "Manifests": []},
    {"Id": "sha256:" + "7" * 64, "Created": 1_600_000_000, "Size": 123, "Containers": 0,
     "RepoTags": [], "RepoDigests": [], "Manifests": []},
    {"Id": "sha256:" + "8" * 64, "Created": 1_650_000_000, "Size": 7_000_000_000,
     "Containers": 0, "RepoTags": ["a-very-long-repository-name/" + "x" * 60 + ":tag"],
     "RepoDigests": [], "Manifests": [
         _manifest("9", {"os": "windows", "architecture": "amd64", "os.version": "10.0"},
                   70_000, 69_999)]},
]  # fmt: skip


PING = {"Api-Version": "1.50", "Ostype": "linux", "Docker-Experimental": "true",
        "Swarm": "active/manager"}  # fmt: skip


class _Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _reply(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/_ping":
            self._send(200, b"OK", self.server.ping)
            return
        path = url.path.split("/", 2)[2] if url.path.startswith("/v1.") else url.path
        path = "/" + path.lstrip("/")
        self.server.requests.append((
            self.command, path, sorted(parse_qsl(url.query, keep_blank_values=True)),
            json.loads(body) if body else None,
        ))  # fmt: skip
        status, answer = REPLIES.get((self.command, path), (404, {"message": "not recorded"}))
        answer = IMAGES if answer == "IMAGES" else answer
        data = b"" if answer is None else json.dumps(answer).encode()
        self._send(status, data, {"Content-Type": "application/json"})

    def _send(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _reply


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str) -> None:
        super().__init__(path, _Recorder)
        self.requests: list = []
        self.ping = dict(PING)

    def get_request(self):  # noqa: ANN201 - a unix socket's peer address is "", not a pair
        request, _ = super().get_request()
        return request, ("local", 0)


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[_Server, dict[str, str]]]:
    with tempfile.TemporaryDirectory(prefix="dsh-rec-") as root:
        server = _Server(f"{root}/docker.sock")
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
        env.update(DOCKER_HOST=f"unix://{root}/docker.sock", HOME=root,
                   DOCKER_CONFIG=str(Path(root) / "config"))  # fmt: skip
        try:
            yield server, env
        finally:
            server.shutdown()
            server.server_close()


def _requests(server: _Server, argv: list[str], env: dict[str, str]) -> tuple[list, tuple]:
    server.requests.clear()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    return list(server.requests), (done.stdout, done.stderr, done.returncode)


LINES = [
    ["volume", "create", "--scope", "multi", "--sharing", "all", "--group", "g", "cv"],
    ["volume", "create", "--type", "mount", "--availability", "drain", "cv"],
    ["volume", "create", "--limit-bytes", "1g", "--required-bytes", "1m", "--secret", "b=2",
     "--secret", "a=1", "--topology-required", "zone=a,rack=1", "--topology-preferred",
     "zone=b", "--group", "g", "cv"],
    ["volume", "create", "--topology-required", "zone=a", "cv"],
    ["volume", "create", "--label", "k=v", "-o", "size=1", "cv"],
    ["volume", "create"],
    ["volume", "create", "-d", "", "--label", "empty="],
    ["volume", "update", "--availability", "pause", "cv"],
    ["volume", "update", "cv"],
    ["volume", "update", "local"],
    ["rmi", "--platform", "linux/amd64", "--platform", "linux/arm/v7,linux/arm64", "x"],
    ["image", "rm", "-f", "--no-prune", "--platform", "windows(10.0.1)/amd64", "x"],
    ["image", "inspect", "--platform", "linux/arm64", "x"],
    ["image", "inspect", "--platform", "arm", "x"],
    ["images", "--tree"],
    ["images", "--tree", "-a", "--filter", "dangling=true", "busy*"],
    ["image", "ls", "--tree", "--all"],
]  # fmt: skip


@pytest.mark.parametrize("args", LINES, ids=" ".join)
def test_requests_are_dockers(recorder, args):
    server, env = recorder
    docker, docker_out = _requests(server, [DOCKER_CLI, *args], env)
    ours, our_out = _requests(server, [sys.executable, "-m", "dshell", "-c", shlex.join(args)],
                              env)  # fmt: skip
    assert docker, "docker sent nothing: the recorder is not answering as a daemon"
    assert ours == docker
    assert our_out == docker_out


@pytest.mark.parametrize("ping", [
    {"Swarm": "inactive"},
    {"Swarm": "active/worker"},
    {"Swarm": None},
    {"Docker-Experimental": "false", "Api-Version": "1.44"},
    {"Ostype": "windows"},
    {"Ostype": None, "Api-Version": "1.41"},
], ids=lambda ping: ",".join(f"{k}={v}" for k, v in ping.items()))  # fmt: skip
@pytest.mark.parametrize("args", [
    ["volume", "--help"],
    ["volume", "create", "--help"],
    ["volume", "update", "--help"],
    ["volume", "update", "cv"],
    ["checkpoint", "--help"],
    ["checkpoint", "ls", "c"],
    ["images", "--help"],
    ["run", "--help"],
    ["build", "--help"],
], ids=" ".join)  # fmt: skip
def test_what_help_hides_for_a_daemon(recorder, ping, args):
    """docker's hideUnsupportedFeatures and isSupported for daemons this project cannot
    start: a swarm worker or inactive node (cluster-volume flags hidden), no swarm header
    (nothing hidden), not experimental, Windows (its flags shown), no OS type."""
    server, env = recorder
    server.ping = {k: v for k, v in {**PING, **ping}.items() if v is not None}
    try:
        env = {**env, "DOCKER_BUILDKIT": "0"}
        _, docker = _requests(server, [DOCKER_CLI, *args], env)
        _, ours = _requests(server, [sys.executable, "-m", "dshell", "-c", shlex.join(args)],
                            env)  # fmt: skip
    finally:
        server.ping = dict(PING)
    if args[0] == "build":
        # docker prints no legacy-builder notice for a Windows daemon (cliplugins' concern)
        ours, docker = ours[::2], docker[::2]
    assert ours == docker


@pytest.mark.parametrize("ping", [{}, {"Docker-Experimental": "false", "Swarm": "inactive"}],
                         ids=["everything", "not-experimental-no-swarm"])  # fmt: skip
def test_every_help_is_dockers_for_an_api_1_50_daemon(recorder, ping):
    """Every command path docker has, ``--help`` against a daemon that has every feature
    (the suite's engine, API 1.41, hides the newer flags, so the engine sweep cannot see
    their help): the flags docker shows there, with their wording and defaults; and against
    one that is neither experimental nor in a swarm (docker hides by its Swarm header)."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.unit.test_command_coverage import docker_tree

    server, env = recorder
    env = {**env, "DOCKER_BUILDKIT": "0"}

    def both(words: tuple[str, ...]) -> tuple[str, bool]:
        argv = [*words, "--help"]
        docker = subprocess.run([DOCKER_CLI, *argv], env=env, capture_output=True, text=True)
        ours = subprocess.run([sys.executable, "-m", "dshell", "-c", shlex.join(argv)],
                              env=env, capture_output=True, text=True)  # fmt: skip
        return " ".join(words), (ours.stdout, ours.returncode) == (docker.stdout, docker.returncode)

    paths = [words for words in docker_tree() if words]
    server.ping = {**PING, **ping}
    try:
        with ThreadPoolExecutor(3) as pool:
            differ = [name for name, same in pool.map(both, paths) if not same]
    finally:
        server.ping = dict(PING)
    assert len(paths) > 180
    assert differ == []


def _on_a_terminal(argv: list[str], env: dict[str, str], columns: int) -> bytes:
    """What ``argv`` writes to a pseudo-terminal ``columns`` wide (no CR added to LF)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    attributes = termios.tcgetattr(follower)
    attributes[1] &= ~termios.ONLCR
    termios.tcsetattr(follower, termios.TCSANOW, attributes)
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=subprocess.PIPE,
                               env=env)  # fmt: skip
    os.close(follower)
    written = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its side
            break
        if not chunk:
            break
        written += chunk
    process.wait(timeout=60)
    os.close(leader)
    return written


@pytest.mark.parametrize("columns", [100, 50, 30])
@pytest.mark.parametrize("args", [["images", "--tree"], ["image", "ls", "--tree", "-a"]],
                         ids=" ".join)  # fmt: skip
def test_the_tree_on_a_terminal(recorder, args, columns):
    """docker's colours and chips, its terminal's width (columns dropped when too narrow)."""
    server, env = recorder
    docker = _on_a_terminal([DOCKER_CLI, *args], env, columns)
    ours = _on_a_terminal([sys.executable, "-m", "dshell", "-c", shlex.join(args)], env,
                          columns)  # fmt: skip
    assert b"\x1b[38;5;0m\x1b[48;5;14m U " in docker
    assert ours == docker
