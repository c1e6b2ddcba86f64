"""Physical lines of a script or the prompt: comments and backslash continuations (the shell
language itself is ``dshell.shell``)."""

from __future__ import annotations

from collections.abc import Iterable


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
