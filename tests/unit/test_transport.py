"""The unix-socket transport keeps one connection pool per socket, whatever the URL, and its
short way to the adapter sends what ``Session.request`` sends."""

import socket
import threading
from urllib.parse import quote

import pytest
import requests

from dshell.engine.endpoint import Endpoint
from dshell.engine.transport import SocketPoolAdapter, Transport


def test_one_pool_per_socket_whatever_the_path_and_query():
    adapter = SocketPoolAdapter()
    base = f"http+unix://{quote('/tmp/a.sock', safe='')}"
    first = adapter.get_connection(f"{base}/v1.41/containers/json?all=1")
    second = adapter.get_connection(f"{base}/v1.41/images/json?filters=%7B%7D")
    other = adapter.get_connection(f"http+unix://{quote('/tmp/b.sock', safe='')}/_ping")
    assert first is second
    assert other is not first
    assert first.pool.maxsize == 10


# --- Transport.send puts on the wire exactly what Session.request put there ------------------


ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
    b"Api-Version: 1.41\r\nX-Twice: a\r\nx-twice: b\r\n"
    b'Content-Length: 11\r\n\r\n{"a": "\xc3\xa9"}'
)


class RecordingServer:
    """An HTTP/1.1 server on a unix socket that keeps each request's bytes and answers
    ``ANSWER``; it counts the connections it accepted."""

    def __init__(self, path: str) -> None:
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(path)
        self.listener.listen()
        self.requests: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = 0
            chunked = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                if name.lower() == b"transfer-encoding":
                    chunked = True
            if chunked:
                while not buffer.endswith(b"0\r\n\r\n"):
                    buffer += conn.recv(65536)
                length = len(buffer)
            while len(buffer) < length:
                buffer += conn.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            conn.sendall(ANSWER)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def served(tmp_path):
    path = str(tmp_path / "s.sock")
    server = RecordingServer(path)
    transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "dshell/t")
    yield server, transport
    transport.session.close()
    server.close()


CASES = [
    ("GET", "/v1.41/containers/json", {"all": b"1", "filters": b'{"name":["x"]}'}, {}),
    ("GET", "/v1.41/containers/n%E9/json", None, {}),
    (
        "GET",
        "/v1.41/images/get?names=a%2Fb",
        {"x": "caf\udce9".encode("utf-8", "surrogateescape")},
        {},
    ),
    ("GET", "/v1.41/images/json?", {"all": b"1"}, {}),
    ("GET", "/v1.41/containers/a%41b/json", None, {}),
    ("GET", "/v1.41/containers/a#b/json", None, {}),
    ("GET", "/v1.41/containers/a b[1]/json", None, {}),
    ("POST", "/v1.41/containers/x/start", None, {}),
    ("POST", "/v1.41/containers/create", {"name": b"web"}, {"json": {"Image": "busybox", "n": 1}}),
    (
        "PUT",
        "/v1.41/containers/x/archive",
        {"path": b"/tmp"},
        {"data": b"tar bytes", "headers": {"Content-Type": "application/x-tar"}},
    ),
    ("POST", "/v1.41/x/text", None, {"data": "text", "headers": {"Content-Type": "text/plain"}}),
    (
        "POST",
        "/v1.41/build",
        None,
        {"data": iter([b"ab", b"cd"]), "headers": {"accept-encoding": "identity"}},
    ),
    (
        "POST",
        "/v1.41/images/create",
        {"fromImage": b"busybox"},
        {"headers": {"X-Registry-Auth": "e30=", "Accept": None}},
    ),
    ("HEAD", "/v1.41/containers/x/archive", {"path": b"/"}, {}),
]


@pytest.mark.parametrize(("method", "path", "params", "extra"), CASES)
def test_send_writes_the_bytes_session_request_writes(served, method, path, params, extra):
    server, transport = served
    url = transport.base + path
    if "data" in extra and not isinstance(extra["data"], (bytes, str)):
        chunks = list(extra["data"])
        session_extra = {**extra, "data": iter(chunks)}
        extra = {**extra, "data": iter(chunks)}
    else:
        session_extra = extra
    # A first call opens the connection; the two compared then both run on it (one pool), so
    # ours takes its short way (http.client on the kept connection).
    transport.send("GET", transport.base + "/_ping", timeout=(5, 5))
    theirs = transport.session.request(method, url, params=params, timeout=(5, 5), **session_extra)
    ours = transport.send(method, url, params=params, timeout=(5, 5), **extra)
    assert server.requests[2] == server.requests[1]
    assert server.connections == 1
    assert (ours.status_code, ours.reason, dict(ours.headers)) == (
        theirs.status_code,
        theirs.reason,
        dict(theirs.headers),
    )
    if method != "HEAD":
        assert ours.content == theirs.content
        assert ours.json() == theirs.json() == {"a": "é"}
    assert ours.headers["api-version"] == "1.41"
    assert ours.headers["X-TWICE"] == theirs.headers["X-TWICE"] == "a, b"
    assert ours.encoding == theirs.encoding == "utf-8"
    assert isinstance(ours, requests.Response)
    assert len(ours.cookies) == 0


