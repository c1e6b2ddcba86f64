"""``container logs``: a container's output, stdout and stderr kept apart, fast.

Mixed into ContainerCommands. The body is read in large pieces straight from the HTTP
response and written as bytes; consecutive frames for one stream are joined into one write,
and the other stream is flushed before a switch so stdout and stderr interleave as docker's do.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from dshell.commands.base import CommandBase
from dshell.commands.declare import Arg, Flag, command
from dshell.engine.streams import FRAME_HEADER
from dshell.engine.urls import quote

READ_SIZE = 1 << 20
POLL_SECONDS = 0.05
T = TypeVar("T")

_DURATION_UNITS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
    "h": 3600.0,
}  # fmt: skip
_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)([a-zµμ]+)")


class TimestampError(ValueError):
    """A --since/--until value that is neither a time nor a duration."""


def parse_go_duration(text: str) -> float | None:
    """Go's time.ParseDuration in seconds ("1h30m", "-5s", "0"), or None if it is not one."""
    sign = 1.0
    rest = text
    if rest[:1] in "+-" and rest:
        sign = -1.0 if rest[0] == "-" else 1.0
        rest = rest[1:]
    if rest == "0":
        return 0.0
    if not rest:
        return None
    total = 0.0
    position = 0
    while position < len(rest):
        match = _DURATION.match(rest, position)
        if not match or match.group(1) in ("", ".") or match.group(2) not in _DURATION_UNITS:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    return sign * total


