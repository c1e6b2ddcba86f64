"""CLI plugins: startup with five plugins installed against none, and running one against docker.

    python3 tests/bench/cli_plugins.py [--quick] [--runs N]

(a) cold ``dshell -c version`` with five ``docker-NAME`` plugins in ``$DOCKER_CONFIG/cli-plugins``
    (each one's metadata command sleeps 0.2 s, so a start that ran one would show it) against
    the same command with an empty plugin folder: the goal is no cost at all (≤ 1.02×); wall
    time, and CPU time (user + system, steadier on a loaded machine);
(b) cold ``dshell -c 'rec x'`` (a plugin that prints its arguments) against ``docker rec x``;
(c) cold ``dshell -c help`` against ``docker help``, both listing the five plugins (each
    plugin's metadata runs once per process in both tools).

Pairs alternate (A B, then B A, …); medians of wall times. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402
from tests.bench.startup import DSHELL, run_once  # noqa: E402
from tests.cli_plugins import write_plugin  # noqa: E402

SLOW_METADATA = """#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then sleep 0.2; echo '@METADATA@'; exit 0; fi
echo "$@"
"""
FAST = """#!/bin/sh
if [ "$1" = docker-cli-plugin-metadata ]; then echo '@METADATA@'; exit 0; fi
echo "$@"
"""


def alternated(
    first: tuple[list[str], dict], second: tuple[list[str], dict], runs: int, cpu: bool = False
) -> tuple[float, float]:
    """Median wall seconds (``cpu``: CPU seconds, user + system) of two (argv, env) commands
    over ``runs`` alternated pairs, after one warm-up of each."""
    run_once(*first)
    run_once(*second)
    ours: list[tuple[float, float]] = []
    theirs: list[tuple[float, float]] = []
    for index in range(runs):
        pair = (second, first) if index % 2 else (first, second)
        for command in pair:
            (ours if command is first else theirs).append(run_once(*command))
    which = 1 if cpu else 0
    return (statistics.median(s[which] for s in ours),
            statistics.median(s[which] for s in theirs))  # fmt: skip


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (7 if quick else 21)
    base = installed_like(engine.env)
    with tempfile.TemporaryDirectory(prefix="dsh-plugins-") as root:
        with_plugins, without = Path(root) / "with", Path(root) / "without"
        (without / "cli-plugins").mkdir(parents=True)
        for index in range(5):
            write_plugin(with_plugins / "cli-plugins", f"slow{index}", script=SLOW_METADATA)
        write_plugin(without / "cli-plugins", "rec", script=FAST)
        env_with = dict(base, DOCKER_CONFIG=str(with_plugins))
        env_without = dict(base, DOCKER_CONFIG=str(without))
        version = [*DSHELL, "-c", "version"]
        start, reference = alternated((version, env_with), (version, env_without), runs)
        rows = [Figure("cold dshell -c version, 5 plugins installed", start, reference,
                       "no plugins", "s", goal="≤ 1.02×")]  # fmt: skip
        start, reference = alternated((version, env_with), (version, env_without), runs,
                                      cpu=True)  # fmt: skip
        rows.append(Figure("cold dshell -c version, 5 plugins installed, CPU time", start,
                           reference, "no plugins", "s", goal="≤ 1.02×"))  # fmt: skip
        ours, docker = alternated(
            ([*DSHELL, "-c", "rec x"], env_without),
            ([harness.DOCKER_CLI, "rec", "x"], env_without),
            runs,
        )
        rows.append(Figure("cold dshell -c 'rec x' (a CLI plugin)", ours, docker, "docker rec x",
                           "s"))  # fmt: skip
        ours, docker = alternated(
            ([*DSHELL, "-c", "help"], env_with),
            ([harness.DOCKER_CLI, "help"], env_with),
            max(3, runs // 3),
        )
        rows.append(Figure("cold dshell -c help, 5 plugins (0.2 s metadata each)", ours, docker,
                           "docker help", "s"))  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 pairs per figure (< 60 s)")
    parser.add_argument("--runs", type=int, default=None, help="pairs per figure (default 21)")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        rows = figures(engine, quick=options.quick, runs=options.runs)
    finally:
        harness.stop_engine(engine)
    print(machine())
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