def test_send_keeps_one_connection_and_streams(served):
    server, transport = served
    for _ in range(5):
        transport.send("GET", transport.base + "/_ping", timeout=(5, 5))
    streamed = transport.send("GET", transport.base + "/events", stream=True, timeout=(5, None))
    assert b"".join(streamed.iter_content(4)) == b'{"a": "\xc3\xa9"}'
    assert server.connections == 1


def _chain(exc: BaseException) -> list[str]:
    """The exception and what it wraps, by type name and errno, as client.py reads them."""
    from dshell.engine.client import _causes

    return sorted(
        f"{type(cause).__name__}:{getattr(cause, 'errno', None)}" for cause in _causes(exc)
    )


def test_send_fails_as_session_request_fails_on_a_missing_socket(tmp_path):
    path = str(tmp_path / "none.sock")
    transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "dshell/t")
    failures = []
    for send in (transport.session.request, transport.send):
        with pytest.raises(requests.ConnectionError) as caught:
            send("GET", transport.base + "/_ping", timeout=(5, 5))
        failures.append(caught.value)
    _assert_same_failure(failures, "FileNotFoundError:2")


def _listening(path: str, handle) -> socket.socket:  # noqa: ANN001
    """A unix socket at ``path`` whose first two connections ``handle`` serves."""
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            handle(conn)

    threading.Thread(target=serve, daemon=True).start()
    return listener


def _assert_same_failure(failures: list[BaseException], cause: str) -> None:
    """Ours (second) is Session.request's failure (first): its type and every cause."""
    assert type(failures[1]) is type(failures[0])
    assert _chain(failures[1]) == _chain(failures[0])
    assert cause in _chain(failures[1])


def test_send_fails_as_session_request_fails_when_the_server_hangs_up(tmp_path):
    path = str(tmp_path / "s.sock")

    def hang_up(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.close()

    listener = _listening(path, hang_up)
    transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "dshell/t")
    failures = []
    for send in (transport.session.request, transport.send):
        with pytest.raises(requests.ConnectionError) as caught:
            send("GET", transport.base + "/_ping", timeout=(5, 5))
        failures.append(caught.value)
    listener.close()
    _assert_same_failure(failures, "RemoteDisconnected:None")


def test_a_kept_connection_hung_up_on_fails_as_session_request_fails(tmp_path):
    """The daemon goes away after reading a request on a connection already used once: the
    short way (http.client on the kept connection) reports what urllib3's way reports."""
    path = str(tmp_path / "s.sock")

    def answer_once_then_hang_up(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(ANSWER)
        conn.recv(65536)
        conn.close()

    listener = _listening(path, answer_once_then_hang_up)
    failures = []
    for short_way in (False, True):
        transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "d/t")
        send = transport.send if short_way else transport.session.request
        assert send("GET", transport.base + "/_ping", timeout=(5, 5)).json() == {"a": "é"}
        with pytest.raises(requests.ConnectionError) as caught:
            send("GET", transport.base + "/_ping", timeout=(5, 5))
        failures.append(caught.value)
    listener.close()
    _assert_same_failure(failures, "RemoteDisconnected:None")


# --- the short way reads every answer as http.client (through urllib3) reads it ---------------

