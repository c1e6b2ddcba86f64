"""The terminal side of an attached session: raw mode, window size, signals, detach keys,
and the loop that moves bytes between the terminal and a hijacked connection.

Signals are never acted on inside their handler: the handler writes the signal number to a
self-pipe and the loop (the only place that may make HTTP calls) handles it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import signal
import struct
import termios
import tty
from collections.abc import Callable, Iterator
from typing import Protocol

from dshell.records import dataclass

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
#: Signals docker's CLI forwards to the container while attached without a TTY.
PROXIED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT,
                   signal.SIGUSR1, signal.SIGUSR2)  # fmt: skip


class DetachKeysError(ValueError):
    """``--detach-keys`` or ``detachKeys`` names a key that does not exist."""


def parse_detach_keys(keys: str) -> bytes:
    """moby/term ``ToBytes``: ``ctrl-p,ctrl-q`` → b"\\x10\\x11"; single characters as is."""
    codes = bytearray()
    for key in keys.split(","):
        if len(key) == 1:
            codes.append(ord(key))
            continue
        name = key.lower()
        if not name.startswith("ctrl-") or len(name) != 6:
            raise DetachKeysError(f"Unknown character: '{key}'")
        letter = name[5]
        if "a" <= letter <= "z":
            codes.append(ord(letter) - ord("a") + 1)
        elif letter in "@[\\]^_":
            codes.append({"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}[letter])
        else:
            raise DetachKeysError(f"Unknown character: '{key}'")
    return bytes(codes)


class EscapeProxy:
    """Watches typed bytes for the detach sequence; holds back a partial match."""

    def __init__(self, sequence: bytes) -> None:
        self.sequence = sequence
        self.held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Bytes to send on, and whether the full sequence was typed."""
        if not self.sequence:
            return data, False
        out = bytearray()
        for byte in data:
            candidate = self.held + bytes([byte])
            if self.sequence.startswith(candidate):
                self.held = candidate
                if candidate == self.sequence:
                    return bytes(out), True
            else:
                out += candidate
                self.held = b""
        return bytes(out), False


def window_size(fd: int) -> tuple[int, int] | None:
    """(rows, columns) of the terminal on ``fd``."""
    try:
        packed = fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8)
    except OSError:
        return None
    rows, cols = struct.unpack("HHHH", packed)[:2]
    return (rows, cols) if rows and cols else None


@contextlib.contextmanager
def raw_terminal(fd: int | None) -> Iterator[None]:
    """Put the terminal in raw mode; restore it however the block ends."""
    if fd is None or not os.isatty(fd):
        yield
        return
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class SignalPipe:
    """Route signals into a pipe the loop can select on; restores old handlers on close."""

    def __init__(self, signals: tuple[int, ...]) -> None:
        self.read_fd, self.write_fd = os.pipe()
        for fd in (self.read_fd, self.write_fd):
            os.set_blocking(fd, False)
        self.previous: dict[int, object] = {}
        for signum in signals:
            try:
                self.previous[signum] = signal.signal(signum, self._handle)
            except (ValueError, OSError):  # not the main thread, or not catchable
                pass

    def _handle(self, signum: int, frame: object) -> None:
        with contextlib.suppress(OSError):
            os.write(self.write_fd, bytes([signum]))

    def drain(self) -> list[int]:
        try:
            return list(os.read(self.read_fd, 256))
        except BlockingIOError:
            return []

    def close(self) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        os.close(self.read_fd)
        os.close(self.write_fd)


class RawStream(Protocol):
    def fileno(self) -> int: ...
    def pending(self) -> bool: ...
    def recv(self, size: int = ...) -> bytes: ...
    def sendall(self, data: bytes) -> None: ...
    def close_write(self) -> None: ...


@dataclass
class PumpResult:
    """How an attached session ended."""

    detached: bool = False
    interrupted: bool = False


def write_nothing(data: bytes) -> None:
    return None


