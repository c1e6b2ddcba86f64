"""Non-interactive modes: ``-c COMMAND``, a script file, and piped standard input.

No prompt, no colour; errors carry the line number; the exit status is the last command's,
or the first failure's with ``--exit-on-error``. Every line goes through the shell language
(``dshell.shell``), as at the prompt.
"""

from __future__ import annotations

from collections.abc import Iterable

from dshell.commands.base import SessionExit
from dshell.session import DockerSession
from dshell.shell.evaluate import PrefixedStream, Shell

__all__ = ["PrefixedStream", "run_lines"]


def run_lines(
    session: DockerSession,
    lines: Iterable[str],
    *,
    exit_on_error: bool = False,
    number_errors: bool = True,
    shell: Shell | None = None,
) -> int:
    """Run each command line through the shell and the session's dispatcher."""
    shell = shell or Shell(session, exit_on_error=exit_on_error)
    try:
        return shell.run_lines(lines, label="line" if number_errors else None)
    except SessionExit as request:
        return request.status
    except KeyboardInterrupt:
        try:
            session.stdout.flush()
        except (OSError, ValueError):
            pass
        return 130
