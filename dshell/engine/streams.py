"""Body formats of streamed Engine answers: multiplexed frames and JSON progress objects."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from dshell.engine.errors import EngineError

if TYPE_CHECKING:
    import requests

STDIN, STDOUT, STDERR, SYSTEM_ERROR = 0, 1, 2, 3
#: The 8-byte header of a multiplexed frame: stream, three zero bytes, big-endian size.
FRAME_HEADER = struct.Struct(">BxxxL")


class UnexpectedEOF(EngineError):
    """A streamed answer ended before its last chunk: the daemon went away mid-stream.

    docker's HTTP client reports Go's ``io.ErrUnexpectedEOF`` then, in these words."""

    def __init__(self) -> None:
        super().__init__("unexpected EOF")


def body_chunks(response: requests.Response, size: int | None = None) -> Iterator[bytes]:
    """``response.iter_content(size)``; a body cut short raises ``UnexpectedEOF``."""
    import requests

    try:
        yield from response.iter_content(size)
    except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
        raise UnexpectedEOF() from exc


class FrameDecoder:
    """Incremental decoder of a multiplexed stream (no TTY): feed bytes as they arrive, get
    the complete (stream, payload) frames; frames may be split across or packed into feeds."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buffer += data
        frames = []
        while len(self.buffer) >= FRAME_HEADER.size:
            stream, size = FRAME_HEADER.unpack_from(self.buffer)
            end = FRAME_HEADER.size + size
            if len(self.buffer) < end:
                break
            frames.append((stream, bytes(self.buffer[FRAME_HEADER.size : end])))
            del self.buffer[:end]
        return frames


