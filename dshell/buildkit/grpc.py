"""A gRPC server on one HTTP/2 connection that the peer opened: the Engine is the gRPC client.

The BuildKit session turns the usual roles around: dshell dials ``/session``, the connection
is hijacked, and the Engine then speaks HTTP/2 (h2c, with the client preface) over it, calling
the services dshell serves. The ``h2`` library keeps the HTTP/2 state; gRPC on top is small:
each message is a 5-byte prefix (compressed flag, big-endian length) and its bytes, the
response starts with ``:status 200`` / ``content-type: application/grpc`` headers and ends
with ``grpc-status`` (and ``grpc-message``) trailers.

One thread reads the socket and feeds h2; each call runs its handler in a thread of its own
that reads messages from a queue and writes through the shared connection, waiting for the
peer's flow-control window when it is spent.
"""

from __future__ import annotations

import queue
import struct
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Protocol

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

# grpc status codes (google.golang.org/grpc/codes)
OK, CANCELLED, UNKNOWN, INVALID_ARGUMENT, NOT_FOUND, UNIMPLEMENTED, UNAVAILABLE = (
    0, 1, 2, 3, 5, 12, 14)  # fmt: skip
# Big receive windows: the Engine sends little except with --output, where it sends files.
RECEIVE_WINDOW = 16 * 1024 * 1024
READ_SIZE = 256 * 1024
_END = object()


class GrpcError(Exception):
    """Ends a call with this status code and message."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Transport(Protocol):
    """What the server needs of the hijacked connection."""

    def recv(self, size: int = ...) -> bytes: ...
    def sendall(self, data: bytes) -> None: ...


Handler = Callable[["Call"], None]


class Call:
    """One RPC: its metadata, the messages the peer sends, and a way to answer."""

    def __init__(self, server: GrpcServer, stream_id: int, method: str,
                 metadata: dict[str, list[str]]) -> None:  # fmt: skip
        self.server = server
        self.stream_id = stream_id
        self.method = method
        self.metadata = metadata
        self.inbound: queue.SimpleQueue[object] = queue.SimpleQueue()
        self.buffer = b""
        self.headers_sent = False
        self.reset = False
        #: one message at a time on the stream: a message waiting for the flow-control window
        #: releases the connection's lock, and another thread's frames must not come between
        self.send_lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------
    def _feed(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 5:
            _compressed, length = struct.unpack(">BI", self.buffer[:5])
            if len(self.buffer) < 5 + length:
                return
            self.inbound.put(self.buffer[5 : 5 + length])
            self.buffer = self.buffer[5 + length :]

    def messages(self) -> Iterator[bytes]:
        """The peer's messages until it half-closes (or the call is reset)."""
        while True:
            item = self.inbound.get()
            if item is _END:
                self.inbound.put(_END)  # later readers see the end too
                if self.reset:
                    raise GrpcError(CANCELLED, "call reset by the peer")
                return
            assert isinstance(item, bytes)
            yield item

    def request(self) -> bytes:
        """The one request message of a unary call."""
        for message in self.messages():
            return message
        return b""

    # -- writing -----------------------------------------------------------------------
    def send(self, message: bytes) -> None:
        """One response message, framed, sent as the flow-control window allows; callable
        from several threads."""
        with self.send_lock:
            self.server._send_data(self, struct.pack(">BI", 0, len(message)) + message)

    def send_many(self, messages: list[bytes]) -> None:
        """Several response messages in one write (many small ones: a walk's stats)."""
        data = b"".join(struct.pack(">BI", 0, len(m)) + m for m in messages)
        with self.send_lock:
            self.server._send_data(self, data)


