"""BuildKit's build progress drawn as ``docker buildx build --progress=plain`` draws it.

A port of the behaviour of BuildKit's progressui (trace, textMux, printErrorLogs): each
vertex gets a number when first shown (``#3``), its name, its statuses (``#3 transferring
context: 36B done``), its log lines with their time since the vertex started (``#5 0.104
hello``), then ``#3 DONE 0.1s``, ``#3 CACHED`` or ``#3 ERROR: …``. When several vertexes run
at once the printer switches between them with ``#N ...`` as progressui does. At the end the
failed vertexes' last log lines are shown between ``------`` rules.

Times are the Engine's (nanoseconds); the display takes decoded ``StatusResponse`` values.
Also here: the tty view (``[+] Building``) and ``--progress rawjson`` (each update as Go's JSON
of BuildKit's ``client.SolveStatus``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from dshell.buildkit.wire import StatusResponse, Vertex, VertexStatus

MIN_TIME_DELTA = 5_000_000_000  # ns
MIN_PROGRESS_DELTA = 0.05
LOGS_BUFFER_SIZE = 10
ANTI_FLICKER = 5.0
MAX_DELAY = 10.0
CANCELED = "context canceled"
TERM_HEIGHT = 6
TERM_PAD = 10


class Writer(Protocol):
    def write(self, text: str) -> object: ...


def format_bytes(size: int) -> str:
    """tonistiigi/units ``%.2f`` of Bytes: decimal units, whole bytes below 1 kB."""
    value = float(size)
    for unit in ("PB", "TB", "GB", "MB", "kB"):
        scale = {"kB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15}[unit]
        if abs(value) >= scale:
            return f"{value / scale:.2f}{unit}"
    return f"{size}B"


@dataclass
class Interval:
    start: int
    stop: int | None


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    """progressui's mergeIntervals: overlapping runs of a vertex counted once."""
    ordered = sorted(intervals, key=lambda i: i.start)
    if not ordered:
        return []
    merged: list[Interval] = []
    cur = ordered[0]
    for nxt in ordered[1:]:
        if cur.stop is None:
            merged.append(cur)
            return merged
        if cur.stop < nxt.start:
            merged.append(cur)
            cur = nxt
            continue
        if nxt.stop is None:
            merged.append(Interval(cur.start, None))
            return merged
        if cur.stop >= nxt.stop:
            continue
        cur = Interval(cur.start, nxt.stop)
    merged.append(cur)
    return merged


@dataclass
class VertexState:
    vertex: Vertex
    index: int = 0
    statuses: list[VertexStatus] = field(default_factory=list)
    by_id: dict[str, VertexStatus] = field(default_factory=dict)
    status_updates: dict[str, None] = field(default_factory=dict)
    logs: list[bytes] = field(default_factory=list)
    logs_partial: bool = False
    logs_offset: int = 0
    logs_ring: list[bytes | None] = field(default_factory=lambda: [None] * LOGS_BUFFER_SIZE)
    ring_pos: int = 0
    ring_used: bool = False
    prev: Vertex | None = None
    last_block_time: float | None = None
    count: int = 0
    intervals: dict[int, Interval] = field(default_factory=dict)
    merged: list[Interval] = field(default_factory=list)
    #: the tty view's log tail: raw lines (the last one maybe partial), bytes seen, times shown
    tail: list[str] = field(default_factory=list)
    tail_partial: bool = False
    term_bytes: int = 0
    term_count: int = 0

    def bump(self, amount: int) -> None:
        if self.count == 0:
            self.last_block_time = time.monotonic()
        self.count += amount

    def started(self) -> bool:
        return bool(self.merged)

    def completed(self) -> bool:
        return bool(self.merged) and self.merged[-1].stop is not None


