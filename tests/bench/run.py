"""Benchmarks against the docker CLI on the same private daemon, printed as figures.

    python3 tests/bench/run.py [--runs N]

(a) cold start: ``dshell -c version`` vs ``docker version``;
(b) a 200-line piped script (``ps -a``, ``images``, ``inspect X``, ``version``, repeated) vs the
    same 200 commands as separate ``docker`` invocations;
(c) the same through the shell language: ``inspect $(ps -q --filter …)``, a pipeline into a
    host command, a variable, vs the same bash script with ``docker`` in front of each command.
Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402

SCRIPT_COMMANDS = ["ps -a", "images", "inspect busybox", "version"]
SHELL_COMMANDS = [
    "{d}inspect -f '{{{{.Name}}}}' $({d}ps -q --filter name=$NAME)",
    "{d}images --format '{{{{.Repository}}}}' | grep -c busybox",
    "{d}inspect $IMAGE",
    "{d}version -f '{{{{.Server.Version}}}}'",
]


def timed(argv: list[str], env: dict, stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return time.perf_counter() - start


def installed_like(env: dict) -> dict:
    """An environment like a user's: bytecode compiled once and used, output buffered.

    (The sessions that develop dshell export PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED;
    measured with them, every start recompiles every module from source.)
    """
    package = Path(__file__).resolve().parents[2] / "dshell"
    compileall.compile_dir(str(package), quiet=1)
    return {k: v for k, v in env.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}  # fmt: skip


def cold_start(engine: harness.Engine, runs: int) -> tuple[float, float]:
    dshell = [timed([*harness.DSHELL_COMMAND, "-c", "version"], engine.env) for _ in range(runs)]
    docker = [timed([harness.DOCKER_CLI, "version"], engine.env) for _ in range(runs)]
    return statistics.median(dshell), statistics.median(docker)


def piped_script(engine: harness.Engine, lines: int) -> tuple[float, float]:
    commands = [SCRIPT_COMMANDS[i % len(SCRIPT_COMMANDS)] for i in range(lines)]
    script = ("\n".join(commands) + "\n").encode()
    dshell = timed(harness.DSHELL_COMMAND, engine.env, script)
    start = time.perf_counter()
    for line in commands:
        subprocess.run([harness.DOCKER_CLI, *line.split()], env=engine.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    docker = time.perf_counter() - start
    return dshell, docker


def shell_script(engine: harness.Engine, lines: int, name: str) -> tuple[float, float]:
    """(c): substitution, pipes and variables, dshell vs bash + docker."""
    templates = [SHELL_COMMANDS[i % len(SHELL_COMMANDS)] for i in range(lines)]
    header = f"NAME={name}\nIMAGE=busybox\n"
    ours = (header + "\n".join(t.format(d="") for t in templates) + "\n").encode()
    theirs = (header + "\n".join(t.format(d=harness.DOCKER_CLI + " ") for t in templates)
              + "\n").encode()  # fmt: skip
    dshell = timed(harness.DSHELL_COMMAND, engine.env, ours)
    bash = timed(["bash"], engine.env, theirs)
    return dshell, bash


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="cold starts of each program")
    parser.add_argument("--lines", type=int, default=200, help="lines in the piped script")
    options = parser.parse_args()
    engine = harness.start_engine()
    engine.env = installed_like(engine.env)
    try:
        with harness.container(engine, "--network", "none", "busybox", "sleep", "600") as made:
            dshell, docker = cold_start(engine, options.runs)
            print(
                f"cold start, median of {options.runs}: dshell -c version {dshell * 1000:.0f} ms,"
                f" docker version {docker * 1000:.0f} ms, ratio dshell/docker "
                f"{dshell / docker:.2f}"
            )
            dshell, docker = piped_script(engine, options.lines)
            print(
                f"{options.lines}-line piped script: dshell {dshell:.2f} s, "
                f"{options.lines} docker invocations {docker:.2f} s, ratio dshell/docker "
                f"{dshell / docker:.3f} ({docker / dshell:.1f}x faster)"
            )
            dshell, bash = shell_script(engine, options.lines, made.name)
            print(
                f"{options.lines}-line script with $(…), | and variables: dshell {dshell:.2f} s,"
                f" bash + docker {bash:.2f} s, ratio dshell/bash {dshell / bash:.3f} "
                f"({bash / dshell:.1f}x faster)"
            )
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
