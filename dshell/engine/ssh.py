"""``ssh://`` engines the way the docker CLI reaches them.

docker runs ``ssh [-l USER] [-p PORT] -- HOST docker system dial-stdio`` and speaks HTTP on
the pipes of that process: the remote docker CLI copies them to the remote daemon's socket.
Here each HTTP connection is one such ssh process whose stdin and stdout are one end of a
socketpair, so urllib3 reads and writes a real socket.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from urllib.parse import unquote, urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection
from urllib3.connectionpool import HTTPConnectionPool

from dshell.engine.errors import EndpointError, EngineError
from dshell.records import dataclass

SSH_SCHEME = "http+ssh"
CONNECT_TIMEOUT = 30


@dataclass(frozen=True)
class SSHTarget:
    """``ssh://[user@]host[:port]`` split as docker's ``ssh.ParseURL`` does."""

    host: str
    user: str = ""
    port: str = ""

    def command(self) -> list[str]:
        """The argv docker runs (``-o ConnectTimeout=30 -T`` included)."""
        argv = ["ssh", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}", "-T"]
        if self.user:
            argv += ["-l", self.user]
        if self.port:
            argv += ["-p", self.port]
        return argv + ["--", self.host, "docker", "system", "dial-stdio"]


def parse_ssh_url(url: str) -> SSHTarget:
    """Refuse what docker refuses: passwords, paths, queries and fragments."""
    parts = urlsplit(url)
    if parts.scheme != "ssh":
        raise EndpointError(f"invalid ssh URL: {url}")
    if parts.password is not None:
        raise EndpointError("plain-text password is not supported")
    if not parts.hostname:
        raise EndpointError("no host specified")
    if parts.path not in ("", "/"):
        raise EndpointError(f"extra path after the host: {parts.path!r}")
    if parts.query:
        raise EndpointError(f"extra query after the host: {parts.query!r}")
    if parts.fragment:
        raise EndpointError(f"extra fragment after the host: {parts.fragment!r}")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return SSHTarget(host=host, user=unquote(parts.username or ""),
                     port=str(parts.port) if parts.port else "")


class SSHProcess:
    """One ``docker system dial-stdio`` over ssh; ``socket`` is our end of its pipes. Its
    stderr goes to a temp file, so it can be read after it exited without a pipe deadlock."""

    def __init__(self, target: SSHTarget, history: list[SSHProcess]) -> None:
        if shutil.which("ssh") is None:
            raise EngineError('exec: "ssh": executable file not found in $PATH')
        ours, theirs = socket.socketpair()
        self.stderr_file = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                target.command(), stdin=theirs, stdout=theirs, stderr=self.stderr_file,
                start_new_session=True)
        finally:
            theirs.close()
        self.socket = ours
        self.stderr = ""
        history[:] = [*history[-3:], self]

    def wait_stderr(self, timeout: float = 5.0) -> tuple[int | None, str]:
        """(exit status, stderr) once ssh has exited (waiting a little if it is exiting)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self._read_stderr()
        return self.process.returncode, self.stderr

    def _read_stderr(self) -> None:
        if self.stderr_file.closed or self.process.poll() is None:
            return
        self.stderr_file.seek(0)
        self.stderr = self.stderr_file.read().decode(errors="replace")  # raw, as docker

    def _peer_closed(self) -> bool:
        try:
            return self.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def close(self) -> None:
        if self.process.poll() is None and self._peer_closed():
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=2)  # ssh is exiting: keep what it says
        with contextlib.suppress(OSError):
            self.socket.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        else:
            self._read_stderr()
        self.stderr_file.close()


class _SSHConnection(HTTPConnection):
    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.target = kwargs.pop("target")
        self.history = kwargs.pop("history")
        super().__init__(*args, **kwargs)
        self.ssh: SSHProcess | None = None

    def _new_conn(self) -> socket.socket:
        self.ssh = SSHProcess(self.target, self.history)
        return self.ssh.socket

    def close(self) -> None:
        super().close()
        if self.ssh is not None:
            self.ssh.close()
            self.ssh = None


class _SSHConnectionPool(HTTPConnectionPool):
    ConnectionCls = _SSHConnection

    def __init__(self, target: SSHTarget, maxsize: int, history: list[SSHProcess]) -> None:
        super().__init__("localhost", maxsize=maxsize, block=False)
        self.conn_kw["target"] = target
        self.conn_kw["history"] = history


class SSHAdapter(HTTPAdapter):
    """requests adapter: every URL goes to the one ssh target, each connection a process."""

    def __init__(self, target: SSHTarget, pool_maxsize: int = 4) -> None:
        super().__init__()
        self.target = target
        self.history: list[SSHProcess] = []
        self.pool = _SSHConnectionPool(target, pool_maxsize, self.history)

    def last_failure(self) -> tuple[int | None, str]:
        """Exit status and stderr of the newest ssh process (after a failed request)."""
        if not self.history:
            return None, ""
        return self.history[-1].wait_stderr()

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):  # noqa: ANN001, ANN201
        return self.pool

    def get_connection(self, url, proxies=None):  # noqa: ANN001, ANN201
        return self.pool

    def request_url(self, request, proxies):  # noqa: ANN001, ANN201
        return request.path_url

    def close(self) -> None:
        self.pool.close()