class Trace:
    """progressui's trace: every vertex's state, and which changed since the last print."""

    def __init__(self) -> None:
        self.by_digest: dict[str, VertexState] = {}
        self.vertexes: list[VertexState] = []
        self.updates: dict[str, None] = {}
        self.start: int | None = None
        #: local clock minus the Engine's, taken when the first vertex starts (ns)
        self.local_offset: int | None = None

    def update(self, status: StatusResponse) -> None:
        for vertex in status.vertexes:
            if self.start is None:
                self.start = vertex.started
            if vertex.started is not None and self.local_offset is None:
                self.local_offset = time.time_ns() - vertex.started
            state = self.by_digest.get(vertex.digest)
            was_started = state is not None and state.started()
            if state is None:
                state = self.by_digest[vertex.digest] = VertexState(vertex)
            self._vertex_event(state, vertex)
            if vertex.started is not None and not was_started:
                self.vertexes.append(state)
            if not was_started or vertex.started is not None:
                state.vertex = vertex
            if vertex.started is not None:
                state.intervals[vertex.started] = Interval(vertex.started, vertex.completed)
                state.merged = merge_intervals(list(state.intervals.values()))
        for item in status.statuses:
            state = self.by_digest.get(item.vertex)
            if state is None:
                continue
            previous = state.by_id.get(item.id)
            if item.started is not None and (previous is None or previous.started is None):
                state.statuses.append(item)
            else:
                for index, known in enumerate(state.statuses):
                    if known.id == item.id:
                        state.statuses[index] = item
            state.by_id[item.id] = item
            state.status_updates[item.id] = None
            self.updates[item.vertex] = None
            state.bump(1)
        for warning in status.warnings:
            state = self.by_digest.get(warning.vertex)
            if state is not None:
                state.bump(1)
        for log in status.logs:
            state = self.by_digest.get(log.vertex)
            if state is None:
                continue
            self._add_log(state, log.msg, log.timestamp)
            self._add_tail(state, log.msg)
            self.updates[log.vertex] = None
            state.bump(1)

    def _vertex_event(self, state: VertexState, vertex: Vertex) -> None:
        if vertex.started is None:
            return
        old = state.prev or Vertex()
        changed = (vertex.digest != old.digest or vertex.name != old.name
                   or vertex.started != old.started
                   or (vertex.completed != old.completed and vertex.completed is not None)
                   or vertex.cached != old.cached or vertex.error != old.error)  # fmt: skip
        if changed:
            state.bump(1)
            self.updates[vertex.digest] = None
        state.prev = vertex

    @staticmethod
    def _add_tail(state: VertexState, data: bytes) -> None:
        state.term_bytes += len(data)
        text = data.decode(errors="replace").replace("\r\n", "\n")
        pieces = text.split("\n")
        if state.tail_partial and state.tail:
            state.tail[-1] += pieces.pop(0)
        state.tail_partial = pieces[-1] != ""
        if not state.tail_partial:
            pieces.pop()
        state.tail = (state.tail + pieces)[-TERM_HEIGHT:]

    @staticmethod
    def _add_log(state: VertexState, data: bytes, timestamp: int) -> None:
        if not data:
            return
        pieces = data.split(b"\n")
        complete = pieces[-1] == b""
        if complete:
            pieces.pop()
        for i, piece in enumerate(pieces):
            if state.logs_partial and state.logs and i == 0:
                state.logs[-1] += piece
                continue
            seconds = 0.0
            if state.merged:
                seconds = (timestamp - state.merged[-1].start) / 1e9
            precision = 3 if seconds < 10 else 2 if seconds < 100 else 1
            state.logs.append(f"{seconds:.{precision}f} ".encode() + piece)
        state.logs_partial = not complete