def pump(
    conn: RawStream,
    *,
    stdin_fd: int | None,
    write_out: Callable[[bytes], None],
    write_err: Callable[[bytes], None],
    demultiplex: Callable[[bytes], list[tuple[int, bytes]]] | None,
    detach_keys: bytes = b"",
    on_resize: Callable[[], None] | None = None,
    on_signal: Callable[[int], None] | None = None,
    done_fd: int | None = None,
) -> PumpResult:
    """Move bytes until the daemon closes the stream (and ``done_fd`` is readable, if given).

    ``demultiplex`` splits a non-TTY stream into (stream, payload) frames as bytes arrive;
    None means a TTY's raw stream, written to ``write_out`` as is. ``on_signal`` gets proxied
    signals; without it SIGINT ends the loop as interrupted.
    """
    signals = (signal.SIGWINCH, *PROXIED_SIGNALS)
    pipe = SignalPipe(signals)
    proxy = EscapeProxy(detach_keys if stdin_fd is not None else b"")
    writers = {0: write_out, 1: write_out, 2: write_err, 3: write_err}
    stream_open, done = True, done_fd is None
    reading_stdin = stdin_fd is not None
    try:
        if on_resize is not None:
            on_resize()
        while stream_open or not done:
            watched = [pipe.read_fd]
            if stream_open:
                watched.append(conn.fileno())
            if reading_stdin and stream_open:
                watched.append(stdin_fd)
            if not done:
                watched.append(done_fd)
            if stream_open and conn.pending():
                ready = [conn.fileno()]
            else:
                try:
                    ready, _, _ = select.select(watched, [], [])
                except InterruptedError:
                    continue
            if pipe.read_fd in ready:
                for signum in pipe.drain():
                    if signum == signal.SIGWINCH:
                        if on_resize is not None:
                            on_resize()
                    elif on_signal is not None:
                        on_signal(signum)
                    elif signum == signal.SIGINT:
                        return PumpResult(interrupted=True)
            if stream_open and conn.fileno() in ready:
                data = conn.recv(65536)
                if not data:
                    stream_open = False
                elif demultiplex is None:
                    write_out(data)
                else:
                    for stream, payload in demultiplex(data):
                        writers.get(stream, write_nothing)(payload)
            if reading_stdin and stdin_fd in ready:
                try:
                    typed = os.read(stdin_fd, 65536)
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EIO):
                        raise
                    typed = b""
                if not typed:
                    reading_stdin = False
                    conn.close_write()
                else:
                    forward, detached = proxy.feed(typed)
                    if forward:
                        with contextlib.suppress(OSError):
                            conn.sendall(forward)
                    if detached:
                        return PumpResult(detached=True)
            if done_fd is not None and done_fd in ready:
                done = True
        return PumpResult()
    finally:
        pipe.close()


@contextlib.contextmanager
def terminal_handed_over(stdin: object, on_interrupt: Callable[[], None] | None = None
                         ) -> Iterator[None]:  # fmt: skip
    """While another program owns the terminal (``!vi``, a CLI plugin): Ctrl-C is the
    program's, not dshell's (``on_interrupt`` is all dshell does of it), and the terminal's
    modes are restored afterwards whatever the program left. ``stdin``: a session stream."""
    import threading

    saved = None
    fd = getattr(stdin, "fd", None)
    if getattr(stdin, "is_terminal", False) and fd is not None:
        with contextlib.suppress(OSError):
            saved = termios.tcgetattr(fd)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if in_main_thread else None

    def interrupted(_signum: int, _frame: object) -> None:
        # A handler, not SIG_IGN (which children would inherit): the child gets the default.
        if on_interrupt is not None:
            on_interrupt()

    if in_main_thread:
        signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)
        if saved is not None:
            with contextlib.suppress(OSError):
                termios.tcsetattr(fd, termios.TCSADRAIN, saved)
