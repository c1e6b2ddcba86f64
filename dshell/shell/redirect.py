"""Redirections: the three standard streams a command runs with, after ``>``, ``2>&1``, ``<``…

Each redirection is applied left to right to a copy of the current streams, as bash does, so
``> f 2>&1`` sends both to ``f`` and ``2>&1 > f`` only stdout. Files are opened by the
shell, wrapped as ``Stream`` objects (text on top of binary, so ``save`` writes its bytes
unchanged); the command sees their file descriptors and TTY state, never the terminal's.
"""

from __future__ import annotations

import io
import os

from dshell.records import dataclass, field
from dshell.streams import Stream

TEXT_OPTIONS = {"encoding": "utf-8", "errors": "surrogateescape"}


class RedirectError(Exception):
    """A redirection that cannot be made (no such directory, ambiguous target)."""


def stream_for_fd(fd: int, mode: str) -> Stream:
    """A Stream over an OS-level descriptor this process owns (a file or a pipe end).

    Writes go through at once (``write_through``, flushed at every newline), so a reader at
    the other end of a pipe sees lines as they are written.
    """
    binary = open(fd, mode + "b", buffering=65536)  # noqa: SIM115 - closed by its owner
    if mode == "w":
        text = io.TextIOWrapper(binary, line_buffering=True, write_through=True,
                                **TEXT_OPTIONS)  # fmt: skip
    else:
        text = io.TextIOWrapper(binary, **TEXT_OPTIONS)
    return Stream(text)


def closed_stream() -> Stream:
    """``>&-``: a stream that takes nothing (writes go to /dev/null)."""
    return stream_for_fd(os.open(os.devnull, os.O_RDWR), "w")


@dataclass
class StreamSet:
    """stdin, stdout and stderr for one command, and the streams opened for it."""

    streams: list[Stream]
    opened: list[Stream] = field(default_factory=list)

    @property
    def stdin(self) -> Stream:
        return self.streams[0]

    @property
    def stdout(self) -> Stream:
        return self.streams[1]

    @property
    def stderr(self) -> Stream:
        return self.streams[2]

    def copy(self) -> StreamSet:
        return StreamSet(list(self.streams))

    def open(self, fd: int, op: str, path: str) -> None:
        flags = {
            "<": os.O_RDONLY,
            ">": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
            ">|": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
            "&>": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
            ">>": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
            "&>>": os.O_WRONLY | os.O_CREAT | os.O_APPEND,
        }[op]
        try:
            descriptor = os.open(path, flags | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise RedirectError(f"{path}: {exc.strerror}") from exc
        except ValueError as exc:  # a NUL byte in the name
            raise RedirectError(f"{path}: No such file or directory") from exc
        if fd > 2 and not op.startswith("&"):
            os.close(descriptor)  # bash would open it; nothing here writes to it
            return
        stream = stream_for_fd(descriptor, "r" if op == "<" else "w")
        self.opened.append(stream)
        if op.startswith("&"):
            self.streams[1] = self.streams[2] = stream
        else:
            self.streams[fd] = stream

    def duplicate(self, fd: int, source: str) -> None:
        """``N>&M``, ``N<&M``, ``N>&-``."""
        if source == "-":
            if fd <= 2:
                stream = closed_stream()
                self.opened.append(stream)
                self.streams[fd] = stream
            return
        if not source.isdigit():
            raise RedirectError(f"{source}: ambiguous redirect")
        number = int(source)
        if number > 2:
            raise RedirectError(f"{number}: Bad file descriptor")
        if fd <= 2:
            self.streams[fd] = self.streams[number]

    def close_opened(self) -> None:
        for stream in self.opened:
            try:
                stream.handle.close()
            except (OSError, ValueError):
                pass
        self.opened.clear()