class PlainPrinter:
    """progressui's textMux: the ``#N`` lines of ``--progress=plain``."""

    def __init__(self, out: Writer) -> None:
        self.out = out
        self.current = ""
        self.last: dict[str, tuple[int, int]] = {}
        self.not_first = False
        self.next_index = 0

    def _w(self, text: str) -> None:
        self.out.write(text)

    def print_vertex(self, trace: Trace, digest: str) -> None:
        state = trace.by_digest.get(digest)
        if state is None:
            return
        if state.index == 0:
            self.next_index += 1
            state.index = self.next_index
        if digest != self.current:
            if self.current:
                old = trace.by_digest[self.current]
                if old.logs_partial:
                    self._w("\n")
                old.logs_offset = 0
                old.count = 0
                self._w(f"#{old.index} ...\n")
            if self.not_first:
                self._w("\n")
            else:
                self.not_first = True
            name = state.vertex.name
            if os.environ.get("PROGRESS_NO_TRUNC") == "0" and len(name) > 72:
                name = name[:72] + "..."
            self._w(f"#{state.index} {name}\n")
        open_status = False
        for item in state.statuses:
            if item.id not in state.status_updates:
                continue
            last = self.last.get(item.id)
            if last is not None and item.completed is None:
                progress = (item.current - last[0]) / item.total if item.total > 0 else 0.0
                if progress < MIN_PROGRESS_DELTA and item.timestamp - last[1] < MIN_TIME_DELTA:
                    continue
            self.last[item.id] = (item.current, item.timestamp)
            size = ""
            if item.total:
                size = f" {format_bytes(item.current)} / {format_bytes(item.total)}"
            elif item.current:
                size = f" {format_bytes(item.current)}"
            timing = ""
            end = item.completed if item.completed is not None else item.timestamp
            if item.started is not None:
                seconds = (end - item.started) / 1e9
                if seconds > 0.01:
                    timing = f" {seconds:.1f}s"
            if item.completed is not None:
                timing += " done"
            else:
                open_status = True
            self._w(f"#{state.index} {item.id}{size}{timing}\n")
        state.status_updates = {}
        for i, line in enumerate(state.logs):
            if i == 0 and state.logs_offset:
                line = line[state.logs_offset :]
                self._w(line.decode(errors="replace"))
            else:
                self._w(f"#{state.index} " + line.decode(errors="replace"))
            if i != len(state.logs) - 1 or not state.logs_partial:
                self._w("\n")
            state.logs_ring[state.ring_pos] = line
            state.ring_used = True
            if not state.logs_partial:
                state.ring_pos = (state.ring_pos + 1) % LOGS_BUFFER_SIZE
        if state.logs:
            if state.logs_partial:
                state.logs = state.logs[-1:]
                state.logs_offset = len(state.logs[0])
            else:
                state.logs = []
                state.logs_offset = 0
        self.current = digest
        if state.completed() and not open_status:
            self.current = ""
            state.count = 0
            if state.logs_partial:
                self._w("\n")
            error = state.vertex.error
            if error:
                if error.endswith(CANCELED):
                    self._w(f"#{state.index} CANCELED\n")
                else:
                    self._w(f"#{state.index} ERROR: {error}\n")
            elif state.vertex.cached:
                self._w(f"#{state.index} CACHED\n")
            else:
                total = sum((i.stop or 0) - i.start for i in state.merged if i.stop is not None)
                timing = f" {total / 1e9:.1f}s" if state.merged else ""
                self._w(f"#{state.index} DONE{timing}\n")
        trace.updates.pop(digest, None)

    def print(self, trace: Trace) -> None:
        completed: list[str] = []
        rest: list[str] = []
        for digest in trace.updates:
            state = trace.by_digest.get(digest)
            if state is None:
                continue
            (completed if state.completed() else rest).append(digest)
        current = self.current
        if current in completed:
            self.print_vertex(trace, current)
        completed.sort(key=lambda d: trace.by_digest[d].merged[-1].stop or 0)
        for digest in completed:
            if digest != current:
                self.print_vertex(trace, digest)
        if not rest:
            if current:
                state = trace.by_digest[current]
                if state.started() and not state.completed():
                    return
            for digest, state in trace.by_digest.items():
                if state.started() and not state.completed():
                    self.print_vertex(trace, digest)
                    return
            return
        if current in rest:
            self.print_vertex(trace, current)
        now = time.monotonic()
        stats: dict[str, tuple[float, float, bool]] = {}
        total_speed = 0.0
        best = ""
        candidates = list(dict.fromkeys([*rest, *([current] if current else [])]))
        for digest in candidates:
            state = trace.by_digest.get(digest)
            if state is None or state.last_block_time is None:
                continue
            blocked = max(now - state.last_block_time, 1e-9)
            speed = state.count / blocked
            over = blocked > MAX_DELAY and digest != current
            stats[digest] = (blocked, speed, over)
            total_speed += speed
            if over or not best or stats[best][1] < speed:
                best = digest
        if current in completed or not current:
            if best:
                self.print_vertex(trace, best)
            return
        for digest in rest:
            if digest in stats and stats[digest][2]:
                self.print_vertex(trace, digest)
                return
        if current in stats and best:
            share = stats[current][1] / total_speed if total_speed else 0.0
            if share < 1.0 and 1.0 / (1.0 - share) * ANTI_FLICKER < stats[current][0]:
                self.print_vertex(trace, best)

    def error_logs(self, trace: Trace) -> None:
        """progressui's printErrorLogs: each failed vertex's last log lines."""
        for state in trace.vertexes:
            error = state.vertex.error
            if not error or error.endswith(CANCELED):
                continue
            self._w("------\n")
            self._w(f" > {state.vertex.name}:\n")
            for line in state.logs:
                self._w(line.decode(errors="replace") + "\n")
            if state.ring_used:
                for step in range(LOGS_BUFFER_SIZE):
                    line = state.logs_ring[(state.ring_pos + step) % LOGS_BUFFER_SIZE]
                    if line is not None:
                        self._w(line.decode(errors="replace") + "\n")
            self._w("------\n")