class GrpcServer:
    """Serves gRPC calls from the peer on ``transport`` until it closes."""

    def __init__(self, transport: Transport, handlers: dict[str, Handler]) -> None:
        self.transport = transport
        self.handlers = handlers
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.lock = threading.Condition()
        self.calls: dict[int, Call] = {}
        self.closed = False
        self.failure: BaseException | None = None
        self.reader: threading.Thread | None = None

    def start(self) -> None:
        with self.lock:
            # set before the first SETTINGS frame, so that it announces them (values changed
            # later wait for the peer's acknowledgement, and the peer would stall at 64 KiB)
            self.conn.local_settings = h2.settings.Settings(client=False, initial_values={
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: RECEIVE_WINDOW,
                h2.settings.SettingCodes.MAX_FRAME_SIZE: 1 << 20,
            })  # fmt: skip
            self.conn.initiate_connection()
            self.conn.increment_flow_control_window(RECEIVE_WINDOW)
            self._flush()
        self.reader = threading.Thread(target=self._read_loop, name="buildkit-session",
                                       daemon=True)  # fmt: skip
        self.reader.start()

    def close(self) -> None:
        """Stop serving: every waiting call is woken and ends."""
        with self.lock:
            self.closed = True
            for call in self.calls.values():
                call.reset = True
                call.inbound.put(_END)
            self.lock.notify_all()

    # -- the socket ----------------------------------------------------------------------
    def _flush(self) -> None:
        """Send what h2 has queued; the caller holds the lock."""
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.transport.sendall(data)
            except OSError as exc:
                self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self.closed = True
        for call in self.calls.values():
            call.reset = True
            call.inbound.put(_END)
        self.lock.notify_all()

    def _read_loop(self) -> None:
        while True:
            try:
                data = self.transport.recv(READ_SIZE)
            except OSError as exc:
                with self.lock:
                    self._fail(exc)
                return
            with self.lock:
                if not data or self.closed:
                    self._fail(ConnectionError("session connection closed"))
                    return
                try:
                    events = self.conn.receive_data(data)
                except h2.exceptions.ProtocolError as exc:
                    self._fail(exc)
                    return
                for event in events:
                    self._event(event)
                self._flush()

    def _event(self, event: h2.events.Event) -> None:
        """One HTTP/2 event; the lock is held."""
        if isinstance(event, h2.events.RequestReceived):
            self._start_call(event.stream_id, event.headers or [])
        elif isinstance(event, h2.events.DataReceived):
            if event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length,
                                                    event.stream_id)  # fmt: skip
            call = self.calls.get(event.stream_id)
            if call is not None and event.data:
                call._feed(event.data)
        elif isinstance(event, h2.events.StreamEnded):
            call = self.calls.get(event.stream_id)
            if call is not None:
                call.inbound.put(_END)
        elif isinstance(event, h2.events.StreamReset):
            call = self.calls.get(event.stream_id)
            if call is not None:
                call.reset = True
                call.inbound.put(_END)
            self.lock.notify_all()
        elif isinstance(event, (h2.events.WindowUpdated, h2.events.RemoteSettingsChanged)):
            self.lock.notify_all()
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._fail(ConnectionError("session connection terminated"))

    def _start_call(self, stream_id: int, raw_headers: list) -> None:
        method = ""
        metadata: dict[str, list[str]] = {}
        for key, value in raw_headers:
            name = key.decode("latin-1") if isinstance(key, bytes) else key
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            if name == ":path":
                method = text
            elif not name.startswith(":"):
                metadata.setdefault(name.lower(), []).append(text)
        call = Call(self, stream_id, method, metadata)
        self.calls[stream_id] = call
        handler = self.handlers.get(method)
        threading.Thread(target=self._run_call, args=(call, handler), daemon=True,
                         name=f"grpc {method}").start()  # fmt: skip

    def _run_call(self, call: Call, handler: Handler | None) -> None:
        code, message = OK, ""
        try:
            if handler is None:
                raise GrpcError(UNIMPLEMENTED, f"unknown method {call.method}")
            handler(call)
        except GrpcError as exc:
            code, message = exc.code, exc.message
        except Exception as exc:  # noqa: BLE001 - a handler's failure ends its call, not dshell
            code, message = UNKNOWN, str(exc) or type(exc).__name__
        self._finish(call, code, message)

    # -- answering ----------------------------------------------------------------------
    def _send_headers(self, call: Call) -> None:
        if not call.headers_sent:
            call.headers_sent = True
            self.conn.send_headers(
                call.stream_id, [(":status", "200"), ("content-type", "application/grpc")]
            )

    def _send_data(self, call: Call, data: bytes) -> None:
        view = memoryview(data)
        with self.lock:
            self._check(call)
            self._send_headers(call)
            while view:
                self._check(call)
                try:
                    window = min(self.conn.local_flow_control_window(call.stream_id),
                                 self.conn.max_outbound_frame_size)  # fmt: skip
                except h2.exceptions.StreamClosedError:
                    raise GrpcError(CANCELLED, "stream closed") from None
                if window <= 0:
                    self._flush()  # what the window allowed goes now; then wait for more
                    self.lock.wait()
                    continue
                self.conn.send_data(call.stream_id, view[:window])
                view = view[window:]
            self._flush()  # the message's frames in one write

    def _check(self, call: Call) -> None:
        if self.closed or call.reset:
            raise GrpcError(CANCELLED, "session closed")

    def _finish(self, call: Call, code: int, message: str) -> None:
        with self.lock:
            self.calls.pop(call.stream_id, None)
            if self.closed or call.reset:
                return
            trailers = [("grpc-status", str(code))]
            if message:
                trailers.append(("grpc-message", urllib.parse.quote(message, safe=" ")))
            try:
                if call.headers_sent:
                    self.conn.send_headers(call.stream_id, trailers, end_stream=True)
                else:
                    call.headers_sent = True
                    self.conn.send_headers(call.stream_id, [
                        (":status", "200"), ("content-type", "application/grpc"), *trailers,
                    ], end_stream=True)  # fmt: skip
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                return
            self._flush()
