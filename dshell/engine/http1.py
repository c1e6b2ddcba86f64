"""One HTTP/1.1 request and its whole answer on an open socket, read in large blocks.

The transport's short way for non-streamed calls on the unix socket: requests-unixsocket
still opens, pools and times out the connection; this writes the bytes http.client would
write and reads the answer with the rules http.client reads it by (status line, headers,
``Content-Length`` / chunked / until close, 1xx skipped, no body for HEAD, 204 and 304), and
fails with http.client's own exceptions (wrapped in ``BrokenBody`` once the headers are in),
which the transport turns into the requests exceptions urllib3's way would have given.
What it leaves out is http.client's header parsing through the ``email`` package and its
per-response file objects: together most of a small call's client-side cost.
"""

from __future__ import annotations

import http.client
import re
import socket
from typing import NamedTuple

#: http.client's limits: the longest line it reads, the most headers it takes.
MAX_LINE = 65536
MAX_HEADERS = 100
_BLOCK = 65536
#: Methods whose missing body http.client announces as ``Content-Length: 0``.
_BODY_EXPECTED = frozenset({"PATCH", "POST", "PUT"})
#: What http.client refuses in a request target (and urllib3 in a method), a header name and
#: a header value.
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_HEADER_NAME = re.compile(rb"[^:\s][^:\r\n]*")
_BAD_VALUE = re.compile(rb"\n(?![ \t])|\r(?![ \t\n])")


class BrokenBody(Exception):
    """The answer's body failed after its headers were read; ``cause`` is why: an OSError,
    http.client's IncompleteRead, or ``BadChunkSize``. (urllib3 reports these differently
    from a failure before the headers, so the caller must tell them apart.)"""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(cause)
        self.cause = cause


class BadChunkSize(Exception):
    """A chunk-size line that is not hex (``line`` empty: the stream ended there)."""

    def __init__(self, line: bytes, read: int) -> None:
        super().__init__(line, read)
        self.line = line
        self.read = read  # body bytes read before it


class Answer(NamedTuple):
    """A response as read: its status line, its headers in order, its body."""

    version: int  # 10 or 11, as http.client's ``HTTPResponse.version``
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    will_close: bool


def request_bytes(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | str | None
) -> bytes | None:
    """The bytes http.client's ``request()`` sends for these arguments, or ``None`` for a
    case this does not reproduce (then the caller lets http.client do it)."""
    if _CONTROL_OR_SPACE.search(method) or _CONTROL_OR_SPACE.search(target):
        return None
    if isinstance(body, str):  # http.client sends text as ISO-8859-1
        try:
            body = body.encode("iso-8859-1")
        except UnicodeError:
            return None
    names = {name.lower() for name in headers}
    lines = [f"{method} {target} HTTP/1.1"]
    if "host" not in names:
        lines.append(f"Host: {host}")
    if "accept-encoding" not in names:
        lines.append("Accept-Encoding: identity")
    if "content-length" not in names and "transfer-encoding" not in names:
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        elif method.upper() in _BODY_EXPECTED:
            lines.append("Content-Length: 0")
    try:
        head = "\r\n".join(lines).encode("ascii")
        for name, value in headers.items():
            name_bytes = name.encode("ascii")
            value_bytes = value.encode("latin-1") if isinstance(value, str) else value
            if not _HEADER_NAME.fullmatch(name_bytes) or _BAD_VALUE.search(value_bytes):
                return None
            head += b"\r\n" + name_bytes + b": " + value_bytes
    except (UnicodeError, AttributeError, TypeError):
        return None
    return head + b"\r\n\r\n" + (body or b"")


class _Reader:
    """The socket's bytes, read in large blocks, taken as lines and counted runs."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = bytearray()
        self.start = 0

    def _fill(self) -> bool:
        if self.start:
            del self.buffer[: self.start]
            self.start = 0
        block = self.sock.recv(_BLOCK)
        if not block:
            return False
        self.buffer += block
        return True

    def line(self, what: str) -> bytes:
        """The next line with its ending (b"" at the end of the stream); http.client's
        LineTooLong past MAX_LINE bytes."""
        while True:
            end = self.buffer.find(b"\n", self.start)
            if end >= 0:
                if end + 1 - self.start > MAX_LINE:
                    raise http.client.LineTooLong(what)
                line = bytes(self.buffer[self.start : end + 1])
                self.start = end + 1
                return line
            if len(self.buffer) - self.start > MAX_LINE:
                raise http.client.LineTooLong(what)
            if not self._fill():
                line = bytes(self.buffer[self.start :])
                self.start = len(self.buffer)
                return line

    def exactly(self, count: int) -> bytes:
        """``count`` bytes; http.client's IncompleteRead if the stream ends first."""
        while len(self.buffer) - self.start < count:
            if not self._fill():
                got = bytes(self.buffer[self.start :])
                raise http.client.IncompleteRead(got, count - len(got))
        data = bytes(self.buffer[self.start : self.start + count])
        self.start += count
        return data

    def rest(self) -> bytes:
        """Everything until the other end closes."""
        while self._fill():
            pass
        data = bytes(self.buffer[self.start :])
        self.start = len(self.buffer)
        return data

    def pending(self) -> bool:
        return self.start < len(self.buffer)


