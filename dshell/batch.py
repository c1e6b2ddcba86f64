"""Non-interactive modes: ``-c COMMAND``, a script file, and piped standard input.

No prompt, no colour; errors carry the line number; the exit status is the last command's,
or the first failure's with ``--exit-on-error``.
"""

from __future__ import annotations

from collections.abc import Iterable

from dshell.commands.shell import SessionExit
from dshell.lines import LineSyntaxError, logical_lines, split_line
from dshell.session import DockerSession


class PrefixedStream:
    """Writes to a stream with a prefix at the start of every line (``line 3: ...``)."""

    def __init__(self, stream, prefix: str) -> None:  # noqa: ANN001
        self.stream = stream
        self.prefix = prefix
        self.at_line_start = True

    def write(self, text: str) -> None:
        pieces = []
        for chunk in text.splitlines(keepends=True):
            if self.at_line_start:
                pieces.append(self.prefix)
            pieces.append(chunk)
            self.at_line_start = chunk.endswith("\n")
        self.stream.write("".join(pieces))

    def __getattr__(self, name: str):  # noqa: ANN204 - fd, is_terminal, flush, buffer
        return getattr(self.stream, name)


def run_lines(
    session: DockerSession,
    lines: Iterable[str],
    *,
    exit_on_error: bool = False,
    number_errors: bool = True,
) -> int:
    """Run each command line through the session's dispatcher."""
    status = 0
    plain_stderr = session.stderr
    try:
        for number, text in logical_lines(lines):
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if number_errors:
                session.stderr = PrefixedStream(plain_stderr, f"line {number}: ")
            try:
                words = split_line(text)
                status = session.cmd(words) if words else status
            except LineSyntaxError as exc:
                session.err(str(exc))
                status = 2
            finally:
                session.stderr = plain_stderr
            if status and exit_on_error:
                break
    except SessionExit as request:
        return request.status
    except KeyboardInterrupt:
        session.stdout.flush()
        return 130
    return status
