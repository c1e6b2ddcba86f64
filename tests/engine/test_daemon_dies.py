"""The daemon dies in the middle of a stream: dshell says what docker says, exits as it exits.

One throwaway daemon (never the session's engine) serves every streaming command at once,
each run by docker and by dshell side by side; once every stream is flowing, the daemon is
SIGKILLed and each pair's exit status and standard error are compared.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import harness

LOOP = "while true; do echo hi; sleep 0.2; done"
READY_TIMEOUT = 30.0
EXIT_TIMEOUT = 30.0
#: How long a command that docker keeps running after the daemon died is watched.
STILL_RUNNING_SECONDS = 4.0
LOGRUS_TIME = re.compile(r'^time="[^"]+" ', re.MULTILINE)


@dataclass
class Scene:
    """Names of the containers the commands stream from, on the throwaway daemon."""

    logger: str
    tty_logger: str
    created: dict[str, str]  # tool -> a container created for that tool's `start -a`
    since: str  # a moment before the scene's volume was made: `events` replays that one


@dataclass
class Outcome:
    out: str
    err: str
    status: int | None  # None: still running after the daemon died


@dataclass
class Case:
    args: Callable[[Scene, str], list[str]]  # (scene, tool) -> argv after `docker`
    ready: Callable[[str], bool]  # has the stream started flowing? (on stdout so far)
    keeps_running: bool = False


def _has_hi(out: str) -> bool:
    return "hi" in out


def _has_table(out: str) -> bool:
    return "CONTAINER ID" in out


CASES = {
    "logs -f": Case(lambda s, _: ["logs", "-f", s.logger], _has_hi),
    "logs -f (tty)": Case(lambda s, _: ["logs", "-f", s.tty_logger], _has_hi),
    "logs -f --timestamps": Case(lambda s, _: ["logs", "-f", "-t", s.logger], _has_hi),
    "events": Case(lambda s, _: ["events", "--since", s.since, "--filter", "type=volume"],
                   lambda out: "volume create" in out),
    "attach": Case(lambda s, _: ["attach", s.logger], _has_hi),
    "attach --no-stdin": Case(lambda s, _: ["attach", "--no-stdin", s.logger], _has_hi),
    "run": Case(lambda s, _: ["run", "busybox", "sh", "-c", LOOP], _has_hi),
    "start -a": Case(lambda s, tool: ["start", "-a", s.created[tool]], _has_hi),
    "stats (all)": Case(lambda s, _: ["stats"], _has_table),
    "stats --format (all)": Case(lambda s, _: ["stats", "--format", "{{.Name}}"],
                                 lambda out: "\n" in out),
    # docker's collectors retry a broken stream forever: the table stays, with dashes.
    "stats NAME": Case(lambda s, _: ["stats", s.logger], _has_table, keeps_running=True),
}


def _argv(tool: str, args: list[str]) -> list[str]:
    if tool == "docker":
        return [harness.DOCKER_CLI, *args]
    return [*harness.DSHELL_COMMAND, "-c", shlex.join(args)]


def _set_the_scene(engine: harness.Engine) -> Scene:
    scene = Scene(logger=harness.unique_name("logger"), tty_logger=harness.unique_name("tty"),
                  created={tool: harness.unique_name(f"created-{tool}")
                           for tool in ("docker", "dshell")},
                  since=str(int(time.time()) - 1))  # fmt: skip
    harness.run_docker_ok(engine, "volume", "create", harness.unique_name("vol"))
    harness.run_docker_ok(engine, "run", "-d", "--name", scene.logger, "busybox", "sh", "-c",
                          LOOP)  # fmt: skip
    harness.run_docker_ok(engine, "run", "-d", "-t", "--name", scene.tty_logger, "busybox",
                          "sh", "-c", LOOP)  # fmt: skip
    for name in scene.created.values():
        harness.run_docker_ok(engine, "create", "--name", name, "busybox", "sh", "-c", LOOP)
    return scene


def _text(path: Path) -> str:
    """A file's text as written: no newline translation (a TTY's lines end in \\r\\n)."""
    return path.read_bytes().decode(errors="replace")


def _wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start streaming within {READY_TIMEOUT:.0f} s")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[tuple[str, str], Outcome]]:
    """(case, tool) -> what that command printed and how it ended once the daemon died."""
    engine = harness.start_engine()
    work = Path(tempfile.mkdtemp(prefix="dsh-dies-"))
    running: dict[tuple[str, str], tuple[subprocess.Popen, Path, Path]] = {}
    try:
        scene = _set_the_scene(engine)
        for name, case in CASES.items():
            for tool in ("docker", "dshell"):
                out = work / f"{len(running)}.out"
                err = work / f"{len(running)}.err"
                with open(out, "wb") as out_file, open(err, "wb") as err_file:
                    process = subprocess.Popen(
                        _argv(tool, case.args(scene, tool)), env=engine.env,
                        stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file)
                running[name, tool] = (process, out, err)
        for (name, tool), (process, out, err) in running.items():
            ready = CASES[name].ready
            _wait_until(lambda out=out, ready=ready: ready(_text(out)),
                        f"{tool} {name}")  # fmt: skip
            assert process.poll() is None, f"{tool} {name} ended early: {err.read_text()}"
        time.sleep(0.5)
        os.kill(engine.process.pid, signal.SIGKILL)  # our own daemon, by its pid
        engine.process.wait()
        killed = time.monotonic()
        results = {}
        for (name, tool), (process, out, err) in running.items():
            if CASES[name].keeps_running:
                time.sleep(max(0.0, killed + STILL_RUNNING_SECONDS - time.monotonic()))
                status = process.poll()
            else:
                try:
                    status = process.wait(timeout=EXIT_TIMEOUT)
                except subprocess.TimeoutExpired:
                    status = None
            results[name, tool] = Outcome(_text(out), _text(err), status)
        yield results
    finally:
        for process, _, _ in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
        harness.stop_engine(engine)
        for path in work.iterdir():
            path.unlink()
        with contextlib.suppress(OSError):
            work.rmdir()


def _same_stderr(text: str) -> str:
    """Standard error with logrus' timestamps left out (the two tools ran a moment apart)."""
    return LOGRUS_TIME.sub('time="…" ', text)