def _status(reader: _Reader) -> tuple[int, int, str]:
    """http.client's ``_read_status``: (version, status, reason)."""
    raw = reader.line("status line")
    if not raw:
        raise http.client.RemoteDisconnected("Remote end closed connection without response")
    line = raw.decode("iso-8859-1")
    parts = line.split(None, 2)
    if len(parts) == 3:
        version, status, reason = parts
    elif len(parts) == 2:
        version, status, reason = (*parts, "")
    else:
        raise http.client.BadStatusLine(line)
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(line)
    try:
        code = int(status)
    except ValueError:
        raise http.client.BadStatusLine(line) from None
    if not 100 <= code <= 999:
        raise http.client.BadStatusLine(line)
    if version in ("HTTP/1.0", "HTTP/0.9"):
        number = 10
    elif version.startswith("HTTP/1."):
        number = 11
    else:
        raise http.client.UnknownProtocol(version)
    return number, code, reason.strip()


def _headers(reader: _Reader) -> list[tuple[str, str]]:
    """The header block as the ``email`` package (http.client's parser) gives its items:
    names as sent, values without leading blanks, folded lines joined as they came."""
    found: list[tuple[str, list[str]]] = []
    lines = 0
    while True:
        raw = reader.line("header line")
        if raw in (b"\r\n", b"\n", b""):
            break
        lines += 1
        if lines > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        line = raw.decode("iso-8859-1")
        if line[0] in " \t" and found:
            found[-1][1].append(line)
            continue
        name, colon, value = line.partition(":")
        if colon and name:
            found.append((name, [value.lstrip(" \t")]))
    return [(name, "".join(parts).rstrip("\r\n")) for name, parts in found]


def _chunked(reader: _Reader) -> bytes:
    """A chunked body, trailers read and dropped, as http.client's ``_read_chunked``."""
    parts: list[bytes] = []
    read = 0
    while True:
        line = reader.line("chunk size").split(b";", 1)[0]
        try:
            size = int(line, 16)
        except ValueError as err:
            raise BadChunkSize(line, read) from err
        if size == 0:
            break
        parts.append(reader.exactly(size))
        read += size
        reader.exactly(2)  # the CRLF after the chunk
    while reader.line("trailer line") not in (b"\r\n", b"\n", b""):
        pass
    return b"".join(parts)


def exchange(sock: socket.socket, request: bytes, method: str) -> tuple[Answer, bool]:
    """Send ``request`` and read its answer: (the answer, whether bytes came after it —
    then the connection is not in step and must not be used again). Failures before the
    body are http.client's exceptions or OSError; in the body, ``BrokenBody``."""
    sock.sendall(request)
    reader = _Reader(sock)
    while True:
        version, status, reason = _status(reader)
        if status != 100:
            break
        _headers(reader)  # http.client skips a 100 Continue and its headers
    headers = _headers(reader)
    fields: dict[str, str] = {}
    for name, value in headers:  # the first of a repeated name, as Message.get gives it
        fields.setdefault(name.lower(), value)
    connection = fields.get("connection", "").lower()
    if version == 11:
        will_close = "close" in connection
    else:
        will_close = "keep-alive" not in connection and "keep-alive" not in fields
    chunked = fields.get("transfer-encoding", "").lower() == "chunked"
    length: int | None = None
    if not chunked and "content-length" in fields:
        try:
            length = int(fields["content-length"])
        except ValueError:
            length = None
        if length is not None and length < 0:
            length = None
    if status in (204, 304) or 100 <= status < 200 or method == "HEAD":
        length, chunked = 0, False
    if not will_close and not chunked and length is None:
        will_close = True
    failure = None
    try:
        if chunked:
            body = _chunked(reader)
        elif length is not None:
            body = reader.exactly(length)
        else:
            body = reader.rest()
    except (OSError, http.client.HTTPException, BadChunkSize) as err:
        failure = err
    if failure is not None:
        raise BrokenBody(failure)  # outside the handler: it carries only its cause
    return Answer(version, status, reason, headers, body, will_close), reader.pending()