class PlainDisplay:
    """progressui's plain display: updates printed at most every 100 ms, a refresh 150 ms
    after the last update, everything and the error logs at the end."""

    DISPLAY_INTERVAL = 0.1
    TICK = 0.15

    def __init__(self, out: Writer, flush=None) -> None:  # noqa: ANN001
        self.trace = Trace()
        self.printer = PlainPrinter(out)
        self.flush = flush
        self.allowed_at = 0.0

    def update(self, status: StatusResponse) -> None:
        self.trace.update(status)
        now = time.monotonic()
        if now < self.allowed_at:
            return
        self.allowed_at = now + self.DISPLAY_INTERVAL
        self.refresh()

    def refresh(self) -> None:
        self.printer.print(self.trace)
        if self.flush is not None:
            self.flush()

    def done(self) -> None:
        self.refresh()
        self.printer.error_logs(self.trace)
        if self.flush is not None:
            self.flush()


# -- the tty view ------------------------------------------------------------------------------
COLOR_RUN, COLOR_CANCEL, COLOR_ERROR = "\x1b[34m", "\x1b[33m", "\x1b[31m"
RESET, FAINT, HIDE, SHOW = "\x1b[0m", "\x1b[2m", "\x1b[?25l", "\x1b[?25h"


@dataclass
class Job:
    """One line of the tty view: a vertex, or one of its statuses."""

    name: str
    intervals: list[Interval]
    completed: bool
    status: str = ""
    error: bool = False
    canceled: bool = False
    state: VertexState | None = None
    show_term: bool = False


def _align(left: str, right: str, width: int) -> str:
    return f"{left:<{max(width - len(right) - 1, 0)}} {right}"