def demultiplex(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Split a multiplexed stream given as chunks into (stream, payload) pairs."""
    decoder = FrameDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)


def iter_json_objects(chunks: Iterable[bytes]) -> Iterator[dict]:
    """Decode JSON objects that may be split across or packed into chunks (pull, build...)."""
    decoder = json.JSONDecoder()
    pending = b""
    text = ""
    for chunk in chunks:
        pending += chunk
        try:
            text += pending.decode("utf-8")
            pending = b""
        except UnicodeDecodeError as exc:
            text += pending[: exc.start].decode("utf-8")
            pending = pending[exc.start :]
        while True:
            stripped = text.lstrip()
            if not stripped:
                text = ""
                break
            try:
                obj, end = decoder.raw_decode(stripped)
            except ValueError:
                text = stripped
                break
            text = stripped[end:]
            yield obj


#: How much a bulk body read asks for at once (cp, save, export, logs), and the block every
#: bulk copy moves through: 128 KiB stays in the CPU's cache between the read and the write.
#: 1 MiB blocks did not, and doubled the system time of a 100 MB ``save -o`` (+25% wall).
BLOCK_SIZE = 1 << 17


class BodyReader:
    """The decoded body of a streamed response, read in large blocks straight from the
    connection's socket file; ``readinto`` fills the caller's buffer, so a 100 MB archive
    costs a hundred reads, not a few thousand urllib3 calls of one HTTP chunk each.

    The chunked framing is decoded here over a reusable 1 MiB buffer; payload that is not yet
    buffered goes from the socket straight into the caller's buffer. A body cut short (the
    daemon went away) raises ``UnexpectedEOF``, as Go's chunked reader reports it. Bodies
    with a Content-Encoding, or a transport without a socket file, are read through urllib3.
    The connection is then left half-read: ``response.close()`` drops it, never reuses it.
    """

    def __init__(self, response: requests.Response, block_size: int = BLOCK_SIZE) -> None:
        raw = response.raw
        inner = getattr(raw, "_fp", None)
        socket_file = getattr(inner, "fp", None)
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        chunked = bool(getattr(inner, "chunked", False))
        untouched = not getattr(raw, "_fp_bytes_read", 0) and (
            not chunked or getattr(inner, "chunk_left", None) is None
        )
        raw_file = getattr(socket_file, "raw", None)
        direct = (encoding in ("", "identity") and untouched and hasattr(socket_file, "read1")
                  and hasattr(raw_file, "readinto"))  # fmt: skip
        self._raw = raw
        self._file = socket_file if direct else None
        self._socket = raw_file
        self._stash: memoryview | None = None  # what http.client's buffered reader held
        self._chunked = direct and chunked
        length = getattr(inner, "length", None) if direct else None
        #: Bytes of the body still due: -1 while unknown (chunked, or read until close).
        self._remaining = length if isinstance(length, int) and not self._chunked else -1
        self._buffer = bytearray(block_size if self._chunked else 0)
        self._view = memoryview(self._buffer)
        self._start = self._end = 0
        self._left = 0  # payload bytes still due in the current chunk
        self._after_payload = False  # a chunk's closing CRLF is due
        self._done = False

    def readinto(self, target: memoryview | bytearray) -> int:
        """Read what the connection has ready (at least one byte) into ``target``; 0 at the
        end of the body."""
        if self._done or not len(target):
            return 0
        try:
            if self._file is None:
                return self._read_through_urllib3(target)
            if not self._chunked:
                return self._read_plain(target)
            return self._read_chunked(target)
        except (OSError, ValueError) as exc:
            raise UnexpectedEOF() from exc

    def readfull(self, target: memoryview | bytearray) -> int:
        """Fill ``target`` unless the body ends first (bulk copies: fewer, bigger writes)."""
        view = memoryview(target)
        filled = 0
        while filled < len(view):
            count = self.readinto(view[filled:])
            if not count:
                break
            filled += count
        return filled

    def blocks(self, size: int = BLOCK_SIZE) -> Iterator[memoryview]:
        """The body as views of one reused buffer of ``size`` bytes, each full but the last;
        a view is valid until the next one is asked for."""
        view = memoryview(bytearray(size))
        while count := self.readfull(view):
            yield view[:count]

    def _recv(self, target: memoryview) -> int:
        """What the socket has ready, at least one byte (0: closed). The bytes http.client's
        buffered reader already holds come first; after them the socket is read directly
        (BufferedReader.readinto1 would block for more while it holds the body's end)."""
        if self._stash is None:
            self._stash = memoryview(self._file.read1(1 << 20))
        if self._stash:
            count = min(len(target), len(self._stash))
            target[:count] = self._stash[:count]
            self._stash = self._stash[count:]
            return count
        return self._socket.readinto(target) or 0

    # -- the three framings ------------------------------------------------------------
    def _read_plain(self, target: memoryview | bytearray) -> int:
        view = memoryview(target)
        if self._remaining >= 0:
            if not self._remaining:
                self._done = True
                return 0
            view = view[: self._remaining]
        count = self._recv(view)
        if not count:
            self._done = True
            if self._remaining > 0:
                raise UnexpectedEOF()
            return 0
        if self._remaining > 0:
            self._remaining -= count
        return count

    def _read_chunked(self, target: memoryview | bytearray) -> int:
        """Payload of as many chunks as are buffered, up to ``len(target)``: once some bytes
        are in hand the socket is never waited on (logs -f shows lines as they come). A log
        is one chunk a line, so the common path parses size lines in place."""
        view = memoryview(target)
        size = len(view)
        buffer, buffered_view = self._buffer, self._view
        filled = 0
        while filled < size:
            left = self._left
            if left:
                start = self._start
                if start < self._end:
                    count = min(left, size - filled, self._end - start)
                    view[filled : filled + count] = buffered_view[start : start + count]
                    self._start = start + count
                elif filled:
                    break
                else:
                    count = self._recv(view[: min(left, size)])
                    if not count:
                        raise UnexpectedEOF()
                filled += count
                self._left = left - count
                if count == left:
                    self._after_payload = True
                continue
            start = self._start + 2 if self._after_payload else self._start
            line_end = buffer.find(b"\r\n", start, self._end) if start <= self._end else -1
            if line_end >= 0:
                line = buffer[start:line_end]
                extension = line.find(b";")
                chunk = int(line if extension < 0 else line[:extension], 16)
                if chunk > 0:
                    self._start, self._after_payload, self._left = line_end + 2, False, chunk
                    continue
            if filled:
                break
            self._next_chunk()
            if self._done:
                break
        return filled

    def _next_chunk(self) -> None:
        """Parse the next chunk-size line (after the previous chunk's CRLF); a zero size ends
        the body once its trailer lines are read."""
        if self._after_payload:
            self._line()
            self._after_payload = False
        size_line = self._line()
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size < 0:
            raise ValueError("negative chunk size")
        if size:
            self._left = size
            return
        while self._line():
            pass
        self._done = True

    def _line(self) -> bytes:
        """One CRLF-terminated line from the buffer, reading more as needed."""
        while True:
            end = self._buffer.find(b"\r\n", self._start, self._end)
            if end >= 0:
                line = bytes(self._view[self._start : end])
                self._start = end + 2
                return line
            if self._start:
                pending = self._end - self._start
                self._view[:pending] = self._view[self._start : self._end]
                self._start, self._end = 0, pending
            if self._end == len(self._buffer):
                raise ValueError("chunk header too long")
            count = self._recv(self._view[self._end :])
            if not count:
                raise UnexpectedEOF()
            self._end += count

    def _read_through_urllib3(self, target: memoryview | bytearray) -> int:
        from urllib3.exceptions import HTTPError

        read = getattr(self._raw, "read1", None) or self._raw.read
        try:
            data = read(len(target), decode_content=True)
        except HTTPError as exc:
            raise UnexpectedEOF() from exc
        if not data:
            self._done = True
            return 0
        target[: len(data)] = data
        return len(data)
