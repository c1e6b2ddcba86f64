"""Stream bodies decode however the daemon's bytes are chunked."""

import json
import struct

from dshell.engine.streams import demultiplex, iter_json_objects


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_demultiplex_frames_split_and_packed():
    body = frame(1, b"out\n") + frame(2, b"err\n") + frame(1, b"") + frame(1, b"x" * 70000)
    for size in (1, 3, 8, 13, len(body)):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        assert list(demultiplex(chunks)) == [(1, b"out\n"), (2, b"err\n"), (1, b""),
                                             (1, b"x" * 70000)]  # fmt: skip


def test_json_objects_split_packed_and_multibyte():
    objects = [{"status": "Pulling fs layer", "id": "ab"}, {"stream": "héllo → 世界\n"},
               {"errorDetail": {"message": "boom"}, "error": "boom"}]  # fmt: skip
    body = "\r\n".join(json.dumps(o, ensure_ascii=False) for o in objects).encode()
    for size in (1, 2, 5, len(body)):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        assert list(iter_json_objects(chunks)) == objects


def test_frame_decoder_keeps_a_partial_frame_for_the_next_feed():
    from dshell.engine.streams import FrameDecoder

    decoder = FrameDecoder()
    body = frame(1, b"hello") + frame(2, b"oops")
    assert decoder.feed(body[:10]) == []
    assert decoder.feed(body[10:15]) == [(1, b"hello")]
    assert decoder.feed(body[15:]) == [(2, b"oops")]
