"""Runs parsed lines: lists with bash's status rules, pipelines whose later stages are host
commands, redirections, assignments, command substitution in the same session.

dshell commands run in this process through ``session.cmd()`` with the session's streams
swapped for the command's (a file, a pipe, a capture); host stages run under ``/bin/sh``.
Anything a command raises that is not an expected outcome ends as one line,
``dshell: internal error: …``, and status 1: the next command still runs.
"""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from dshell.commands.base import SessionExit
from dshell.shell.expand import Expander, ExpansionError
from dshell.shell.redirect import RedirectError, StreamSet, stream_for_fd
from dshell.shell.syntax import (
    AndOr,
    HostCommand,
    Literal,
    Parameter,
    Pipeline,
    Redirect,
    Script,
    ShellSyntaxError,
    SimpleCommand,
    needs_more,
    open_quote,
    parse,
)
from dshell.shellstate import ShellState
from dshell.streams import Stream

if TYPE_CHECKING:
    from dshell.session import DockerSession
    from dshell.shell.host import HostProcess

SYNTAX_ERROR_STATUS = 2
#: What can leave a line waiting for a closer: quotes, backquotes and ``$`` (``$(``, ``$((``,
#: ``${``, ``$'``). A line without any of them is complete, and is parsed once, to run it.
_MAY_STAY_OPEN = frozenset("'\"`$")


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