#: Raw answers to a second request on a kept connection; ``close``: the server hangs up after.
SHAPES = {
    "chunked with an extension and a trailer": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\n",
        False,
    ),
    "Connection: close with a length": (
        b"HTTP/1.1 201 Created\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
        True,
    ),
    "HTTP/1.0 without a length, to the end": (b"HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nuntil eof", True),
    "204 with no body": (b"HTTP/1.1 204 No Content\r\nApi-Version: 1.41\r\n\r\n", False),
    "304 with no body": (b"HTTP/1.1 304 Not Modified\r\n\r\n", False),
    "100 Continue first": (
        b"HTTP/1.1 100 Continue\r\nX-Skipped: 1\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes",
        False,
    ),
    "no reason, blanks around values, a repeated name": (
        b"HTTP/1.1 404\r\nX-A:   spaced  \r\nx-a:\tb\r\nContent-Length: 0\r\n\r\n",
        False,
    ),
    "bare LF line endings": (b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", False),
    "a body shorter than its length": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", True),
    "a chunk cut short": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
        True,
    ),
    "a bad chunk size": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        True,
    ),
    "a stall mid-body (read timeout)": (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", False),
    "a stall before the status line (read timeout)": (b"", False),
    "not an HTTP status line": (b"SSH-2.0-OpenSSH\r\n\r\n", True),
    "a status out of range": (b"HTTP/1.1 42 Odd\r\nContent-Length: 0\r\n\r\n", True),
    "HTTP/2 status line": (b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", True),
    "a hang-up mid-headers": (b"HTTP/1.1 200 OK\r\nContent-Le", True),
    "too many headers": (
        b"HTTP/1.1 200 OK\r\n" + b"X-H: v\r\n" * 101 + b"Content-Length: 0\r\n\r\n",
        True,
    ),
    "a header line too long": (
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 70000 + b"\r\nContent-Length: 0\r\n\r\n",
        True,
    ),
}


def _serve_shapes(path: str, shape: bytes, close: bool, accepted: list | None = None
                  ) -> socket.socket:  # fmt: skip
    """Each connection: ``ANSWER`` to its first request, ``shape`` to its second (then a
    hang-up if ``close``), ``ANSWER`` again to any later one; ``accepted`` counts them."""

    def one(conn: socket.socket) -> None:
        with conn:
            for number in range(3):
                got = b""
                while b"\r\n\r\n" not in got:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    got += chunk
                conn.sendall(shape if number == 1 else ANSWER)
                if number == 1 and close:
                    return

    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if accepted is not None:
                accepted.append(conn)
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener


def _outcome(send, url: str, method: str, read_timeout: float):  # noqa: ANN001, ANN202
    """What a call gives: its status, reason, headers and body, or its failure's chain."""
    try:
        response = send(method, url, timeout=(5, read_timeout))
    except requests.RequestException as err:
        return ("failed", type(err).__name__, _chain(err), str(err))
    return (response.status_code, response.reason, dict(response.headers), response.content)


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_short_way_reads_an_answer_as_urllib3_does(tmp_path, monkeypatch, shape, method):
    from dshell.engine import http1

    raw, close = SHAPES[shape]
    path = str(tmp_path / "s.sock")
    listener = _serve_shapes(path, raw, close)
    exchanges = []
    real_exchange = http1.exchange

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        exchanges.append(args[2])
        return real_exchange(*args, **kwargs)

    monkeypatch.setattr(http1, "exchange", counted)
    outcomes = []
    for short_way in (False, True):
        transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "d/t")
        send = transport.send if short_way else transport.session.request
        url = transport.base + "/x"
        assert send("GET", url, timeout=(5, 5)).json() == {"a": "é"}  # opens the connection
        outcomes.append(_outcome(send, url, method, 0.3 if "timeout" in shape else 5))
        # The connection kept (or replaced after a hang-up) still serves the next call.
        assert send("GET", url, timeout=(5, 5)).json() == {"a": "é"}
        transport.session.close()
    listener.close()
    assert outcomes[1] == outcomes[0]
    assert method in exchanges  # ours took the short way for the compared call


def test_bytes_after_an_answer_retire_its_connection(tmp_path):
    """An answer followed by stray bytes: the call gets its answer, and the connection (no
    longer in step with the server) is not used again, where http.client would have read
    the stray bytes as the next call's status line."""
    path = str(tmp_path / "s.sock")
    stray = ANSWER + b"HTTP/1.1 500 Stray\r\nContent-Length: 0\r\n\r\n"
    accepted: list = []
    listener = _serve_shapes(path, stray, close=False, accepted=accepted)
    transport = Transport(Endpoint(host=f"unix://{path}", proto="unix", addr=path), "d/t")
    url = transport.base + "/x"
    answers = [transport.send("GET", url, timeout=(5, 5)) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert [answer.json() for answer in answers] == [{"a": "é"}] * 3
    assert len(accepted) == 2  # the third call went out on a new connection
    transport.session.close()
    listener.close()
