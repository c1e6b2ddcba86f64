"""Body formats of streamed Engine answers: multiplexed frames and JSON progress objects."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator

import requests

from dshell.engine.errors import EngineError

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