class Shell:
    """The shell around a session: give it lines, it runs them and keeps ``$?``."""

    def __init__(
        self,
        session: DockerSession,
        state: ShellState | None = None,
        *,
        exit_on_error: bool = False,
    ) -> None:
        self.session = session
        self.state = state or getattr(session, "shell_state", None) or ShellState()
        self.state.run_file = self.run_file
        session.shell_state = self.state
        self.exit_on_error = exit_on_error
        self.expander = Expander(self)
        self._substitution_status: int | None = None
        self._streams: StreamSet | None = None

    # -- the expander's environment ------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        return self.state.lookup(name)

    def assign(self, name: str, value: str) -> None:
        self.state.assign(name, value)

    def positional(self) -> list[str]:
        return list(self.state.arguments)

    def substitute(self, script: Script) -> str:
        """``$(…)``: run in this session with stdout captured; trailing newlines removed."""
        import tempfile

        outer = self._streams or self._session_streams()
        with tempfile.TemporaryFile() as capture:
            writer = stream_for_fd(os.dup(capture.fileno()), "w")
            streams = outer.copy()
            streams.streams[1] = writer
            saved_exit, self.exit_on_error = self.exit_on_error, False
            try:
                with self.state.subshell():
                    status = self.run_script(script, streams)
            except SessionExit as request:
                status = request.status
            finally:
                self.exit_on_error = saved_exit
                with contextlib.suppress(OSError, ValueError):
                    writer.handle.close()
            capture.seek(0)
            data = capture.read()
        self._substitution_status = status
        self.state.last_status = status
        return data.replace(b"\0", b"").decode("utf-8", "surrogateescape").rstrip("\n")

    # -- entry points ----------------------------------------------------------------------
    def run_line(self, text: str) -> int:
        """Parse and run one line (it may hold several commands); return its status."""
        try:
            script = _parsed(text, self.state.aliases)
        except ShellSyntaxError as exc:
            self.session.err(exc.message)
            self.state.last_status = SYNTAX_ERROR_STATUS
            if self.exit_on_error:
                raise SessionExit(SYNTAX_ERROR_STATUS) from None
            return SYNTAX_ERROR_STATUS
        try:
            return self.run_script(script, self._session_streams())
        except (SessionExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # noqa: BLE001 - the evaluator's own guard, as dispatch's
            status = self.internal_error(exc)
            self.state.last_status = status
            return status

    def run_lines(self, lines: Iterable[str], *, label: str | None = "line") -> int:
        """A script: each logical line in turn, errors prefixed ``<label> N: ``.

        Lines continue after a trailing backslash or a trailing ``|``, ``&&``, ``||``.
        Raises SessionExit for ``exit`` and, with exit_on_error, at the first failure.
        """
        status = self.state.last_status
        plain_stderr = self.session.stderr
        for number, text in logical_commands(lines):
            if label is not None:
                self.session.stderr = PrefixedStream(plain_stderr, f"{label} {number}: ")
            try:
                status = self.run_line(text)
            finally:
                self.session.stderr = plain_stderr
        return status

    def run_file(self, path: str, arguments: list[str]) -> int:
        """``source FILE [ARGS]``: the file's lines in this session."""
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            self.session.err(f"{path}: {exc.strerror}")
            return 1
        saved = self.state.arguments
        if arguments:
            self.state.arguments = list(arguments)
        try:
            return self.run_lines(lines, label=f"{path}: line")
        finally:
            self.state.arguments = saved

    # -- the tree --------------------------------------------------------------------------
    def run_script(self, script: Script, streams: StreamSet) -> int:
        status = self.state.last_status
        for item in script.items:
            status, tested = self.run_and_or(item, streams)
            if status and self.exit_on_error and not tested:
                raise SessionExit(status)
        return status

    def run_and_or(self, node: AndOr, streams: StreamSet) -> tuple[int, bool]:
        """The status, and whether a failure was tested by ``&&``/``||`` (then ``-e`` lets
        the script go on, as bash's ``set -e`` does)."""
        status = self.run_pipeline(node.pipelines[0], streams)
        last = 0
        for index, operator in enumerate(node.operators, 1):
            if (operator == "&&") == (status == 0):
                status = self.run_pipeline(node.pipelines[index], streams)
                last = index
        return status, last < len(node.pipelines) - 1

    def run_pipeline(self, node: Pipeline, streams: StreamSet) -> int:
        if len(node.commands) == 1:
            status = self.run_command(node.commands[0], streams)
        else:
            status = self._run_stages(node, streams)
        self.state.last_status = status
        return status

    def run_command(self, node: SimpleCommand | HostCommand, streams: StreamSet) -> int:
        if isinstance(node, HostCommand):
            from dshell.shell import host

            return host.run_escape(node.text, streams.stdin, streams.stdout, streams.stderr,
                                   os.environ)  # fmt: skip
        return self.run_simple(node, streams)

    def run_simple(self, node: SimpleCommand, streams: StreamSet) -> int:
        prepared = self._prepare(node, streams)
        if isinstance(prepared, int):
            return prepared
        argv, assignments, redirected = prepared
        try:
            if not argv:
                for name, value in assignments.items():
                    self.state.assign(name, value)
                status = self._substitution_status
                return 0 if status is None else status
            with _environment(assignments):
                return self.dispatch(argv, redirected)
        finally:
            redirected.close_opened()

    def _prepare(self, node: SimpleCommand, streams: StreamSet):  # noqa: ANN202
        """Expand words, then redirections, then assignment values (bash's order)."""
        self._substitution_status = None
        outer, self._streams = self._streams, streams
        redirected = streams.copy()
        try:
            argv = self.expander.words(node.words)
            for redirect in node.redirects:
                self._redirect(redirect, redirected)
            assignments = {a.name: self.expander.single(a.value) for a in node.assignments}
        except (ExpansionError, RedirectError) as exc:
            redirected.close_opened()
            _write(streams.stderr, f"{exc}\n")
            return 1
        finally:
            self._streams = outer
        return argv, assignments, redirected

    def _redirect(self, redirect: Redirect, streams: StreamSet) -> None:
        assert redirect.target is not None
        fields = self.expander.fields(redirect.target)
        if len(fields) != 1:
            raw = self._source_text(redirect)
            raise RedirectError(f"{raw}: ambiguous redirect")
        target = fields[0]
        if redirect.op in (">&", "<&"):
            streams.duplicate(redirect.descriptor, target)
        else:
            streams.open(redirect.descriptor, redirect.op, target)

    @staticmethod
    def _source_text(redirect: Redirect) -> str:
        target = redirect.target
        if target is None:
            return ""
        pieces = []
        for part in target.parts:
            if isinstance(part, Literal):
                pieces.append(part.text)
            elif isinstance(part, Parameter):
                pieces.append("$" + part.name)
            else:
                pieces.append("$(…)")
        return "".join(pieces)

    # -- running one dshell command --------------------------------------------------------
    def dispatch(self, argv: list[str], streams: StreamSet) -> int:
        """``session.cmd(argv)`` with the command's streams; unexpected errors end here."""
        session = self.session
        saved = session.stdin, session.stdout, session.stderr
        session.stdin, session.stdout, session.stderr = streams.streams
        try:
            return session.cmd(argv)
        except (SessionExit, KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place that ends the unexpected
            return self.internal_error(exc)
        finally:
            session.stdin, session.stdout, session.stderr = saved

    def internal_error(self, exc: BaseException) -> int:
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if getattr(self.session, "debug", False):
            _write(self.session.stderr, "".join(traceback.format_exception(exc)))
        _write(self.session.stderr,
               f"dshell: internal error: {what} (run with -D for details)\n")  # fmt: skip
        return 1

    # -- pipelines -------------------------------------------------------------------------
    def _run_stages(self, node: Pipeline, streams: StreamSet) -> int:
        """First stage a dshell command, later stages host commands, all at once."""
        from dshell.shell import host

        first, stages = node.commands[0], node.commands[1:]
        processes: list[HostProcess] = []
        read_end, write_end = os.pipe()
        writer: Stream | None = None
        try:
            next_input = read_end
            for index, stage in enumerate(stages):
                last = index == len(stages) - 1
                if last:
                    output: Stream | int = streams.stdout
                    pipe_out = None
                else:
                    next_read, pipe_out = os.pipe()
                    output = pipe_out
                with_stderr = node.with_stderr[index + 1] if not last else False
                try:
                    processes.append(self._spawn_stage(stage, next_input, output,
                                                       with_stderr, streams))  # fmt: skip
                finally:
                    os.close(next_input)
                    if pipe_out is not None:
                        os.close(pipe_out)
                if not last:
                    next_input = next_read
            writer = stream_for_fd(write_end, "w")
            write_end = -1
            first_streams = streams.copy()
            first_streams.streams[1] = writer
            if node.with_stderr[0]:
                first_streams.streams[2] = writer
            try:
                with self.state.subshell():  # every stage is a subshell in bash
                    self.run_command(first, first_streams)
            except BrokenPipeError:
                pass
            _close(writer)
            writer = None
            statuses = [process.wait() for process in processes]
        except KeyboardInterrupt:
            if writer is not None:
                _close(writer)
            host.stop_all(processes)
            raise
        except host.HostError as exc:
            host.stop_all(processes)
            _write(streams.stderr, f"{exc}\n")
            return 127
        finally:
            if write_end >= 0:
                os.close(write_end)
        return statuses[-1] if statuses else 0

    def _spawn_stage(
        self,
        stage: SimpleCommand | HostCommand,
        stdin: int,
        stdout: Stream | int,
        with_stderr: bool,
        streams: StreamSet,
    ) -> HostProcess:
        from dshell.shell import host

        stage_streams = StreamSet([stdin, stdout, stdout if with_stderr else streams.stderr])  # type: ignore[list-item]
        env = dict(os.environ)
        if isinstance(stage, HostCommand):
            return host.spawn(stage.text, stdin, stdout, stage_streams.stderr, env)
        prepared = self._prepare(stage, stage_streams)
        if isinstance(prepared, int):
            return host.spawn(f"exit {prepared}", stdin, stdout, stage_streams.stderr, env)
        argv, assignments, redirected = prepared
        env.update(assignments)
        try:
            return host.spawn(host.command_line(argv), *redirected.streams, env)
        finally:
            redirected.close_opened()

    # -- helpers ---------------------------------------------------------------------------
    def _session_streams(self) -> StreamSet:
        session = self.session
        return StreamSet([session.stdin, session.stdout, session.stderr])


#: Lines parsed without aliases, by their text: a script repeats its lines (a loop, a log of
#: the same few commands) and the evaluator only reads the tree. Emptied when full.
_PARSED: dict[str, Script] = {}
_PARSED_LIMIT = 512


def _parsed(text: str, aliases: Mapping[str, str]) -> Script:
    """``parse(text, aliases)``, remembered when no alias is defined (an alias can change
    what the same text means)."""
    if aliases:
        return parse(text, aliases)
    script = _PARSED.get(text)
    if script is None:
        script = parse(text)
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[text] = script
    return script


def logical_commands(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Join physical lines into command lines, as bash reads a script: a trailing backslash,
    a trailing ``|``, ``&&`` or ``||``, and a quote or ``$(`` still open at the end of a line
    continue on the next lines. A quote that no later line closes is an error of its own
    line alone: the lines after it are read again as they are. Yields (first line, text)."""
    from dshell.lines import logical_lines

    source = _Lookahead(logical_lines(lines))
    for start, first in source:
        text = first
        taken: list[tuple[int, str]] = []
        while True:
            closer = open_quote(text) if not _MAY_STAY_OPEN.isdisjoint(text) else None
            if closer is None and not needs_more(text):
                break
            following = source.next()
            if following is None:
                break
            taken.append(following)
            text = text + "\n" + following[1]
            while closer is not None and closer not in following[1]:
                following = source.next()  # cheap: no parse until a closer can appear
                if following is None:
                    break
                taken.append(following)
                text = text + "\n" + following[1]
            if following is None:
                break
        if taken and open_quote(text) is not None:
            source.give_back(taken)  # never closed: an error of the first line only
            text = first
        yield start, text


class _Lookahead:
    """An iterator that can take items back."""

    def __init__(self, items: Iterable[tuple[int, str]]) -> None:
        self.items = iter(items)
        self.returned: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[tuple[int, str]]:
        while True:
            item = self.next()
            if item is None:
                return
            yield item

    def next(self) -> tuple[int, str] | None:
        if self.returned:
            return self.returned.pop()
        return next(self.items, None)

    def give_back(self, items: list[tuple[int, str]]) -> None:
        self.returned.extend(reversed(items))


@contextlib.contextmanager
def _environment(assignments: dict[str, str]) -> Iterator[None]:
    """``NAME=value command``: the variables are in the environment for that command only."""
    if not assignments:
        yield
        return
    saved = {name: os.environ.get(name) for name in assignments}
    try:
        for name, value in assignments.items():
            with contextlib.suppress(ValueError):
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _close(stream: Stream) -> None:
    with contextlib.suppress(OSError, ValueError):
        stream.handle.close()
    with contextlib.suppress(OSError, ValueError):
        stream.handle.buffer.close()


def _write(stream, text: str) -> None:  # noqa: ANN001
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


