"""Long output through $PAGER when configured; short output and non-terminals untouched."""

from __future__ import annotations

import io
import os
import shutil
from types import SimpleNamespace

from dshell.repl.pager import PagedOutput
from dshell.streams import Stream


class TerminalStream(Stream):
    def __init__(self) -> None:
        super().__init__(io.StringIO())
        self.is_terminal = True


def run_paged(text: str, monkeypatch, tmp_path, terminal: bool = True) -> tuple[str, str]:
    paged = tmp_path / "paged"
    monkeypatch.setenv("PAGER", f"cat > {paged}")
    monkeypatch.setattr(shutil, "get_terminal_size", lambda: os.terminal_size((80, 10)))
    stream = TerminalStream() if terminal else Stream(io.StringIO())
    session = SimpleNamespace(stdout=stream)
    with PagedOutput(session):
        session.stdout.write(text)
        session.stdout.flush()
    assert session.stdout is stream
    return stream.handle.getvalue(), paged.read_text() if paged.exists() else ""


def test_short_output_is_written_directly(monkeypatch, tmp_path):
    assert run_paged("a\nb\n", monkeypatch, tmp_path) == ("a\nb\n", "")


def test_long_output_goes_to_the_pager(monkeypatch, tmp_path):
    text = "".join(f"line {n}\n" for n in range(30))
    assert run_paged(text, monkeypatch, tmp_path) == ("", text)


def test_not_a_terminal_never_pages(monkeypatch, tmp_path):
    text = "".join(f"line {n}\n" for n in range(30))
    assert run_paged(text, monkeypatch, tmp_path, terminal=False) == (text, "")


def test_binary_writes_release_held_text_first(monkeypatch, tmp_path):
    stream = TerminalStream()
    session = SimpleNamespace(stdout=stream)
    with PagedOutput(session):
        session.stdout.write("before\n")
        assert session.stdout.buffer is None  # StringIO has no binary side
        assert stream.handle.getvalue() == "before\n"
