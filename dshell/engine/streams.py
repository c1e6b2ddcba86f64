"""Body formats of streamed Engine answers: multiplexed frames and JSON progress objects."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Iterator

STDIN, STDOUT, STDERR, SYSTEM_ERROR = 0, 1, 2, 3
_HEADER = struct.Struct(">BxxxL")


def demultiplex(chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """Split a multiplexed stream (no TTY) into (stream, payload) pairs.

    Each frame is an 8-byte header ``[stream, 0, 0, 0, size (big-endian uint32)]`` and
    ``size`` bytes; frames may be split across chunks or packed several to a chunk.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= _HEADER.size:
            stream, size = _HEADER.unpack_from(buffer)
            end = _HEADER.size + size
            if len(buffer) < end:
                break
            payload = bytes(buffer[_HEADER.size : end])
            del buffer[:end]
            yield stream, payload


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