_LAYOUTS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"),
     "full"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(Z|[+-]\d{2}:\d{2})?$"), "minutes"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})(Z|[+-]\d{2}:\d{2})?$"), "hours"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?$"), "date"),
]  # fmt: skip


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text in ("Z", "z"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def _parse_time(value: str) -> datetime | None:
    for pattern, layout in _LAYOUTS:
        match = pattern.match(value)
        if not match:
            continue
        groups = match.groups()
        year, month, day = (int(g) for g in groups[:3])
        hour = minute = second = micro = 0
        zone_text = groups[-1]
        if layout in ("full", "minutes", "hours"):
            hour = int(groups[3])
        if layout in ("full", "minutes"):
            minute = int(groups[4])
        if layout == "full":
            second = int(groups[5])
            if groups[6]:
                micro = int((groups[6][1:] + "000000")[:6])
        try:
            moment = datetime(year, month, day, hour, minute, second, micro)
        except ValueError:
            return None
        zone = _zone(zone_text)
        return moment.replace(tzinfo=zone) if zone else moment.astimezone()
    return None


def get_timestamp(value: str, now: float | None = None) -> str:
    """docker's timetypes.GetTimestamp: a duration ("42m") counts back from now; an RFC 3339
    time or date becomes "SECONDS.NANOSECONDS"; a Unix timestamp passes through as given."""
    now = time.time() if now is None else now
    seconds = parse_go_duration(value)
    if seconds is not None and value != "0":
        return str(int(now - seconds))
    moment = _parse_time(value)
    if moment is not None:
        stamp = moment.timestamp()
        whole = int(stamp // 1)
        nanos = moment.microsecond * 1000
        return f"{whole}.{nanos:09d}"
    if "-" in value:
        raise TimestampError(f'parsing time "{value}": cannot parse "{value}" as a time')
    seconds_part, _, nanos_part = value.partition(".")
    if not seconds_part.lstrip("-").isdigit() or (nanos_part and not nanos_part.isdigit()):
        raise TimestampError(f'failed to parse value as time or duration: "{value}"')
    return value


class FrameWriter:
    """Demultiplexes frames from raw reads and writes each stream's bytes in big writes."""

    def __init__(self, out: Callable[[bytes], object], err: Callable[[bytes], object],
                 flush_out: Callable[[], object], flush_err: Callable[[], object]) -> None:
        self.writers = {1: (out, flush_out), 2: (err, flush_err)}
        self.pending = b""
        self.last_stream = 0

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk if self.pending else bytes(chunk)
        view = memoryview(data)
        position = 0
        run_stream = 0
        run: list[memoryview] = []
        total = len(data)
        while total - position >= 8:
            stream, size = FRAME_HEADER.unpack_from(data, position)
            end = position + 8 + size
            if end > total:
                break
            stream = 2 if stream in (2, 3) else 1
            if stream != run_stream and run:
                self._write(run_stream, run)
                run = []
            run_stream = stream
            run.append(view[position + 8 : end])
            position = end
        if run:
            self._write(run_stream, run)
        self.pending = data[position:]

    def _write(self, stream: int, pieces: list[memoryview]) -> None:
        if self.last_stream and stream != self.last_stream:
            self.writers[self.last_stream][1]()
        self.last_stream = stream
        write = self.writers[stream][0]
        write(b"".join(pieces) if len(pieces) > 1 else pieces[0])

    def close(self) -> None:
        if self.last_stream:
            self.writers[self.last_stream][1]()


def read_pieces(response) -> Callable[[], bytes]:  # noqa: ANN001 - a streamed requests.Response
    """A function returning what the response has ready (up to 1 MiB), b"" at the end; a
    body cut short (the daemon died) raises ``UnexpectedEOF``.

    The daemon flushes every log line as its own HTTP chunk; engine/streams' BodyReader
    decodes the chunked framing over large socket reads and hands every chunk already
    received in one piece, which costs far less than one urllib3 read per chunk. The
    connection is then closed by ``response.close()``, never reused half-read.
    """
    from dshell.engine.streams import BodyReader

    body = BodyReader(response, READ_SIZE)
    buffer = memoryview(bytearray(READ_SIZE))

    def read() -> bytes:
        return bytes(buffer[: body.readinto(buffer)])

    return read


def interruptible(work: Callable[[], T], cancel: Callable[[], object]) -> T:
    """Run ``work`` (a blocking read) in a helper thread while the main thread polls.

    The kernel may deliver SIGINT to any thread that does not block it (the REPL's
    background threads included); Python then only raises KeyboardInterrupt in the main
    thread once it runs again. Polling keeps that delay under 50 ms; on Ctrl-C ``cancel``
    closes the stream so the helper ends and its connection leaves the pool's hands.
    """
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            outcome["error"] = exc

    helper = threading.Thread(target=target, name="dshell-stream", daemon=True)
    helper.start()
    try:
        while helper.is_alive():
            helper.join(POLL_SECONDS)
    except KeyboardInterrupt:
        cancel()
        helper.join(0.2)
        raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")  # type: ignore[return-value]


class LogsCommands(CommandBase):
    @command(
        "Fetch the logs of a container",
        flags=[
            Flag("details", "Show extra details provided to logs"),
            Flag("follow", "Follow log output", short="f"),
            Flag("since", 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative '
                 '(e.g. "42m" for 42 minutes)', type="string"),
            Flag("tail", "Number of lines to show from the end of the logs", short="n",
                 type="string", default="all"),
            Flag("timestamps", "Show timestamps", short="t"),
            Flag("until", 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or '
                 'relative (e.g. "42m" for 42 minutes)', type="string"),
        ],
        args=[Arg("CONTAINER", kind="container:all")],
        aliases=["logs"],
        usage="[OPTIONS] CONTAINER",
    )  # fmt: skip
    def cmd_container_logs(self, opts) -> int:  # noqa: ANN001
        info = self.client.get_json(f"/containers/{quote(opts.args[0], safe='')}/json")
        params = {"stdout": True, "stderr": True, "follow": opts.follow,
                  "timestamps": opts.timestamps, "details": opts.details, "tail": opts.tail}
        for name in ("since", "until"):
            value = getattr(opts, name)
            if value:
                try:
                    params[name] = get_timestamp(value)
                except TimestampError as exc:
                    self.err(f'invalid value for "{name}": {exc}')
                    return 1
        response = self.client.request("GET", f"/containers/{info['Id']}/logs", params=params,
                                       stream=True)  # fmt: skip
        from dshell.render.stats import close_streaming

        tty = bool(info.get("Config", {}).get("Tty"))
        try:
            interruptible(lambda: self._copy_logs(response, tty), lambda: close_streaming(response))
        finally:
            response.close()
        return 0

    def _copy_logs(self, response, tty: bool) -> None:  # noqa: ANN001
        read = read_pieces(response)
        self.stdout.flush()
        self.stderr.flush()
        out = _byte_writer(self.stdout)
        if tty:
            try:
                while chunk := read():
                    out[0](chunk)
                    if len(chunk) < READ_SIZE:
                        out[1]()
            finally:
                out[1]()
            return
        err = _byte_writer(self.stderr)
        frames = FrameWriter(out[0], err[0], out[1], err[1])
        try:
            while chunk := read():
                frames.feed(chunk)
                if len(chunk) < READ_SIZE:
                    frames.close()
        finally:
            frames.close()


def _byte_writer(stream) -> tuple[Callable[[bytes], object], Callable[[], object]]:  # noqa: ANN001
    """(write bytes, flush) for a session stream; text streams without a buffer decode."""
    binary = stream.buffer
    if binary is not None:
        return binary.write, binary.flush
    return (lambda data: stream.write(data.decode("utf-8", errors="replace"))), stream.flush
