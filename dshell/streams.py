"""The session's standard streams, their file descriptors and TTY state (DockerCli's In/Out)."""

from __future__ import annotations

import os
import sys
from typing import IO


class Stream:
    """A text stream plus what the session needs to know about the terminal behind it."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        try:
            self.fd: int | None = handle.fileno()
        except (AttributeError, OSError, ValueError):
            self.fd = None
        self.is_terminal = self.fd is not None and os.isatty(self.fd)

    def write(self, text: str) -> None:
        self.handle.write(text)

    def flush(self) -> None:
        self.handle.flush()

    @property
    def buffer(self):  # noqa: ANN201 - binary side of the handle for raw streams
        return getattr(self.handle, "buffer", None)


def standard_streams() -> tuple[Stream, Stream, Stream]:
    return Stream(sys.stdin), Stream(sys.stdout), Stream(sys.stderr)
