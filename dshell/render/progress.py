"""docker's JSON message display (moby ``pkg/jsonmessage``): pull, push, build, load, import.

On a terminal each layer keeps its own line: a message for a known ID moves the cursor up to
that line, erases it, rewrites it and moves back down. Elsewhere progress bars are dropped and
every other message is one plain line. The rules below follow ``DisplayJSONMessagesStream``
and ``JSONMessage.Display`` byte for byte, escape sequences included.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from dshell.engine.errors import StreamError
from dshell.render.units import human_size

__all__ = ["DEFAULT_WIDTH", "display_json_messages", "progress_string", "go_duration"]

DEFAULT_WIDTH = 200
ERASE_LINE = "\x1b[2K"


class Writable(Protocol):
    def write(self, text: str) -> Any: ...


def terminal_width(fd: int | None) -> int:
    """The terminal's columns, or docker's 200 when there is none to ask."""
    if fd is None:
        return DEFAULT_WIDTH
    try:
        return os.get_terminal_size(fd).columns
    except OSError:
        return DEFAULT_WIDTH


def go_duration(seconds: int) -> str:
    """Go's ``time.Duration.String`` for whole seconds: ``0s``, ``45s``, ``2m5s``, ``1h0m3s``."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{sign}{minutes}m{secs}s"
    return f"{sign}{secs}s"


def progress_string(detail: dict, width: int = DEFAULT_WIDTH, now: float | None = None) -> str:
    """``JSONProgress.String``: bar (when wider than 110 columns), sizes, time left."""
    current = int(detail.get("current") or 0)
    total = int(detail.get("total") or 0)
    unit = detail.get("units") or ""
    if current <= 0 and total <= 0:
        return ""
    if total <= 0:
        return f"{human_size(current):>8}" if not unit else f"{current} {unit}"
    percentage = min(int(current / total * 100) // 2, 50)
    bar = ""
    if width > 110:
        bar = "[" + "=" * percentage + ">" + " " * max(50 - percentage, 0) + "] "
    numbers = ""
    if detail.get("hidecounts"):
        pass
    elif not unit:
        numbers = f"{human_size(current):>8}/{human_size(total)}"
        if current > total:
            numbers = f"{human_size(current):>8}"
    else:
        numbers = f"{current}/{total} {unit}"
        if current > total:
            numbers = f"{current} {unit}"
    time_left = ""
    start = int(detail.get("start") or 0)
    if width > 50 and current > 0 and start > 0 and percentage < 50:
        elapsed_ns = int(((time.time() if now is None else now) - start) * 1e9)
        per_entry = elapsed_ns // current
        left_ns = (total - current) * per_entry
        time_left = " " + go_duration(_round_to_second(left_ns))
    return bar + numbers + time_left


def _round_to_second(nanoseconds: int) -> int:
    """Go's ``Duration.Round(time.Second)``: halves away from zero."""
    seconds, rest = divmod(abs(nanoseconds), 1_000_000_000)
    if rest * 2 >= 1_000_000_000:
        seconds += 1
    return -seconds if nanoseconds < 0 else seconds


def _timestamp(message: dict) -> str:
    """RFC3339NanoFixed in local time, for messages that carry ``time``/``timeNano``."""
    nanos = message.get("timeNano") or 0
    if not nanos and message.get("time"):
        nanos = int(message["time"]) * 1_000_000_000
    if not nanos:
        return ""
    seconds, fraction = divmod(int(nanos), 1_000_000_000)
    local = time.localtime(seconds)
    offset = time.strftime("%z", local)
    zone = "Z" if offset in ("+0000", "") else f"{offset[:3]}:{offset[3:]}"
    return time.strftime("%Y-%m-%dT%H:%M:%S", local) + f".{fraction:09d}{zone} "


def stream_error(message: dict) -> StreamError | None:
    """The failure an error object in the stream stands for, in the daemon's words."""
    detail = message.get("errorDetail")
    if isinstance(detail, dict) and detail.get("message"):
        return StreamError(str(detail["message"]), detail.get("code"))
    if message.get("error"):
        return StreamError(str(message["error"]))
    if detail is not None:
        return StreamError("")
    return None


def display_message(message: dict, out: Writable, is_terminal: bool, width: int) -> None:
    """``JSONMessage.Display``: one message; raises ``StreamError`` for an error object."""
    error = stream_error(message)
    if error is not None:
        raise error
    progress = message.get("progressDetail")
    has_progress = isinstance(progress, dict)
    stream_text = message.get("stream") or ""
    status = message.get("status") or ""
    end = ""
    if is_terminal and not stream_text and has_progress:
        end = "\r"
        out.write(ERASE_LINE + end)
    elif has_progress and progress_string(progress, width):
        return
    parts = [_timestamp(message)]
    if message.get("id"):
        parts.append(f"{message['id']}: ")
    if message.get("from"):
        parts.append(f"(from {message['from']}) ")
    if has_progress and is_terminal:
        parts.append(f"{status} {progress_string(progress, width)}{end}")
    elif message.get("progress"):
        parts.append(f"{status} {message['progress']}{end}")
    elif stream_text:
        parts.append(f"{stream_text}{end}")
    else:
        parts.append(f"{status}{end}\n")
    out.write("".join(parts))


def display_json_messages(
    messages: Iterable[dict],
    out: Writable,
    *,
    is_terminal: bool,
    width: int | Callable[[], int] = DEFAULT_WIDTH,
    aux: Callable[[Any], None] | None = None,
    flush: Callable[[], None] | None = None,
) -> None:
    """``DisplayJSONMessagesStream``: show every message, keeping one line per layer ID on a
    terminal. ``width`` may be a function so a resized terminal is honoured. Raises
    ``StreamError`` at the first error object, after showing what came before it."""
    lines: dict[str, int] = {}
    for message in messages:
        if not isinstance(message, dict):
            continue
        if message.get("aux") is not None:
            if aux is not None:
                aux(message["aux"])
            continue
        columns = width() if callable(width) else width
        diff = 0
        ident = message.get("id") or ""
        has_progress = isinstance(message.get("progressDetail"), dict)
        if ident and (has_progress or message.get("progress")):
            line = lines.get(ident)
            if line is None:
                line = len(lines)
                lines[ident] = line
                if is_terminal:
                    out.write("\n")
            diff = len(lines) - line
            if is_terminal and diff:
                out.write(f"\x1b[{diff}A")
        else:
            lines = {}
        try:
            display_message(message, out, is_terminal, columns)
        finally:
            if ident and is_terminal and diff:
                out.write(f"\x1b[{diff}B")
            if flush is not None:
                flush()
