"""Elastic tabstops as docker prints them: Go's text/tabwriter, as forked by docker/cli.

docker creates its table writer with ``NewWriter(out, 10, 1, 3, ' ', 0)``: minimum cell
width 10, padding 3, spaces, no flags.  Cells are *terminated* by a tab; the text after the
last tab of a line is a cell of its own that is never padded.  A column is a run of
consecutive lines that all have a tab-terminated cell at that index, so a line with fewer
cells ends the column block above it.  docker's fork measures cell widths in terminal
columns (go-runewidth), so a CJK character counts 2 and a combining mark 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from wcwidth import wcwidth

__all__ = ["TabWriter", "display_width", "tabulate"]


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide characters 2, controls and combining marks 0."""
    if text.isascii():
        return sum(1 for ch in text if " " <= ch < "\x7f")
    return sum(max(wcwidth(ch), 0) for ch in text)


@dataclass
class _Cell:
    text: str
    width: int
    tab_terminated: bool


class TabWriter:
    """Buffers lines of tab-terminated cells and aligns each column block on flush."""

    def __init__(self, minwidth: int = 10, padding: int = 3, padchar: str = " ") -> None:
        self.minwidth = minwidth
        self.padding = padding
        self.padchar = padchar
        self._out: list[str] = []
        self._reset()

    def _reset(self) -> None:
        self._lines: list[list[_Cell]] = [[]]
        self._cell: list[str] = []
        self._widths: list[int] = []

    def write(self, text: str) -> None:
        """Add text; aligned output is produced as soon as no later line can change it."""
        start = 0
        for index, ch in enumerate(text):
            if ch not in "\t\v\n\f":
                continue
            self._cell.append(text[start:index])
            start = index + 1
            cells = self._terminate_cell(tab_terminated=ch == "\t")
            if ch in "\n\f":
                self._lines.append([])
                # A one-cell line has no column, so nothing below can change what is above it.
                if ch == "\f" or cells == 1:
                    self._flush_lines()
        self._cell.append(text[start:])

    def flush(self) -> str:
        """Align everything buffered and return all output produced since the last flush."""
        if any(self._cell):
            self._terminate_cell(tab_terminated=False)
        self._flush_lines()
        out = "".join(self._out)
        self._out = []
        return out

    def _terminate_cell(self, tab_terminated: bool) -> int:
        text = "".join(self._cell)
        self._cell = []
        line = self._lines[-1]
        line.append(_Cell(text, display_width(text), tab_terminated))
        return len(line)

    def _flush_lines(self) -> None:
        self._format(0, len(self._lines))
        self._reset()

    def _format(self, line0: int, line1: int) -> None:
        """Go's recursive block formatter: fix this column's width per block, then recurse."""
        column = len(self._widths)
        this = line0
        while this < line1:
            if column >= len(self._lines[this]) - 1:
                this += 1
                continue
            self._write_lines(line0, this)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(self._lines[this]) - 1:
                width = max(width, self._lines[this][column].width + self.padding)
                this += 1
            self._widths.append(width)
            self._format(line0, this)
            self._widths.pop()
            line0 = this
        self._write_lines(line0, line1)

    def _write_lines(self, line0: int, line1: int) -> None:
        out = self._out
        last = len(self._lines) - 1
        for index in range(line0, line1):
            for column, cell in enumerate(self._lines[index]):
                out.append(cell.text)
                if column < len(self._widths):
                    out.append(self.padchar * (self._widths[column] - cell.width))
            if index != last:
                out.append("\n")


def tabulate(text: str) -> str:
    """Align ``text`` the way docker's table formatter does."""
    writer = TabWriter()
    writer.write(text)
    return writer.flush()
