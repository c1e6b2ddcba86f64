"""engine/streams.BodyReader: a response body read in big blocks straight off the socket.

The daemon cannot be asked for a chunk header split across reads, a trailer, a body cut in the
middle of a chunk or a connection kept open after the last chunk, so these bodies come from the
other end of a socket pair, through the same http.client → urllib3 → requests objects the
client hands out.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time

import pytest
import requests
import urllib3
from requests.structures import CaseInsensitiveDict

from dshell.engine.streams import BodyReader, UnexpectedEOF


def _response(wire: bytes, pieces: int = 1, close: bool = True) -> requests.Response:
    """A streamed requests.Response whose bytes (status line onwards) the peer sends in
    ``pieces`` writes; with ``close`` False the peer keeps the connection open (keep-alive)."""
    ours, theirs = socket.socketpair()
    ours.settimeout(10)  # a reader that waits for bytes that never come fails, never hangs
    head_end = wire.index(b"\r\n\r\n") + 4
    theirs.sendall(wire[:head_end])
    body = wire[head_end:]

    def send() -> None:
        size = max(1, len(body) // pieces)
        for start in range(0, len(body), size):
            theirs.sendall(body[start : start + size])
            time.sleep(0.001)
        if close:
            theirs.close()

    threading.Thread(target=send, daemon=True).start()
    inner = http.client.HTTPResponse(ours, method="GET")
    inner.begin()
    raw = urllib3.HTTPResponse(body=inner, headers=dict(inner.getheaders()), status=inner.status,
                               preload_content=False, original_response=inner)  # fmt: skip
    response = requests.Response()
    response.raw = raw
    response.status_code = inner.status
    response.headers = CaseInsensitiveDict(raw.headers)
    response._keep = theirs  # the peer's end lives as long as the response
    return response


def _chunked(payloads: list[bytes], trailer: bytes = b"", extension: bytes = b"") -> bytes:
    body = b"".join(b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in payloads if p)
    return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n"
            + trailer + b"\r\n")  # fmt: skip


def _read_all(reader: BodyReader, size: int) -> bytes:
    out = bytearray()
    target = memoryview(bytearray(size))
    while count := reader.readinto(target):
        out += target[:count]
    return bytes(out)


PAYLOADS = [b"a" * 5, bytes(range(256)) * 300, b"\r\n0\r\n\r\n", b"z", random.randbytes(70_000)]


@pytest.mark.parametrize("target_size", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize("block_size", [16, 1 << 20])
def test_chunked_body_whatever_the_reads(target_size, block_size):
    """Small targets cut payloads; a 16-byte buffer splits every chunk header across reads."""
    response = _response(_chunked(PAYLOADS), pieces=37)
    reader = BodyReader(response, block_size=block_size)
    assert _read_all(reader, target_size) == b"".join(PAYLOADS)
    assert reader.readinto(bytearray(10)) == 0


def test_chunk_extensions_and_trailers_are_not_payload():
    wire = _chunked([b"hello ", b"world"], trailer=b"X-Trailer: 1\r\n", extension=b";name=v")
    assert _read_all(BodyReader(_response(wire, pieces=5)), 3) == b"hello world"


def test_a_kept_alive_connection_ends_at_the_last_chunk():
    """The peer keeps the socket open: the body still ends at the zero-size chunk, even when
    http.client's buffered reader already holds it (it read past the headers)."""
    wire = _chunked([b"x" * 10, b"y" * 3])
    assert _read_all(BodyReader(_response(wire, close=False)), 1 << 20) == b"x" * 10 + b"y" * 3


@pytest.mark.parametrize("cut", [3, 12, 40])
def test_a_body_cut_short_is_an_unexpected_eof(cut):
    """Cut in a size line, in a payload, before the last chunk: Go's ``unexpected EOF``."""
    wire = _chunked([b"p" * 30, b"q" * 30])
    head_end = wire.index(b"\r\n\r\n") + 4
    reader = BodyReader(_response(wire[: head_end + cut]))
    with pytest.raises(UnexpectedEOF, match="unexpected EOF"):
        _read_all(reader, 1 << 20)


def test_blocks_are_full_but_the_last():
    payloads = [b"%05d" % i for i in range(1000)]
    reader = BodyReader(_response(_chunked(payloads), pieces=50))
    sizes = [len(block) for block in reader.blocks(1024)]
    assert sizes == [1024] * 4 + [5000 - 4096]


def test_content_length_body_and_its_cut():
    full = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"
    assert _read_all(BodyReader(_response(full, pieces=3, close=False)), 4) == b"0123456789"
    with pytest.raises(UnexpectedEOF):
        _read_all(BodyReader(_response(full[:-3])), 4)


def test_a_body_read_until_the_connection_closes():
    wire = b"HTTP/1.0 200 OK\r\n\r\n" + b"k" * 5000
    assert _read_all(BodyReader(_response(wire, pieces=4)), 1000) == b"k" * 5000


def test_a_compressed_body_is_decoded_through_urllib3():
    import gzip

    data = random.randbytes(3000) * 5
    packed = gzip.compress(data)
    wire = (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
            % len(packed) + packed)  # fmt: skip
    assert _read_all(BodyReader(_response(wire, pieces=3)), 4096) == data


def test_a_read_returns_every_buffered_chunk_and_never_waits_for_more():
    """logs -f: three lines arrived, the fourth has not; one read gives the three at once,
    without waiting for the rest of a body that is still open."""
    lines = [b"one\n", b"two\n", b"three\n"]
    body = b"".join(b"%x\r\n%s\r\n" % (len(line), line) for line in lines)
    response = _response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body,
                         close=False)  # fmt: skip
    time.sleep(0.1)  # the peer's one write is in the socket before the first read
    reader = BodyReader(response)
    target = bytearray(1 << 20)
    count = reader.readinto(target)
    assert bytes(target[:count]) == b"".join(lines)
