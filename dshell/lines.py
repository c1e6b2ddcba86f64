"""Turning typed or scripted text into command words, as a POSIX shell would."""

from __future__ import annotations

import shlex
from collections.abc import Iterable


class LineSyntaxError(Exception):
    """A line that cannot be split into words (unbalanced quotes, trailing escape)."""


def strip_comment(line: str) -> str:
    """Cut an unquoted ``#`` that starts a word, and everything after it."""
    quote = ""
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def split_line(line: str) -> list[str]:
    """Split a line into words; ``#`` at the start of a word starts a comment."""
    lexer = shlex.shlex(strip_comment(line), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError as exc:
        reason = str(exc).lower()
        if "quotation" in reason:
            raise LineSyntaxError("unbalanced quotes: no closing quotation") from exc
        raise LineSyntaxError(f"cannot parse line: {reason}") from exc


def continues(line: str) -> bool:
    """A line ending in an unescaped backslash goes on with the next line."""
    stripped = line.rstrip("\n")
    trailing = len(stripped) - len(stripped.rstrip("\\"))
    return trailing % 2 == 1


def logical_lines(lines: Iterable[str]) -> Iterable[tuple[int, str]]:
    """Join backslash-continued lines; yield (first line number, text)."""
    pending: list[str] = []
    start = 0
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n").rstrip("\r")
        if not pending:
            start = number
        if continues(line):
            pending.append(line[:-1])
            continue
        pending.append(line)
        yield start, "".join(pending)
        pending = []
    if pending:
        yield start, "".join(pending)
