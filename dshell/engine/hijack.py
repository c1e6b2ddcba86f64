"""Hijacked connections (attach, exec start): an HTTP upgrade, then raw bytes both ways.

The request is written by hand on a fresh socket so that bytes arriving together with the
``101 UPGRADED`` answer are kept (reading the socket out from under http.client loses them).
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Callable
from typing import Any

from dshell.engine.endpoint import Endpoint
from dshell.engine.errors import DaemonUnreachable, EngineError, api_error
from dshell.engine.urls import urlencode

CONNECT_TIMEOUT = 10.0
HEADER_LIMIT = 64 * 1024


class HijackedConnection:
    """A raw duplex byte stream to the daemon; ``leftover`` bytes are returned first."""

    def __init__(
        self, sock: socket.socket, leftover: bytes, closer: Callable[[], None] | None = None
    ) -> None:
        self.sock = sock
        self.leftover = leftover
        self.write_closed = False
        self.closer = closer

    def fileno(self) -> int:
        return self.sock.fileno()

    def pending(self) -> bool:
        """Data is readable without waiting on the socket (leftover or TLS-buffered)."""
        if self.leftover:
            return True
        return isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0

    def recv(self, size: int = 65536) -> bytes:
        if self.leftover:
            data, self.leftover = self.leftover[:size], self.leftover[size:]
            return data
        try:
            return self.sock.recv(size)
        except ssl.SSLZeroReturnError:
            return b""
        except ConnectionResetError:
            return b""

    def sendall(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close_write(self) -> None:
        """stdin reached EOF: shut the write half so the container sees EOF too."""
        if self.write_closed:
            return
        self.write_closed = True
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass
        if self.closer is not None:
            self.closer()


def _connect(endpoint: Endpoint) -> tuple[socket.socket, Callable[[], None] | None]:
    """A fresh socket to the daemon, and what must be closed with it (an ssh process)."""
    if endpoint.proto == "ssh":
        from dshell.engine.ssh import SSHProcess, parse_ssh_url

        process = SSHProcess(parse_ssh_url(endpoint.host), [])
        return process.socket, process.close
    try:
        if endpoint.proto == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(endpoint.addr)
        elif endpoint.proto == "tcp":
            host, _, port = endpoint.addr.rpartition(":")
            sock = socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT)
            if endpoint.tls is not None:
                sock = _wrap_tls(sock, endpoint, host.strip("[]"))
        else:
            raise EngineError(f"{endpoint.proto}:// endpoints are not supported yet: "
                              f"{endpoint.host}")  # fmt: skip
    except PermissionError:
        raise DaemonUnreachable(
            "permission denied while trying to connect to the Docker daemon socket at "
            f"{endpoint.host}: connect: permission denied"
        ) from None
    except ssl.SSLError as exc:
        raise EngineError(f"error during connect: {exc}") from None
    except OSError:
        raise DaemonUnreachable(
            f"Cannot connect to the Docker daemon at {endpoint.host}. "
            "Is the docker daemon running?"
        ) from None
    sock.settimeout(None)
    return sock, None


def _wrap_tls(sock: socket.socket, endpoint: Endpoint, host: str) -> ssl.SSLSocket:
    tls = endpoint.tls
    assert tls is not None
    context = ssl.create_default_context(cafile=tls.ca_file if tls.verify else None)
    if not tls.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context.wrap_socket(sock, server_hostname=host)


def _read_head(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read the status line and headers; return (status, headers, bytes read past them)."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            raise EngineError("error during connect: the daemon closed the connection")
        buffer += chunk
        if len(buffer) > HEADER_LIMIT:
            raise EngineError("error during connect: response headers too long")
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return status, headers, rest


def _read_error_body(sock: socket.socket, headers: dict[str, str], rest: bytes) -> str:
    length = headers.get("content-length")
    body = rest
    sock.settimeout(5)
    try:
        while length is None or len(body) < int(length):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except (OSError, ValueError):
        pass
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    try:
        message = json.loads(body)
        if isinstance(message, dict) and "message" in message:
            return str(message["message"])
    except ValueError:
        pass
    return body.decode(errors="replace").strip()


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


def hijack(
    endpoint: Endpoint,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    body: Any = None,
    user_agent: str = "dshell",
    upgrade: str = "tcp",
    headers: list[tuple[str, str]] | None = None,
) -> HijackedConnection:
    """``POST path`` with ``Upgrade: tcp``; return the raw stream or raise the daemon's error.

    ``path`` already carries the ``/v1.xx`` prefix. BuildKit's session upgrades to ``h2c``
    and names itself in extra ``headers``.
    """
    query = {k: ("1" if v is True else str(v)) for k, v in (params or {}).items()
             if v is not None and v is not False}  # fmt: skip
    target = path + (f"?{urlencode(query)}" if query else "")
    payload = json.dumps(body).encode() if body is not None else b""
    host = endpoint.addr if endpoint.proto == "tcp" else "docker"
    request = (
        f"POST {target} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"User-Agent: {user_agent}\r\n"
        "Connection: Upgrade\r\n"
        f"Upgrade: {upgrade}\r\n"
        + "".join(f"{key}: {value}\r\n" for key, value in headers or ())
        + "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    sock, closer = _connect(endpoint)
    connection = HijackedConnection(sock, b"", closer)
    try:
        sock.sendall(request)
        status, headers, rest = _read_head(sock)
        if status in (101, 200):
            connection.leftover = rest
            return connection
        message = _read_error_body(sock, headers, rest)
    except OSError as exc:
        connection.close()
        raise EngineError(f"error during connect: {exc}") from None
    except BaseException:
        connection.close()
        raise
    connection.close()
    raise api_error(status, message)
