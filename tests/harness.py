"""The real-engine test harness: a private dockerd, a loopback registry, and runners.

Everything here is plain Python (no pytest) so the fixtures in conftest.py stay thin and a
failing start explains itself: every problem raises `HarnessError` with the daemon's log.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DOCKER_CLI = "/usr/local/bin/docker"
DSHELL_COMMAND = [sys.executable, "-m", "dshell"]
REPO_ROOT = Path(__file__).resolve().parent.parent
BUSYBOX_BINARY = Path("/bin/busybox")
BUSYBOX_APPLETS = (
    "sh echo cat sleep ls true false env id printf head tail wc yes seq stty top ps kill "
    "mkdir rm touch date grep sed"
).split()
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
MAX_UNIX_SOCKET_PATH = 107


class HarnessError(RuntimeError):
    """The test engine or registry could not be started or used."""


@dataclass(frozen=True)
class Result:
    """What a finished command printed and its exit status."""

    out: str
    err: str
    status: int


@dataclass(frozen=True)
class Differential:
    """The same command run through the docker CLI (the oracle) and through dshell."""

    docker: Result
    dshell: Result


@dataclass
class Engine:
    """A private dockerd: its socket, its `unix://` address and an environment aimed at it."""

    root: Path
    socket: str
    host: str
    env: dict[str, str]
    log: Path
    pidfile: Path
    process: subprocess.Popen = field(repr=False)

    def api(self, method: str, path: str, body: bytes | None = None,
            headers: Mapping[str, str] | None = None,
            timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request on the daemon's socket: (status, headers, body)."""
        return unix_request(self.socket, method, path, body, headers, timeout)


@dataclass
class Registry:
    """Debian's docker-registry serving plain HTTP on 127.0.0.1."""

    root: Path
    address: str
    log: Path
    process: subprocess.Popen = field(repr=False)


# --- HTTP over a unix socket --------------------------------------------------------------


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, socket_path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._socket_path)


