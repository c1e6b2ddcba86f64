"""One line of dshell against one docker invocation, in a session and cold, as Figures.

Shared by the benchmarks that time single command lines (swarm.py, services.py, stacks.py):
per line, alternating and with medians of ``runs`` rounds, (a) the marginal cost of one more
such line in a piped dshell script, (t(1+K) − t(1)) / K, and (b) a whole ``dshell -c 'LINE'``
(Python's start-up included), each against one ``docker LINE``.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests import harness
from tests.bench.figures import Figure


def elapsed(argv: list[str], env: dict, script: bytes | None = None,
            cwd: Path | None = None) -> float:  # fmt: skip
    """Seconds ``argv`` took, ``script`` on its standard input; a failure stops the bench."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, input=script,
                          stdin=subprocess.DEVNULL if script is None else None,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300,
                          check=False)  # fmt: skip
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise harness.HarnessError(f"{argv}: {done.stderr.decode(errors='replace')}")
    return took


def line_figures(env: dict, lines: tuple[str, ...], runs: int, extra: int, scale: str,
                 cwd: Path | None = None) -> list[Figure]:  # fmt: skip
    """Two Figures per line: in a session (``extra`` = K more lines) and cold; ``scale`` says
    what the engine held ("300 secrets and configs")."""
    figures = []
    for line in lines:
        marginal, cold, theirs = [], [], []
        script = f"{line}\n".encode()
        for index in range(runs):
            order = ("docker", "cold", "session")
            for step in order if index % 2 == 0 else reversed(order):
                if step == "docker":
                    theirs.append(elapsed([harness.DOCKER_CLI, *line.split()], env, cwd=cwd))
                elif step == "cold":
                    cold.append(elapsed([*harness.DSHELL_COMMAND, "-c", line], env, cwd=cwd))
                else:
                    many = elapsed(harness.DSHELL_COMMAND, env, script * (1 + extra), cwd)
                    once = elapsed(harness.DSHELL_COMMAND, env, script, cwd)
                    marginal.append((many - once) / extra)
        reference = statistics.median(theirs)
        figures.append(Figure(f"`{line}` in a session, one more line",
                              statistics.median(marginal), reference, "docker", "s",
                              goal="≤ 1×"))  # fmt: skip
        figures.append(Figure(f"`{line}` cold, {scale}", statistics.median(cold), reference,
                              "docker", "s", goal="≤ 1.5×"))  # fmt: skip
    return figures


def renamed(figures: list[Figure], text: str, shown: str) -> list[Figure]:
    """The figures with ``text`` (a registry's address…) written as ``shown`` in their names."""
    return [Figure(f.name.replace(text, shown), f.dshell, f.reference, f.reference_name, f.unit,
                   f.better, f.goal) for f in figures]  # fmt: skip


def engine_main(figures: Callable[..., list[Figure]], doc: str) -> int:
    """``main()`` of a bench that needs one private engine: ``--quick``, ``--runs N``."""
    import argparse

    from tests.bench.figures import machine, print_table

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int)
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        print_table(figures(engine, options.quick, options.runs))
    finally:
        harness.stop_engine(engine)
    print(f"\n{machine()}")
    return 0