class TtyDisplay:
    """progressui's console display: ``[+] Building 2.3s (7/9)`` and one line per step with
    its timer, redrawn in place (cursor moved up over the previous drawing), the running
    steps' last log lines beneath them while there is room, colours when the step is done."""

    DISPLAY_INTERVAL = 0.1

    def __init__(self, out: Writer, size, flush=None, phase: str = "Building") -> None:  # noqa: ANN001
        self.trace = Trace()
        self.out = out
        self.size = size
        self.flush = flush
        self.phase = phase
        self.line_count = 0
        self.repeated = False
        self.allowed_at = 0.0
        self.colors = not os.environ.get("NO_COLOR")

    def update(self, status: StatusResponse) -> None:
        self.trace.update(status)
        now = time.monotonic()
        if now < self.allowed_at:
            return
        self.allowed_at = now + self.DISPLAY_INTERVAL
        self.refresh()

    def refresh(self) -> None:
        self.draw(all_lines=False)

    def done(self) -> None:
        self.draw(all_lines=True)
        PlainPrinter(self.out).error_logs(self.trace)
        if self.flush is not None:
            self.flush()

    # -- what to draw ------------------------------------------------------------------------
    def _now(self) -> int:
        """The Engine's clock now (ns)."""
        return time.time_ns() - (self.trace.local_offset or 0)

    def _seconds(self, intervals: list[Interval]) -> float:
        now = self._now()
        return sum(((i.stop if i.stop is not None else now) - i.start) for i in intervals) / 1e9

    def jobs(self) -> list[Job]:
        jobs: list[Job] = []
        for state in self.trace.vertexes:
            vertex = state.vertex
            name = vertex.name.replace("\t", " ")
            job = Job(name, state.merged, all(i.stop is not None for i in state.merged),
                      state=state)  # fmt: skip
            if vertex.error:
                if vertex.error.endswith(CANCELED):
                    job.canceled, job.name = True, "CANCELED " + job.name
                else:
                    job.error, job.name = True, "ERROR " + job.name
            if vertex.cached:
                job.name = "CACHED " + job.name
            jobs.append(job)
            for item in state.statuses:
                if item.started is None:
                    continue
                size = ""
                if item.total:
                    size = f"{format_bytes(item.current)} / {format_bytes(item.total)}"
                elif item.current:
                    size = format_bytes(item.current)
                jobs.append(Job("=> " + item.id, [Interval(item.started, item.completed)],
                                item.completed is not None, size))  # fmt: skip
        return jobs

    def _setup_terminals(self, jobs: list[Job], height: int, all_lines: bool) -> list[Job]:
        candidates = [j for j in jobs if j.state is not None and j.state.term_bytes
                      and not j.completed]  # fmt: skip
        in_use = sum(1 for j in jobs if not j.completed)
        candidates.sort(key=lambda j: j.state.term_bytes + j.state.term_count * 50, reverse=True)
        free = height - 2 - in_use
        limit = TERM_HEIGHT + 3
        hidden = 0
        for job in candidates:
            if free <= limit:
                break
            job.show_term = True
            hidden += len([line for line in job.state.tail if line.strip()])
            free -= limit
        if not all_lines:
            jobs = _wrap_height(jobs, height - 2 - hidden)
        return jobs

    # -- drawing -------------------------------------------------------------------------------
    def draw(self, all_lines: bool) -> None:
        width, height = self.size()
        trace = self.trace
        jobs = self._setup_terminals(self.jobs(), height, all_lines)
        out = ["\x1b[1A" * (self.line_count + 1)]
        if not self.repeated:
            out.append("\x1b[1B")
        self.repeated = True
        out.append("\x1b[0G" + HIDE)
        total = len(trace.by_digest)
        completed = sum(1 for s in trace.by_digest.values() if s.completed())
        finished = "FINISHED" if completed and completed == total and all_lines else ""
        started = trace.start
        elapsed = (self._now() - started) / 1e9 if started is not None else 0.0
        header = _align(f"[+] {self.phase} {elapsed:.1f}s ({completed}/{total}) {finished}", "",
                        width)[:width]  # fmt: skip
        out.append(header + "\n")
        lines = 0
        for job in jobs:
            if not job.intervals:
                continue
            seconds = self._seconds(job.intervals)
            if seconds < 0.05:
                seconds = 0.0
            prefix = " => "
            timer = f" {seconds:3.1f}s\n"
            left = width - len(prefix) - len(timer) - 1
            show_status = False
            if job.status and left + len(job.status) > 20:
                show_status = True
                left -= len(job.status) + 1
            if left < 12:
                continue
            line = prefix + job.name[:left] + (" " + job.status if show_status else "")
            line = _align(line, timer, width)
            if job.completed and self.colors:
                color = (COLOR_CANCEL if job.canceled else COLOR_ERROR if job.error
                         else COLOR_RUN)  # fmt: skip
                line = color + line + RESET
            out.append(line)
            lines += 1
            if job.show_term and job.state is not None:
                for text in job.state.tail:
                    if text.strip():
                        text = text[: max(width - TERM_PAD, 1)]
                        shown = f" => => # {text}\n"
                        out.append(FAINT + shown + RESET if self.colors else shown)
                        lines += 1
                job.state.term_count += 1
        if self.line_count > lines:
            diff = self.line_count - lines
            out.append((" " * width + "\n") * diff)
            out.append(f"\x1b[{diff}A\x1b[0G")
        self.line_count = lines
        out.append(SHOW)
        self.out.write("".join(out))
        if self.flush is not None:
            self.flush()


def _wrap_height(jobs: list[Job], limit: int) -> list[Job]:
    """progressui's wrapHeight: the last ``limit`` lines, running ones kept in view."""
    if limit < 0:
        return []
    if len(jobs) <= limit:
        return list(jobs)
    wrapped = jobs[len(jobs) - limit :]
    invisible = [j for j in jobs[: len(jobs) - limit] if not j.completed]
    if invisible:
        budget = len(invisible)
        rewrapped = []
        for job in wrapped:
            if not job.completed or budget <= 0:
                rewrapped.append(job)
            budget -= 1
        free = len(wrapped) - len(rewrapped)
        wrapped = invisible[len(invisible) - free :] + rewrapped if free else rewrapped
    return wrapped