def unix_request(socket_path: str, method: str, path: str, body: bytes | None = None,
                 headers: Mapping[str, str] | None = None,
                 timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Send one request to an HTTP server on a unix socket; read the whole answer."""
    connection = _UnixHTTPConnection(socket_path, timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _loopback_get(address: str, path: str, timeout: float = 5) -> tuple[int, dict[str, str]]:
    """GET on 127.0.0.1 directly (http.client ignores the *_proxy variables)."""
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


# --- processes and temp dirs -------------------------------------------------------------


def _short_temp_dir(prefix: str) -> Path:
    """A temp dir directly under /tmp so unix socket paths stay far below 108 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"{what} exited with status {process.returncode} while starting;"
                               f" its log:\n{_tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if ready():
                return
        time.sleep(0.1)
    raise HarnessError(f"{what} did not answer within {START_TIMEOUT:.0f} s; its log:\n"
                       f"{_tail(log)}")


def _stop_process(process: subprocess.Popen, pid: int | None = None) -> None:
    """SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL; only ever signals our own child."""
    target = pid if pid == process.pid else process.pid
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(target, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
        process.wait()


def _kill_leftovers_of(root: Path) -> None:
    """SIGKILL what the daemon left behind when it had to be killed: our containerd, its shims
    (their command lines name our temp dir) and our containers' processes (their cgroup names
    a container ID from our data-root)."""
    marker = str(root).encode()
    container_dir = root / "data" / "containers"
    ids = [entry.name.encode() for entry in container_dir.glob("*")]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cgroup = (entry / "cgroup").read_bytes() if ids else b""
        except OSError:
            continue
        if marker in cmdline or any(b"/" + cid in cgroup for cid in ids):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)


def _unmount_under(root: Path) -> None:
    prefix = str(root) + "/"
    mount_points = []
    with contextlib.suppress(OSError), open("/proc/self/mountinfo") as mountinfo:
        for line in mountinfo:
            point = line.split()[4].encode().decode("unicode_escape")
            if point.startswith(prefix):
                mount_points.append(point)
    for point in sorted(mount_points, key=len, reverse=True):
        subprocess.run(["umount", "-l", point], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def _remove_tree(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    if root.exists():
        subprocess.run(["rm", "-rf", str(root)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


# --- the engine ----------------------------------------------------------------------------


def _engine_env(root: Path, host: str) -> dict[str, str]:
    """os.environ aimed at our daemon only: no inherited DOCKER_* settings, no real ~/.docker."""
    config, home = root / "config", root / "home"
    config.mkdir()
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("DOCKER_")}
    env.update(DOCKER_HOST=host, DOCKER_CONFIG=str(config), HOME=str(home))
    return env


def _dockerd_command(root: Path, socket_path: str, bridged: bool = False) -> list[str]:
    """dockerd's command line for a private daemon under ``root``. ``bridged``: bridges,
    iptables and forwarding allowed, for a daemon inside a network namespace a test made
    (swarm_engine.py); never in the machine's own namespace."""
    daemon_json = root / "daemon.json"
    daemon_json.write_text("{}\n")  # never pick up the machine's /etc/docker/daemon.json
    return [
        "dockerd",
        "--config-file", str(daemon_json),
        "--data-root", str(root / "data"),
        "--exec-root", str(root / "exec"),
        "--pidfile", str(root / "pid"),
        "-H", f"unix://{socket_path}",
        "--storage-driver=vfs",
        *(() if bridged else ("--bridge=none", "--iptables=false", "--ip-forward=false",
                              "--ip-masq=false")),
        # `network create` makes a br-… bridge in this machine's own namespace: its address
        # must come from the benchmarking range, never a private one.
        "--default-address-pool", "base=198.18.0.0/15,size=24",
    ]


def _check_can_run_dockerd() -> None:
    if os.geteuid() != 0:
        raise HarnessError("the engine tests start a private dockerd and must run as root")
    if shutil.which("dockerd") is None:
        raise HarnessError("dockerd not found: install Debian's docker.io (tests/run does)")
    if not BUSYBOX_BINARY.exists():
        raise HarnessError(f"{BUSYBOX_BINARY} not found: install Debian's busybox-static")


def start_engine() -> Engine:
    """Start a private dockerd, wait for /_ping, and import busybox:latest into it."""
    _check_can_run_dockerd()
    root = _short_temp_dir("dsh-")
    socket_path = str(root / "docker.sock")
    if len(socket_path.encode()) > MAX_UNIX_SOCKET_PATH:
        raise HarnessError(f"socket path too long for a unix socket: {socket_path}")
    log = root / "dockerd.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            _dockerd_command(root, socket_path), stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True)
    host = f"unix://{socket_path}"
    engine = Engine(root=root, socket=socket_path, host=host, env=_engine_env(root, host),
                    log=log, pidfile=root / "pid", process=process)
    try:
        _wait_until(lambda: engine.api("GET", "/_ping", timeout=2)[::2] == (200, b"OK"),
                    process, "dockerd", log)
        import_busybox(engine)
    except BaseException:
        stop_engine(engine)
        raise
    return engine


def stop_engine(engine: Engine) -> None:
    """Remove its networks (a stopped daemon leaves their bridges behind), stop the daemon by
    the pid in its pidfile, then remove every trace of it."""
    try:
        unix_request(engine.socket, "POST", "/networks/prune", timeout=30)
    except (OSError, http.client.HTTPException):
        pass
    try:
        pid = int(engine.pidfile.read_text().strip())
    except (OSError, ValueError):
        pid = None
    _stop_process(engine.process, pid)
    _kill_leftovers_of(engine.root)
    _unmount_under(engine.root)
    _remove_tree(engine.root)


def busybox_tarball() -> bytes:
    """A root filesystem holding /bin/busybox and a symlink per applet the tests use."""
    buffer = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folder = tarfile.TarInfo("bin")
        folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, now
        tar.addfile(folder)
        binary = BUSYBOX_BINARY.read_bytes()
        member = tarfile.TarInfo("bin/busybox")
        member.size, member.mode, member.mtime = len(binary), 0o755, now
        tar.addfile(member, io.BytesIO(binary))
        for applet in BUSYBOX_APPLETS:
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname, link.mode, link.mtime = tarfile.SYMTYPE, "busybox", 0o777, now
            tar.addfile(link)
    return buffer.getvalue()


def _json_stream_error(body: bytes) -> str | None:
    decoder, text, position = json.JSONDecoder(), body.decode(errors="replace"), 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            break
        message, position = decoder.raw_decode(text, position)
        if isinstance(message, dict) and "error" in message:
            return str(message["error"])
    return None


def import_busybox(engine: Engine) -> None:
    """What `docker import - busybox:latest` does, over the socket."""
    status, _, body = engine.api(
        "POST", "/images/create?fromSrc=-&repo=busybox&tag=latest", busybox_tarball(),
        {"Content-Type": "application/x-tar"}, timeout=120)
    error = _json_stream_error(body) if status == 200 else body.decode(errors="replace")
    if error:
        raise HarnessError(f"importing busybox:latest failed ({status}): {error}")


# --- the registry --------------------------------------------------------------------------


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check_can_run_registry() -> None:
    if shutil.which("docker-registry") is None:
        raise HarnessError("docker-registry not found: install Debian's docker-registry")


def start_registry() -> Registry:
    """Start `docker-registry serve` on a free 127.0.0.1 port; wait until /v2/ answers."""
    check_can_run_registry()
    root = _short_temp_dir("dsh-reg-")
    address = f"127.0.0.1:{free_loopback_port()}"
    return serve_registry(
        root, address,
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: {address}\n",
        ready_status=200, what="docker-registry")


def serve_registry(root: Path, address: str, config_yaml: str, ready_status: int,
                   what: str) -> Registry:
    """Run `docker-registry serve` with `config_yaml` (which makes it listen on `address`),
    logging under `root`; wait until GET /v2/ answers `ready_status`."""
    config = root / "config.yml"
    config.write_text(config_yaml)
    log = root / "registry.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    registry = Registry(root=root, address=address, log=log, process=process)
    try:
        _wait_until(lambda: _loopback_get(address, "/v2/")[0] == ready_status, process, what,
                    log)
    except BaseException:
        stop_registry(registry)
        raise
    return registry


def stop_registry(registry: Registry) -> None:
    _stop_process(registry.process)
    _remove_tree(registry.root)


def registry_get(registry: Registry, path: str) -> tuple[int, dict[str, str]]:
    """GET on the registry (status, headers)."""
    return _loopback_get(registry.address, path)


# --- running docker and dshell -------------------------------------------------------------


def _run(argv: list[str], env: Mapping[str, str], input: str | bytes | None,
         timeout: float, cwd: str | os.PathLike | None) -> Result:
    data = input.encode() if isinstance(input, str) else input
    try:
        completed = subprocess.run(
            argv, input=data, stdin=subprocess.DEVNULL if data is None else None,
            capture_output=True, env=dict(env), timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as expired:
        raise HarnessError(
            f"{shlex.join(argv)} did not finish within {timeout} s\n"
            f"stdout: {expired.stdout!r}\nstderr: {expired.stderr!r}") from None
    except FileNotFoundError as missing:
        raise HarnessError(f"cannot run {argv[0]}: {missing}") from None
    return Result(completed.stdout.decode(errors="surrogateescape"),
                  completed.stderr.decode(errors="surrogateescape"), completed.returncode)


def _environment(target: Engine | Mapping[str, str],
                 overrides: Mapping[str, str | None] | None) -> dict[str, str]:
    """The target's environment (an engine's, or the mapping itself) with `overrides` applied
    variable by variable; a value of None removes the variable."""
    merged = dict(target if isinstance(target, Mapping) else target.env)
    for key, value in (overrides or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def run_docker(target: Engine | Mapping[str, str], *args: str,
               input: str | bytes | None = None, timeout: float = 60,
               env: Mapping[str, str | None] | None = None,
               cwd: str | os.PathLike | None = None) -> Result:
    """Run the reference docker CLI in `target`'s environment (an engine's, or a mapping).

    `env` overrides that environment variable by variable; a value of None removes the variable.
    """
    return _run([DOCKER_CLI, *args], _environment(target, env), input, timeout, cwd)


def run_dshell(target: Engine | Mapping[str, str], *args: str,
               input: str | bytes | None = None, timeout: float = 60,
               env: Mapping[str, str | None] | None = None,
               cwd: str | os.PathLike | None = None) -> Result:
    """Run `python -m dshell ARGS` in `target`'s environment, overridden as for run_docker."""
    return _run([*DSHELL_COMMAND, *args], _environment(target, env), input, timeout, cwd)


def run_docker_ok(target: Engine | Mapping[str, str], *args: str, **options) -> Result:
    """run_docker for setting up a scene: a failure fails the test with docker's message."""
    result = run_docker(target, *args, **options)
    assert result.status == 0, result.err
    return result


def differential(target: Engine | Mapping[str, str], *args: str,
                 input: str | bytes | None = None, timeout: float = 60,
                 env: Mapping[str, str | None] | None = None,
                 global_flags: Sequence[str] = (),
                 cwd: str | os.PathLike | None = None) -> Differential:
    """`docker GLOBAL_FLAGS ARGS` and `dshell GLOBAL_FLAGS -c 'ARGS'` in the same environment,
    for comparing byte by byte."""
    options = dict(input=input, timeout=timeout, env=env, cwd=cwd)
    return Differential(
        docker=run_docker(target, *global_flags, *args, **options),
        dshell=run_dshell(target, *global_flags, "-c", shlex.join(args), **options))


StderrCheck = bool | Callable[[str], str]


def assert_alike(pair: Differential, stderr: StderrCheck = False) -> Differential:
    """dshell printed what docker printed and exited alike.

    `stderr`: False leaves standard error out, True compares it as is, and a function compares
    what it makes of each tool's standard error (to drop what legitimately differs).
    """
    assert pair.dshell.out == pair.docker.out, f"stderr: {pair.dshell.err}"
    assert pair.dshell.status == pair.docker.status, pair.dshell.err
    if callable(stderr):
        assert stderr(pair.dshell.err) == stderr(pair.docker.err)
    elif stderr:
        assert pair.dshell.err == pair.docker.err
    return pair


def assert_same(target: Engine | Mapping[str, str], *args: str, tries: int = 1,
                stderr: StderrCheck = False, **options) -> Differential:
    """`differential(target, *args, **options)`, then assert_alike.

    With tries > 1 the output holds ages ("5 seconds ago") that may tick while the two tools
    run, so dshell runs on both sides of docker: ages only grow, and within a second at most
    one of them ticks, so docker's output equals the run before it or the run after it. A
    slow machine may stretch that second: then the whole bracket is tried again.
    """
    def same(ours: Result, oracle: Result) -> bool:
        return (ours.out, ours.status) == (oracle.out, oracle.status)

    global_flags = options.pop("global_flags", ())
    for _ in range(tries):
        before = (run_dshell(target, *global_flags, "-c", shlex.join(args), **options)
                  if tries > 1 else None)  # fmt: skip
        pair = differential(target, *args, global_flags=global_flags, **options)
        if same(pair.dshell, pair.docker):
            break
        if before is not None and same(before, pair.docker):
            pair = Differential(docker=pair.docker, dshell=before)
            break
    return assert_alike(pair, stderr)


def unique_name(prefix: str) -> str:
    """A lower-case name no other test (or test run) uses: valid for containers and images."""
    return f"{prefix.lower()}-{secrets.token_hex(5)}"


@dataclass(frozen=True)
class Container:
    name: str
    id: str


@contextlib.contextmanager
def container(engine: Engine, *run_args: str, name: str | None = None,
              start: bool = True) -> Iterator[Container]:
    """`docker run -d --name NAME RUN_ARGS` (`docker create` when start=False); `rm -f` after."""
    name = name or unique_name("dsh")
    verb = ["run", "-d"] if start else ["create"]
    result = run_docker(engine, *verb, "--name", name, *run_args)
    try:
        if result.status != 0:
            raise HarnessError(f"docker {' '.join(verb)} {shlex.join(run_args)} failed "
                               f"({result.status}): {result.err.strip()}")
        yield Container(name=name, id=result.out.strip().splitlines()[-1])
    finally:
        run_docker(engine, "rm", "-f", name)
