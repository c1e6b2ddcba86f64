"""Paging long output through ``$PAGER`` (only when the settings ask for it).

While a command runs its text output is held; at the end, output taller than the terminal goes
to the pager, shorter output is written as is. Binary writes (attached containers) flush what
was held and pass straight through, so interactive commands keep working.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from dshell.streams import Stream


class _HoldingStream(Stream):
    def __init__(self, real: Stream) -> None:  # noqa: D107 - mirrors the real stream
        self.real = real
        self.handle = real.handle
        self.fd = real.fd
        self.is_terminal = real.is_terminal
        self.held: list[str] = []

    def write(self, text: str) -> None:
        self.held.append(text)

    def flush(self) -> None:
        """Held text stays held until the command ends."""

    def release(self) -> None:
        if self.held:
            self.real.write("".join(self.held))
            self.held = []
        self.real.flush()

    @property
    def buffer(self):  # noqa: ANN201
        self.release()
        return self.real.buffer


class PagedOutput:
    """A context manager around one command."""

    def __init__(self, session) -> None:  # noqa: ANN001
        self.session = session
        self.holding: _HoldingStream | None = None

    def __enter__(self) -> PagedOutput:
        if self.session.stdout.is_terminal:
            self.holding = _HoldingStream(self.session.stdout)
            self.session.stdout = self.holding
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        holding = self.holding
        if holding is None:
            return
        self.session.stdout = holding.real
        text = "".join(holding.held)
        rows = shutil.get_terminal_size().lines
        if text.count("\n") < rows - 1:
            holding.release()
            return
        command = os.environ.get("PAGER") or "less -R"
        try:
            subprocess.run(command, shell=True, input=text, text=True, check=False)  # noqa: S602
        except OSError:
            holding.release()
