"""logs: --since/--until values, multiplexed frames and chunked bodies, without a daemon."""

from __future__ import annotations

import random
import struct
from datetime import datetime, timezone

import pytest

from dshell.commands.logs import (
    FrameWriter,
    TimestampError,
    get_timestamp,
    interruptible,
    parse_go_duration,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("42m", 2520), ("1h30m", 5400), ("1.5s", 1.5), ("-5s", -5), ("300ms", 0.3), ("0", 0),
     ("2h45m10s", 9910)],
)  # fmt: skip
def test_go_durations(text, seconds):
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "5", "m", "1x", "1.2.3s", "yesterday"])
def test_not_go_durations(text):
    assert parse_go_duration(text) is None


def test_timestamps_as_docker_sends_them():
    assert get_timestamp("42m", NOW) == str(int(NOW - 2520))
    assert get_timestamp("2013-01-02T13:23:37Z", NOW) == "1357133017.000000000"
    assert get_timestamp("2013-01-02T13:23:37.5+01:00", NOW) == "1357129417.500000000"
    assert get_timestamp("2013-01-02Z", NOW) == str(
        int(datetime(2013, 1, 2, tzinfo=timezone.utc).timestamp())) + ".000000000"
    assert get_timestamp("1700000000", NOW) == "1700000000"
    assert get_timestamp("1700000000.5", NOW) == "1700000000.5"


def test_bad_timestamps_name_the_value():
    with pytest.raises(TimestampError, match='failed to parse value as time or duration: "bad"'):
        get_timestamp("bad", NOW)
    with pytest.raises(TimestampError):
        get_timestamp("2013-13-45", NOW)


def frame(stream, payload):
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_frame_writer_joins_runs_and_flushes_on_a_stream_switch():
    events = []
    writer = FrameWriter(lambda b: events.append(("out", bytes(b))),
                         lambda b: events.append(("err", bytes(b))),
                         lambda: events.append(("flush-out",)),
                         lambda: events.append(("flush-err",)))  # fmt: skip
    body = frame(1, b"a\n") + frame(1, b"b\n") + frame(2, b"E\n") + frame(1, b"c\n")
    writer.feed(body[:5])
    writer.feed(body[5:13])
    writer.feed(body[13:])
    writer.close()
    assert events == [("out", b"a\n"), ("out", b"b\n"), ("flush-out",), ("err", b"E\n"),
                      ("flush-err",), ("out", b"c\n"), ("flush-out",)]  # fmt: skip


def test_frame_writer_survives_any_split_and_sends_system_errors_to_stderr():
    frames = [frame(random.choice((1, 2, 3)), bytes([65 + i % 26]) * (i % 50)) for i in range(300)]
    body = b"".join(frames)
    for _ in range(50):
        outs, errs = [], []
        writer = FrameWriter(outs.append, errs.append, lambda: None, lambda: None)
        position = 0
        while position < len(body):
            step = random.randint(1, 200)
            writer.feed(body[position : position + step])
            position += step
        expected_out = b"".join(f[8:] for f in frames if f[0] == 1)
        expected_err = b"".join(f[8:] for f in frames if f[0] in (2, 3))
        assert b"".join(bytes(o) for o in outs) == expected_out
        assert b"".join(bytes(e) for e in errs) == expected_err


def test_interruptible_returns_and_raises_what_the_work_did():
    assert interruptible(lambda: 41 + 1, lambda: None) == 42
    with pytest.raises(ValueError, match="boom"):
        interruptible(lambda: (_ for _ in ()).throw(ValueError("boom")), lambda: None)
