"""Bulk copies: ``cp`` out and in, ``save``, ``export`` of ~100 MB, dshell vs docker, as
throughput (MB/s) of the whole command, printed as figures.

    python3 tests/bench/transfer.py [--quick] [--runs N] [--megabytes 100]

A busybox container writes MEGABYTES of random bytes to /big (``dd if=/dev/urandom``) and is
committed into an image. Each figure runs dshell's and docker's command alternately, RUNS
times each, and prints the medians as MB/s (archive or file bytes / wall time of the whole
process): ``cp C:/big -`` (to /dev/null), ``cp C:/big DIR/``, ``save -o FILE IMAGE``,
``export C`` (to /dev/null) and ``cp FILE C:/`` (in). The bytes dshell wrote are checked
against docker's once.

A whole command includes each program's start: docker's takes ~20 ms, dshell's (a Python
interpreter, then requests) ~0.1 s on an idle machine and 0.3-0.5 s on a loaded one, which at
100 MB weighs as much as the copy. Four figures take start-up out: ``cp C:/big DIR/`` minus
``cp C:/tiny DIR/`` (a one-byte file) and ``save -o`` of the big image minus busybox's, each
tool against itself; and ``cp`` and ``save -o`` as one more line of a running session (what
a dshell user waits) against docker's whole command, single runs in turn. The whole-command
figures say how much of the gap is Python's start. The disk is synced before every timed
run. Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

GOAL = "≥ 1.0×"
TIMEOUT = 600


def _run(argv: list[str], env: dict, stdout=subprocess.DEVNULL, stdin=None) -> float:  # noqa: ANN001
    """Wall time of one whole process; a failure stops the benchmark with its message.

    The disk is synced first: both tools fsync the files they write (docker's atomicwriter,
    dshell's AtomicFile), and an fsync also waits for the dirty pages earlier runs left, so
    without it a run pays for what ran before it."""
    os.sync()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=stdout, stdin=stdin, stderr=subprocess.PIPE,
                          timeout=TIMEOUT, check=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise harness.HarnessError(f"{argv} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def _argv(tool: str, line: str) -> list[str]:
    if tool == "docker":
        return [harness.DOCKER_CLI, *line.split()]
    return [*harness.DSHELL_COMMAND, "-c", line]


def _alternate(runs: int, measure: Callable[[str], float]) -> dict[str, float]:
    """Median seconds per tool, dshell and docker taking turns (docker first every other
    round, so neither always runs on the other's warm caches)."""
    seconds: dict[str, list[float]] = {"dshell": [], "docker": []}
    for round_ in range(runs):
        order = ("docker", "dshell") if round_ % 2 else ("dshell", "docker")
        for tool in order:
            seconds[tool].append(measure(tool))
    return {tool: statistics.median(values) for tool, values in seconds.items()}


def _throughput(name: str, size: int, medians: dict[str, float], runs: int) -> Figure:
    megabytes = size / 1e6
    return Figure(
        f"{name}, {megabytes:.0f} MB, whole command, median of {runs} (`transfer.py`)",
        megabytes / medians["dshell"],
        megabytes / medians["docker"],
        "docker",
        "MB/s",
        better="higher",
        goal=GOAL,
    )


def _check_same(what: str, ours: Path, theirs: Path) -> None:
    if not filecmp.cmp(ours, theirs, shallow=False):
        print(f"warning: {what}: dshell and docker wrote different bytes", file=sys.stderr)


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None,
            megabytes: int = 100) -> list[Figure]:  # fmt: skip
    """cp out (stdout, directory), save -o, export, cp in; then cp out within a session."""
    runs = runs or (3 if quick else 5)
    env = installed_like(engine.env)
    name = harness.unique_name("bench-big")
    image = f"{name}-image"
    scratch = Path(tempfile.mkdtemp(prefix="dsh-transfer-"))
    made = harness.run_docker(engine, "run", "--name", name, "--network", "none", "busybox",
                              "busybox", "dd", "if=/dev/urandom", "of=/big", "bs=1M",
                              f"count={megabytes}", timeout=TIMEOUT)  # fmt: skip
    try:
        if made.status != 0:
            raise harness.HarnessError(made.err)
        harness.run_docker_ok(engine, "commit", name, image)
        return _measure(env, name, image, scratch, runs, quick)
    finally:
        harness.run_docker(engine, "rm", "-f", name)
        harness.run_docker(engine, "rmi", "-f", image)
        shutil.rmtree(scratch, ignore_errors=True)


def _measure(env: dict, name: str, image: str, scratch: Path, runs: int,
             quick: bool) -> list[Figure]:  # fmt: skip
    rows = []
    outputs = {tool: scratch / tool for tool in ("dshell", "docker")}
    for folder in outputs.values():
        folder.mkdir()

    # the archive docker streams for C:/big, and its size (what every cp figure moves)
    archive = scratch / "big.tar"
    with open(archive, "wb") as out:
        _run(_argv("docker", f"cp {name}:/big -"), env, stdout=out)
    archive_size = archive.stat().st_size

    rows.append(_throughput(f"`cp {name}:/big -` (to /dev/null)", archive_size,
                            _alternate(runs, lambda tool: _run(
                                _argv(tool, f"cp {name}:/big -"), env)), runs))  # fmt: skip

    def cp_to_folder(tool: str) -> float:
        target = outputs[tool] / "big"
        target.unlink(missing_ok=True)
        return _run(_argv(tool, f"cp {name}:/big {outputs[tool]}/"), env)

    rows.append(_throughput(f"`cp {name}:/big DIR/`", archive_size,
                            _alternate(runs, cp_to_folder), runs))  # fmt: skip
    _check_same("cp C:/big DIR/", outputs["dshell"] / "big", outputs["docker"] / "big")
    big_file = outputs["docker"] / "big"

    def save(tool: str) -> float:
        return _run(_argv(tool, f"save -o {outputs[tool]}/image.tar {image}"), env)

    save_medians = _alternate(runs, save)
    _check_same("save -o", outputs["dshell"] / "image.tar", outputs["docker"] / "image.tar")
    saved_size = (outputs["docker"] / "image.tar").stat().st_size
    rows.append(_throughput(f"`save -o FILE {image}`", saved_size, save_medians, runs))

    export_medians = _alternate(runs, lambda tool: _run(_argv(tool, f"export {name}"), env))
    rows.append(_throughput(f"`export {name}` (to /dev/null)", archive_size, export_medians,
                            runs))  # fmt: skip

    rows.append(_throughput(f"`cp FILE {name}:/` (in)", big_file.stat().st_size,
                            _alternate(runs, lambda tool: _run(
                                _argv(tool, f"cp {big_file} {name}:/in-{tool}"), env)),
                            runs))  # fmt: skip

    rows.append(_copy_only(env, name, outputs, archive_size, runs))
    rows.append(_save_only(env, image, outputs, runs))
    # The files the figures above wrote (~1 GB) go first: on this VM, page cache that lands on
    # guest memory never touched before costs the writer 3-5x the kernel time (the host backs
    # each page on first touch), and those files would hold the memory already touched.
    for path in scratch.rglob("*"):
        if path.is_file():
            path.unlink()
    rounds = 2 * runs + 1  # one line per round: cheap, so more rounds than the others
    rows.extend(_in_session(env, f"`cp {name}:/big DIR/`",
                            lambda tool: f"cp {name}:/big {outputs[tool]}/session-big",
                            outputs, archive_size, rounds))  # fmt: skip
    rows.extend(_in_session(env, f"`save -o FILE {image}`",
                            lambda tool: f"save -o {outputs[tool]}/session.tar {image}",
                            outputs, saved_size, rounds))  # fmt: skip
    return rows


def _copy_only(env: dict, name: str, outputs: dict[str, Path], size: int,
               runs: int) -> Figure:  # fmt: skip
    """cp out with both tools' start-up and round trips out: the whole ``cp C:/big DIR/``
    minus the whole ``cp C:/tiny DIR/`` (a one-byte file)."""
    tiny = outputs["docker"].parent / "tiny"
    tiny.write_bytes(b"x")
    _run(_argv("docker", f"cp {tiny} {name}:/tiny"), env)

    def copy(tool: str, what: str) -> str:
        (outputs[tool] / what).unlink(missing_ok=True)
        return f"cp {name}:/{what} {outputs[tool]}/"

    return _difference(env, f"`cp {name}:/big DIR/` minus `cp {name}:/tiny DIR/`", copy,
                       lambda what: size if what == "big" else 0, runs)  # fmt: skip


def _save_only(env: dict, image: str, outputs: dict[str, Path], runs: int) -> Figure:
    """save -o with start-up and round trips out: the big image's minus busybox's (2 MB),
    for the bytes between the two archives."""
    sizes: dict[str, int] = {}

    def save(tool: str, what: str) -> str:
        return f"save -o {outputs[tool]}/{what}.tar {image if what == 'big' else 'busybox'}"

    def size_of(what: str) -> int:
        if what not in sizes:
            sizes[what] = (outputs["docker"] / f"{what}.tar").stat().st_size
        return sizes[what]

    return _difference(env, f"`save -o FILE {image}` minus `save -o FILE busybox`", save,
                       size_of, runs)  # fmt: skip


def _difference(env: dict, name: str, line: Callable[[str, str], str],
                size: Callable[[str], int], runs: int) -> Figure:  # fmt: skip
    """(size(big) − size(tiny)) / (median whole ``line(tool, "big")`` − median whole
    ``line(tool, "tiny")``), alternated: what is left once each program's start-up and round
    trips are out (they are printed too)."""
    seconds: dict[str, dict[str, list[float]]] = {
        tool: {"big": [], "tiny": []} for tool in ("dshell", "docker")
    }
    for round_ in range(runs):
        order = ("docker", "dshell") if round_ % 2 else ("dshell", "docker")
        for tool in order:
            for what in ("big", "tiny"):
                seconds[tool][what].append(_run(_argv(tool, line(tool, what)), env))
    moved = (size("big") - size("tiny")) / 1e6
    rate = {tool: moved / (statistics.median(times["big"]) - statistics.median(times["tiny"]))
            for tool, times in seconds.items()}  # fmt: skip
    starts = {tool: statistics.median(times["tiny"]) * 1000 for tool, times in seconds.items()}
    return Figure(
        f"{name} (start-up and round trips out; the small one took dshell "
        f"{starts['dshell']:.0f} ms, docker {starts['docker']:.0f} ms), median of {runs} "
        "(`transfer.py`)",
        rate["dshell"],
        rate["docker"],
        "docker",
        "MB/s",
        better="higher",
    )


def _in_session(env: dict, what: str, line: Callable[[str], str], outputs: dict[str, Path],
                size: int, rounds: int) -> list[Figure]:  # fmt: skip
    """One command within a running session, against docker's whole command: a dshell
    reading a pipe stays up, and each round times one more ``line`` in it (written, then
    ``echo``'s answer read back; the builtin costs ~0.2 ms) and one ``docker`` run of the same
    line, in turn, with the files removed and the disk synced before each. Paired single runs,
    not (t(1+N) − t(1))/N of whole scripts: the daemon's pace swings ±15% from one save to
    the next, and a difference of two scripts' times carried all of it. A second figure is
    the client's own CPU time per line (the session's, from /proc; docker's, as a child's),
    which the daemon's pace does not move.
    ``line(tool)`` is the command line (without ``docker``); it writes into ``outputs[tool]``."""

    def emptied() -> None:
        for folder in outputs.values():
            for path in folder.glob("session*"):
                path.unlink()
        os.sync()

    seconds: dict[str, list[float]] = {"dshell": [], "docker": []}
    cpu: dict[str, list[float]] = {"dshell": [], "docker": []}
    errors = tempfile.TemporaryFile()
    session = subprocess.Popen(harness.DSHELL_COMMAND, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=errors)  # fmt: skip

    def failed(what: str, answered: str) -> harness.HarnessError:
        errors.seek(0)
        return harness.HarnessError(f"dshell {what}: {answered!r} {errors.read()[-500:]!r}")

    try:
        answered = _answer_in(session, "echo ready")
        if answered != "ready":
            raise failed("session", answered)
        for round_ in range(rounds):
            for tool in ("docker", "dshell") if round_ % 2 else ("dshell", "docker"):
                emptied()
                if tool == "docker":
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    seconds[tool].append(_run(_argv("docker", line("docker")), env))
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu[tool].append(after.ru_utime - before.ru_utime
                                     + after.ru_stime - before.ru_stime)  # fmt: skip
                    continue
                used = _cpu_seconds(session.pid)
                start = time.perf_counter()
                answered = _answer_in(session, f"{line('dshell')} && echo done")
                seconds[tool].append(time.perf_counter() - start)
                cpu[tool].append(_cpu_seconds(session.pid) - used)
                if answered != "done":
                    raise failed(repr(line("dshell")), answered)
    finally:
        session.stdin.close()
        session.wait(timeout=TIMEOUT)
        errors.close()
    emptied()
    megabytes = size / 1e6
    return [
        Figure(
            f"{what} within a session (one more line of a running session, {rounds} rounds, "
            "each tool in turn; start-up out), median (`transfer.py`)",
            megabytes / statistics.median(seconds["dshell"]),
            megabytes / statistics.median(seconds["docker"]),
            "docker's whole command",
            "MB/s",
            better="higher",
        ),
        Figure(
            f"{what} within a session: the client's CPU time (user + system), median",
            statistics.median(cpu["dshell"]),
            statistics.median(cpu["docker"]),
            "docker's whole command",
            "s",
        ),
    ]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a live process has used so far (/proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answer_in(session: subprocess.Popen, line: str) -> str:
    """Send ``line`` to a running dshell and read the one line it answers with."""
    session.stdin.write(f"{line}\n".encode())
    session.stdin.flush()
    return session.stdout.readline().decode(errors="replace").strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs a figure (else 5)")
    parser.add_argument("--runs", type=int, default=None, help="runs a figure, each tool")
    parser.add_argument("--megabytes", type=int, default=100, help="size of the big file")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        rows = figures(engine, quick=options.quick, runs=options.runs,
                       megabytes=options.megabytes)  # fmt: skip
    finally:
        harness.stop_engine(engine)
    print(f"Measured {machine()}, docker CLI {harness.DOCKER_CLI}, one private dockerd.")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