@pytest.mark.parametrize("name", [name for name in CASES if not CASES[name].keeps_running])
def test_a_stream_cut_by_the_daemon_dying_ends_as_docker_s(outcomes, name):
    docker, dshell = outcomes[name, "docker"], outcomes[name, "dshell"]
    assert docker.status is not None, f"docker {name} kept running: {docker.err}"
    assert (dshell.status, _same_stderr(dshell.err)) == (docker.status, _same_stderr(docker.err))


@pytest.mark.parametrize("name", ["logs -f", "logs -f (tty)", "events", "attach",
                                  "attach --no-stdin"])
def test_docker_reports_the_cut_stream_as_an_unexpected_eof(outcomes, name):
    """What the comparison above pins, spelled out: never a silent 0 for these."""
    for tool in ("docker", "dshell"):
        assert (outcomes[name, tool].status, outcomes[name, tool].err) == (1, "unexpected EOF\n")


@pytest.mark.parametrize("name", ["run", "start -a"])
def test_run_and_start_attached_log_the_failed_wait_and_exit_125(outcomes, name):
    for tool in ("docker", "dshell"):
        outcome = outcomes[name, tool]
        assert outcome.status == 125
        assert outcome.err.splitlines()[-1].endswith(
            ' level=error msg="error waiting for container: unexpected EOF"'), outcome.err


@pytest.mark.parametrize("name", ["stats (all)", "stats --format (all)"])
def test_stats_of_all_containers_ends_quietly_as_docker_s(outcomes, name):
    """docker suppresses "unexpected EOF" from its event stream "so that it shuts down
    cleanly when the daemon restarts"."""
    for tool in ("docker", "dshell"):
        assert (outcomes[name, tool].status, outcomes[name, tool].err) == (0, "")


def test_events_printed_before_the_cut_are_docker_s(outcomes):
    assert outcomes["events", "dshell"].out == outcomes["events", "docker"].out


def test_streamed_output_before_the_cut_is_kept(outcomes):
    for name in ("logs -f", "attach", "run", "start -a"):
        lines = outcomes[name, "dshell"].out.splitlines()
        assert lines and set(lines) == {"hi"}, (name, outcomes[name, "dshell"].out)
    tty_lines = outcomes["logs -f (tty)", "dshell"].out.split("\r\n")
    assert tty_lines[0] == "hi" and set(tty_lines[:-1]) == {"hi"}


def test_stats_of_named_containers_keeps_running_as_docker_s(outcomes):
    docker, dshell = outcomes["stats NAME", "docker"], outcomes["stats NAME", "dshell"]
    assert (docker.status, dshell.status) == (None, None), (docker.err, dshell.err)
    last_frame = dshell.out.rsplit("\x1b[H", 1)[-1]
    assert "--        -- / --" in last_frame, last_frame
