"""Cold start: a whole ``dshell`` process against the floor of a Python Engine client and docker.

    python3 tests/bench/startup.py [--quick] [--runs N]

Each figure pairs two commands measured in this run, alternated (A B, then B A, …), and reports
the medians of their wall times:

(a) ``dshell -c version`` against ``python -c 'import requests_unixsocket'``, the import of the
    HTTP stack alone with the same interpreter (goal: ≤ 1.15×);
(b) ``dshell -c version`` against ``docker version``;
(c) ``dshell -c help`` against ``docker help`` (every command declaration is loaded);
(d) ``dshell -c 'context ls'`` against the import floor (no Engine: no HTTP stack at all).

Processes run as an installed dshell runs (bytecode compiled and used, see ``installed_like``),
with ``sys.executable`` itself (``python3`` on PATH may be a pyenv shim, a bash script that adds
~50 ms). ``--tree DIR`` measures the dshell of another checkout (``git worktree`` or ``git
archive`` of an older commit) for before/after figures. On a loaded machine wall times swing
with the neighbours; the CPU time (user + system) of the same runs is printed too, as extra
rows, and (full runs, when valgrind is installed) the instructions callgrind counts for one
run of each, which the neighbours do not change. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

FLOOR = [sys.executable, "-c", "import requests_unixsocket"]
FLOOR_NAME = "python -c 'import requests_unixsocket'"
DSHELL = [sys.executable, "-m", "dshell"]
REPO = str(Path(__file__).resolve().parents[2])


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process, its output discarded. It runs in
    the tree it measures (``-m dshell`` looks in the working directory first)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True,
                   cwd=env.get("PYTHONPATH", REPO))  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def instructions(argv: list[str], env: dict[str, str]) -> float | None:
    """Millions of instructions one run executes (callgrind's total, hash seed fixed), or
    None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={os.devnull}",
                           *argv], env=dict(env, PYTHONHASHSEED="0"), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          cwd=env.get("PYTHONPATH", REPO))  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) / 1e6 if found else None


def paired(ours: list[str], theirs: list[str], env: dict[str, str],
           runs: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """Medians (wall, CPU) of each command over ``runs`` alternated pairs, after one warm-up
    of each (the page cache and the bytecode, as for a user's second start)."""
    run_once(ours, env)
    run_once(theirs, env)
    mine: list[tuple[float, float]] = []
    other: list[tuple[float, float]] = []
    for index in range(runs):
        if index % 2:
            other.append(run_once(theirs, env))
            mine.append(run_once(ours, env))
        else:
            mine.append(run_once(ours, env))
            other.append(run_once(theirs, env))

    def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
        return (statistics.median(s[0] for s in samples),
                statistics.median(s[1] for s in samples))  # fmt: skip

    return medians(mine), medians(other)


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None,
            tree: Path | None = None) -> list[Figure]:
    """Cold ``-c version``, ``-c help`` and ``-c 'context ls'`` against their references;
    ``tree``: the checkout whose dshell to run (default: this one)."""
    runs = runs or (7 if quick else 21)
    env = installed_like(engine.env)
    if tree is not None:
        compileall.compile_dir(str(tree / "dshell"), quiet=1)
        env["PYTHONPATH"] = str(tree)
    cases = [
        ("cold dshell -c version", [*DSHELL, "-c", "version"], FLOOR, FLOOR_NAME, "≤ 1.15×"),
        ("cold dshell -c version", [*DSHELL, "-c", "version"], [harness.DOCKER_CLI, "version"],
         "docker version", ""),
        ("cold dshell -c help", [*DSHELL, "-c", "help"], [harness.DOCKER_CLI, "help"],
         "docker help", ""),
        ("cold dshell -c 'context ls' (no Engine)", [*DSHELL, "-c", "context ls"], FLOOR,
         FLOOR_NAME, ""),
    ]  # fmt: skip
    walls: list[Figure] = []
    cpus: list[Figure] = []
    for name, ours, theirs, reference, goal in cases:
        (wall, cpu), (their_wall, their_cpu) = paired(ours, theirs, env, runs)
        walls.append(Figure(name, wall, their_wall, reference, "s", goal=goal))
        cpus.append(Figure(f"{name}, CPU time", cpu, their_cpu, reference, "s"))
    counted: list[Figure] = []
    if not quick:
        for name, ours, theirs, reference, goal in (cases[0], cases[3]):
            mine, other = instructions(ours, env), instructions(theirs, env)
            if mine is not None and other is not None:
                counted.append(Figure(f"{name}, instructions (callgrind)", mine, other,
                                      reference, "M instr", goal=goal))  # fmt: skip
    return walls + cpus + counted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 pairs per figure (< 60 s)")
    parser.add_argument("--runs", type=int, default=None, help="pairs per figure (default 21)")
    parser.add_argument("--tree", type=Path, default=None,
                        help="measure the dshell package of this checkout instead")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        rows = figures(engine, quick=options.quick, runs=options.runs, tree=options.tree)
    finally:
        harness.stop_engine(engine)
    print(machine())
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
