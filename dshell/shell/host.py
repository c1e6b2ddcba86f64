"""Host commands: the stages after ``|`` and the ``!`` escape, run by ``/bin/sh -c``.

dshell expands a stage's words itself (its variables, its ``$(…)``), then hands the argv to
the system shell quoted, so the program runs with exactly those arguments. Ctrl-C ends every
stage: each gets the terminal's SIGINT as in bash, and whatever is still alive a moment later
is terminated, then killed, so nothing is left behind.
"""

from __future__ import annotations

import codecs
import contextlib
import shlex
import signal
import subprocess
import threading
from collections.abc import Mapping

from dshell.streams import Stream

SHELL = "/bin/sh"
#: How long stages may take to end by themselves after Ctrl-C, before SIGTERM, then SIGKILL.
GRACE_SECONDS = 0.2


def status_of(returncode: int) -> int:
    """A wait status as a shell reports it (128+N for a signal)."""
    return 128 - returncode if returncode < 0 else returncode


class HostProcess:
    """One running stage, with the threads that copy its output into fd-less streams."""

    def __init__(self, process: subprocess.Popen, pumps: list[threading.Thread]) -> None:
        self.process = process
        self.pumps = pumps

    def wait(self) -> int:
        status = self.process.wait()
        for pump in self.pumps:
            pump.join()
        return status_of(status)


def command_line(argv: list[str]) -> str:
    """The system shell's line that runs exactly ``argv``, in place of the shell (so the
    program itself is the stage: signals reach it, nothing waits around it)."""
    return "exec " + shlex.join(argv) if argv else ":"


def spawn(
    command: str,
    stdin: Stream | int,
    stdout: Stream | int,
    stderr: Stream | int,
    env: Mapping[str, str],
) -> HostProcess:
    """Start ``/bin/sh -c COMMAND`` with the given streams (a pipe end may be a raw fd).

    A stream without a descriptor (captured in memory) is fed through a pipe and a thread.
    """
    pumps: list[threading.Thread] = []
    handles: list[int | None] = []
    readers = []
    for index, stream in enumerate((stdin, stdout, stderr)):
        if isinstance(stream, int):
            handles.append(stream)
        elif stream.fd is not None:
            if index:
                _flush(stream)
            handles.append(stream.fd)
        elif index == 0:
            handles.append(subprocess.DEVNULL)
        else:
            handles.append(subprocess.PIPE)
            readers.append((index, stream))
    if "\0" in command:
        # No program can get a NUL byte in an argument (bash drops them while reading).
        command = "echo 'dshell: a host command cannot take a NUL byte' >&2; exit 126"
    try:
        process = subprocess.Popen(
            [SHELL, "-c", command or ":"], stdin=handles[0], stdout=handles[1],
            stderr=handles[2], env=_clean_environment(env), close_fds=True,
        )  # fmt: skip
    except OSError as exc:
        raise HostError(f"{SHELL}: {exc.strerror}") from exc
    for index, stream in readers:
        pipe = process.stdout if index == 1 else process.stderr
        pump = threading.Thread(target=_pump, args=(pipe, stream), daemon=True)
        pump.start()
        pumps.append(pump)
    return HostProcess(process, pumps)


class HostError(Exception):
    """A host command that could not be started at all."""


def _clean_environment(env: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if "\0" not in k and "\0" not in v and "=" not in k}


def _pump(pipe, stream: Stream) -> None:  # noqa: ANN001
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    try:
        while True:
            chunk = pipe.read1(65536)
            if not chunk:
                break
            stream.write(decoder.decode(chunk))
        stream.write(decoder.decode(b"", final=True))
        stream.flush()
    except (OSError, ValueError):
        pass
    finally:
        pipe.close()


def _flush(stream: Stream) -> None:
    try:
        stream.flush()
    except (OSError, ValueError):
        pass


def stop_all(processes: list[HostProcess]) -> None:
    """After Ctrl-C: give every stage a moment, then SIGTERM, then SIGKILL."""
    for signal_number in (None, signal.SIGTERM, signal.SIGKILL):
        alive = [p for p in processes if p.process.poll() is None]
        if not alive:
            break
        for host in alive:
            if signal_number is not None:
                with contextlib.suppress(OSError):
                    host.process.send_signal(signal_number)
        for host in alive:
            with contextlib.suppress(subprocess.TimeoutExpired):
                host.process.wait(GRACE_SECONDS)
    for host in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            host.process.wait(GRACE_SECONDS)


def run_escape(
    text: str, stdin: Stream, stdout: Stream, stderr: Stream, env: Mapping[str, str]
) -> int:
    """``!text``: the system shell runs the text as typed, with the terminal."""
    from dshell.terminal import terminal_handed_over

    with terminal_handed_over(stdin):
        try:
            return spawn(text, stdin, stdout, stderr, env).wait()
        except HostError as exc:
            stderr.write(f"{exc}\n")
            return 127
