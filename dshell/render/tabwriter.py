"""Elastic tabstops as docker prints them: Go's text/tabwriter, as forked by docker/cli.

docker creates its table writer with ``NewWriter(out, 10, 1, 3, ' ', 0)``: minimum cell
width 10, padding 3, spaces, no flags.  Cells are *terminated* by a tab (or a vertical tab);
the text after the last tab of a line is a cell of its own that is never padded.  A column is
a run of consecutive lines that all have a tab-terminated cell at that index, so a line with
fewer cells ends the column block above it (Go finds these blocks recursively; a run of lines
holding column *c* always lies inside one block of column *c-1*, so one pass per column over
the lines finds the same blocks).  A form feed ends a line and everything above it.  docker's
fork measures cell widths in terminal columns (go-runewidth), so a CJK character counts 2 and
a combining mark 0.
"""

from __future__ import annotations

import re

__all__ = ["TabWriter", "display_width", "tabulate"]

# Anything but printable ASCII, tabs and newlines: such text needs per-character widths.
_NOT_PLAIN = re.compile(r"[^\t\n\x20-\x7e]")


def display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide characters 2, controls and combining marks 0."""
    if text.isascii():
        if text.isprintable():
            return len(text)
        return sum(1 for ch in text if " " <= ch < "\x7f")
    from wcwidth import wcwidth  # ~10 ms to import: only for text beyond ASCII

    return sum(max(wcwidth(ch), 0) for ch in text)


class TabWriter:
    """Buffers text and aligns it on flush, as Go's ``tabwriter.Writer`` prints it."""

    def __init__(self, minwidth: int = 10, padding: int = 3, padchar: str = " ") -> None:
        self.minwidth = minwidth
        self.padding = padding
        self.padchar = padchar
        self._pending: list[str] = []

    def write(self, text: str) -> None:
        """Add text; nothing is printed before :meth:`flush`."""
        self._pending.append(text)

    def flush(self) -> str:
        """Align everything buffered and return it."""
        text = "".join(self._pending)
        self._pending = []
        if "\v" in text:
            text = text.replace("\v", "\t")
        parts = text.split("\f")
        last = len(parts) - 1
        return "\n".join(
            _align(part, self.minwidth, self.padding, self.padchar, index == last)
            for index, part in enumerate(parts)
        )


def _align(text: str, minwidth: int, padding: int, padchar: str, final: bool) -> str:
    """Lines of ``text`` (without form feeds) with their tab-terminated cells padded.

    ``final``: the text ends the output, where Go's ``Flush`` ends a last non-empty cell but
    adds no empty one, so a trailing tab leaves the cell before it last (and unpadded).
    """
    if "\t" not in text:
        return text
    lines = [line.split("\t") for line in text.split("\n")]
    if final and len(lines[-1]) > 1 and not lines[-1][-1]:
        lines[-1].pop()
    measure = len if _NOT_PLAIN.search(text) is None else display_width
    # widths[i][c]: the display width of line i's c-th terminated cell, replaced below by
    # the padding that cell gets.
    widths = [list(map(measure, cells[:-1])) if len(cells) > 1 else [] for cells in lines]
    counts = [len(row) for row in widths]
    count = len(lines)
    for column in range(max(counts)):
        first = 0
        while first < count:
            if counts[first] <= column:
                first += 1
                continue
            end = first
            widest = 0
            while end < count and counts[end] > column:
                width = widths[end][column]
                if width > widest:
                    widest = width
                end += 1
            block = max(widest + padding, minwidth)
            for index in range(first, end):
                row = widths[index]
                row[column] = block - row[column]
            first = end
    out = []
    for cells, pads in zip(lines, widths, strict=True):
        if pads:
            parts = []
            for cell, pad in zip(cells, pads, strict=False):  # cells has the last one more
                parts.append(cell)
                parts.append(padchar * pad)
            parts.append(cells[-1])
            out.append("".join(parts))
        else:
            out.append(cells[0])
    return "\n".join(out)


def tabulate(text: str) -> str:
    """Align ``text`` the way docker's table formatter does."""
    writer = TabWriter()
    writer.write(text)
    return writer.flush()