# -- rawjson -----------------------------------------------------------------------------------
def go_time(ns: int) -> str:
    """Go's ``time.Time`` as JSON: RFC 3339 in UTC with the nanoseconds' trailing zeros cut."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"


def _go_bytes(data: bytes | None) -> str | None:
    """A Go ``[]byte`` as JSON: standard base64, ``null`` for nil."""
    return base64.b64encode(data).decode() if data is not None else None


def _omit_empty(pairs: list[tuple[str, object]], keep: tuple[str, ...] = ()) -> dict:
    """Go's ``omitempty``: false, 0, "", nil and empty lists left out (``keep`` always kept);
    a struct pointer (a dict here) only when nil."""
    return {k: v for k, v in pairs
            if k in keep or isinstance(v, dict) or v not in (None, False, 0, "", [])}  # fmt: skip


def solve_status_json(status: StatusResponse) -> dict:
    """BuildKit's ``client.SolveStatus`` as Go marshals it (its field names and order)."""
    vertexes = []
    for v in status.vertexes:
        group = None
        if v.progress_group is not None:
            g = v.progress_group
            group = _omit_empty([("id", g.id), ("name", g.name), ("weak", g.weak)])
        vertexes.append(_omit_empty([
            ("digest", v.digest), ("inputs", list(v.inputs)), ("name", v.name),
            ("started", go_time(v.started) if v.started is not None else None),
            ("completed", go_time(v.completed) if v.completed is not None else None),
            ("cached", v.cached), ("error", v.error), ("progressGroup", group),
        ]))  # fmt: skip
    statuses = [_omit_empty([
        ("id", s.id), ("vertex", s.vertex), ("name", s.name), ("total", s.total),
        ("current", s.current), ("timestamp", go_time(s.timestamp)),
        ("started", go_time(s.started) if s.started is not None else None),
        ("completed", go_time(s.completed) if s.completed is not None else None),
    ], keep=("id", "current", "timestamp")) for s in status.statuses]  # fmt: skip
    logs = [_omit_empty([
        ("vertex", log.vertex), ("stream", log.stream), ("data", _go_bytes(log.msg or None)),
        ("timestamp", go_time(log.timestamp)),
    ], keep=("data", "timestamp")) for log in status.logs]  # fmt: skip
    warnings = []
    for w in status.warnings:
        info = None
        if w.info is not None:
            definition = None
            if w.info.definition is not None:
                definition = _omit_empty([("def", [_go_bytes(op) for op in w.info.definition])])
            info = _omit_empty([
                ("filename", w.info.filename), ("data", _go_bytes(w.info.data)),
                ("definition", definition), ("language", w.info.language),
            ])  # fmt: skip
        ranges = [_omit_empty([
            ("start", _position_json(r.start)), ("end", _position_json(r.end)),
        ]) for r in w.ranges]  # fmt: skip
        warnings.append(_omit_empty([
            ("vertex", w.vertex), ("level", w.level), ("short", _go_bytes(w.short or None)),
            ("detail", [_go_bytes(d) for d in w.detail]), ("url", w.url),
            ("sourceInfo", info), ("range", ranges),
        ]))  # fmt: skip
    return _omit_empty([("vertexes", vertexes), ("statuses", statuses), ("logs", logs),
                        ("warnings", warnings)])  # fmt: skip


def _position_json(position) -> dict | None:  # noqa: ANN001 - a wire.Position or None
    if position is None:
        return None
    return _omit_empty([("line", position.line), ("character", position.character)])


_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
               "\u2029": "\\u2029"}  # fmt: skip


def go_json(value: object) -> str:
    """``json.Encoder.Encode``'s text: compact, UTF-8 as is, HTML characters escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _GO_ESCAPES[m.group()], text)


class RawJsonDisplay:
    """progressui's rawjson display: every status update as one JSON line, as it comes."""

    def __init__(self, out: Writer, flush=None) -> None:  # noqa: ANN001
        self.out = out
        self.flush = flush

    def update(self, status: StatusResponse) -> None:
        self.out.write(go_json(solve_status_json(status)) + "\n")
        if self.flush is not None:
            self.flush()

    def refresh(self) -> None:
        """Nothing to redraw: lines are written as the updates come."""

    def done(self) -> None:
        """No summary, no error logs: the JSON lines hold them."""
