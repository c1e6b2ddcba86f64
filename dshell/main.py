"""Entry point: global flags, the session, and one of the four modes."""

from __future__ import annotations

import gc
import os
import sys
from typing import NoReturn

from dshell import __version__
from dshell.commands.parse import HelpRequested, UsageError, parse_args
from dshell.globalflags import DSHELL_COMMAND, LOG_LEVELS


def usage() -> str:
    from dshell.commands.helptext import options_block

    return (
        f"Usage:  dshell {DSHELL_COMMAND.usage}\n\n{DSHELL_COMMAND.summary}\n\n"
        f"{options_block(DSHELL_COMMAND.flags)}"
    )


def run() -> NoReturn:
    """The process's entry (the ``dshell`` script, ``python -m dshell``): ``main``'s status
    as the exit status, without the collector's last pass over every object imported.

    Python's shutdown runs a full collection; after ``import requests`` alone that pass is
    ~15 ms, a sixth of a cold ``-c version``. Freezing moves what exists into the permanent
    generation, which that pass skips; reference counting still frees what it frees, and
    every file dshell writes is closed (or flushed, for the standard streams) by then.
    """
    status = main()
    gc.freeze()
    raise SystemExit(status)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    _bytes_safe_output()
    try:
        opts = parse_args(DSHELL_COMMAND, args)
    except HelpRequested:
        sys.stdout.write(usage())
        return 0
    except UsageError as exc:
        sys.stderr.write(f"{exc.message}. See 'dshell --help'.\n")
        return 125
    if opts.version:
        sys.stdout.write(f"dshell version {__version__}\n")
        return 0
    _report_thread_errors(debug=opts.debug)
    if opts.log_level not in LOG_LEVELS:
        sys.stderr.write(f"Unable to parse logging level: {opts.log_level}\n")
        return 1
    try:
        return _run(opts)
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        return 130


def _run(opts) -> int:  # noqa: ANN001
    from dshell.engine.config import ConfigFile, config_dir
    from dshell.engine.endpoint import ConnectionOptions
    from dshell.engine.errors import EngineError
    from dshell.session import DockerSession

    directory = config_dir(opts.config)
    config = ConfigFile.load(directory)
    if config.warning:
        sys.stderr.write(f"WARNING: Error {config.warning}\n")
    connection = ConnectionOptions(
        hosts=list(opts.host),
        context=opts.context,
        tls=opts.tls,
        tlsverify=opts.tlsverify if "tlsverify" in opts.given else None,
        tlscacert=opts.tlscacert,
        tlscert=opts.tlscert,
        tlskey=opts.tlskey,
    )
    try:
        session = DockerSession(connection, directory, config, debug=opts.debug)
    except EngineError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    try:
        return _pick_mode(session, opts)
    finally:
        session.close()


def _pick_mode(session, opts) -> int:  # noqa: ANN001
    from dshell.batch import run_lines
    from dshell.shell.evaluate import Shell

    state = session.shell_state
    if opts.command is not None:
        if opts.args:
            state.script_name, state.arguments = opts.args[0], list(opts.args[1:])
        shell = Shell(session, exit_on_error=opts.exit_on_error)
        return run_lines(session, opts.command.splitlines() or [""], number_errors=False,
                         shell=shell)  # fmt: skip
    if opts.args:
        path = opts.args[0]
        state.script_name, state.arguments = path, list(opts.args[1:])
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            sys.stderr.write(f"dshell: cannot open {path}: {exc.strerror}\n")
            return 127
        with handle:
            lines = _decoded_lines(handle)
            return run_lines(session, lines, exit_on_error=opts.exit_on_error)
    if not session.stdin.is_terminal:
        return run_lines(session, _decoded_lines(sys.stdin.buffer),
                         exit_on_error=opts.exit_on_error)  # fmt: skip
    if session.endpoint_error is not None:
        sys.stderr.write(f"{session.endpoint_error}\n")
        return 1
    from dshell.repl.prompt import run_interactive

    return run_interactive(session)


def _decoded_lines(binary):  # noqa: ANN001, ANN202 - a binary file → its lines as text
    """Lines of a script as text, whatever bytes it holds: invalid UTF-8 survives as
    surrogate escapes (and goes back out as the same bytes), as piped text does."""
    for raw in binary:
        yield raw.decode("utf-8", "surrogateescape")


def _report_thread_errors(debug: bool) -> None:
    """A background thread (completion cache, stats collectors, stream readers) that fails
    unexpectedly says so in one line, as the dispatcher does; -D adds the traceback."""
    import threading

    def report(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or sys.stderr is None:
            return
        exc = args.exc_value
        what = f"{args.exc_type.__name__}: {exc}" if str(exc) else args.exc_type.__name__
        try:
            if debug:
                import traceback

                traceback.print_exception(args.exc_type, exc, args.exc_traceback)
            sys.stderr.write(f"dshell: internal error: {what} (run with -D for details)\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    threading.excepthook = report


def _bytes_safe_output() -> None:
    """Names that arrived as non-UTF-8 bytes are printed back as the same bytes (docker
    prints them raw too), never as an encoding error. A standard stream that was closed
    when dshell started (``>&-``) takes the output silently, as docker's does."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the interpreter's flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
