"""Benchmark: stack commands — ``stack config``, ``stack deploy`` (an update), ``stack ls``,
``stack services``.

    python3 tests/bench/stacks.py [--quick] [--stacks N] [--runs R]

A stack needs a swarm, so the bench starts a one-node swarm of its own in a namespace
(tests/swarm_engine.py; the shared engine it is given is not a swarm), deploys N stacks of two
services (no replicas, so nothing runs) with docker, then times each line against one
``docker LINE`` in the same run, alternating, medians of R rounds: in a session (the marginal
cost of one more such line in a piped script, K = 10, 5 when quick) and cold (a whole
``dshell -c 'LINE'``, Python's start-up included). ``stack config``
reads and prints the compose file on the client only (dshell's YAML import included);
``stack deploy`` re-deploys an existing stack (networks, secret, config and service lookups,
two service updates). Figures, not assertions; the swarm goes at the end.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, swarm_engine  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

COMPOSE = """\
version: "3.8"
services:
  web:
    image: busybox
    command: sleep 100000
    environment:
      - GREETING=${GREETING:-hello}
    labels: {app: web}
    deploy: {replicas: 0, labels: {tier: front}}
    secrets: [s1]
    configs: [{source: c1, target: /etc/c1.conf}]
  worker:
    image: busybox
    command: ["sleep", "100000"]
    networks: [back]
    deploy: {replicas: 0}
networks:
  back: {labels: {tier: back}}
secrets:
  s1: {file: ./s1.txt}
configs:
  c1: {file: ./c1.txt}
"""
LINES = (
    "stack config -c compose.yml",
    "stack deploy -d --resolve-image never -c compose.yml bench0",
    "stack ls",
    "stack services bench0",
)


def _elapsed(argv: list[str], env: dict, cwd: Path, script: bytes | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, input=script,
                          stdin=subprocess.DEVNULL if script is None else None,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300,
                          check=False)  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise harness.HarnessError(f"{argv}: {done.stderr.decode(errors='replace')}")
    return elapsed


def _measure(engine: harness.Engine, folder: Path, runs: int, stacks: int,
             lines: int) -> list[Figure]:  # fmt: skip
    """Per line: one more such line in a piped dshell script, (t(1+K) - t(1)) / K, and a
    whole ``dshell -c``, each against one docker invocation."""
    env = installed_like(engine.env)
    figures = []
    for line in LINES:
        marginal, cold, theirs = [], [], []
        script = f"{line}\n".encode()
        for index in range(runs):
            order = ("docker", "cold", "session")
            for step in order if index % 2 == 0 else reversed(order):
                if step == "docker":
                    theirs.append(_elapsed([harness.DOCKER_CLI, *line.split()], env, folder))
                elif step == "cold":
                    cold.append(_elapsed([*harness.DSHELL_COMMAND, "-c", line], env, folder))
                else:
                    many = _elapsed(harness.DSHELL_COMMAND, env, folder, script * (1 + lines))
                    once = _elapsed(harness.DSHELL_COMMAND, env, folder, script)
                    marginal.append((many - once) / lines)
        reference = statistics.median(theirs)
        figures.append(Figure(f"`{line}` in a session, one more line",
                              statistics.median(marginal), reference, "docker", "s",
                              goal="≤ 1×"))  # fmt: skip
        figures.append(Figure(f"`{line}` cold, {stacks} stacks", statistics.median(cold),
                              reference, "docker", "s", goal="≤ 1.5×"))  # fmt: skip
    return figures


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    stacks: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """The stack commands' figures; ``engine`` (the shared, non-swarm one) is not used."""
    stacks = stacks or (3 if quick else 10)
    runs = runs or (3 if quick else 9)
    cluster = swarm_engine.start_nodes(1, "bstk")
    try:
        swarm_engine.init_swarm(cluster)
        manager = cluster.manager.engine
        with tempfile.TemporaryDirectory(prefix="dsh-stack-bench-") as scratch:
            folder = Path(scratch)
            (folder / "compose.yml").write_text(COMPOSE)
            (folder / "s1.txt").write_text("secret\n")
            (folder / "c1.txt").write_text("conf\n")
            for index in range(stacks):
                harness.run_docker_ok(manager, "stack", "deploy", "-d", "--resolve-image",
                                      "never", "-c", "compose.yml", f"bench{index}",
                                      cwd=folder, timeout=120)  # fmt: skip
            try:
                return _measure(manager, folder, runs, stacks, 5 if quick else 10)
            finally:
                names = [f"bench{index}" for index in range(stacks)]
                harness.run_docker(manager, "stack", "rm", *names, timeout=120)
    finally:
        swarm_engine.stop_nodes(cluster)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stacks", type=int)
    parser.add_argument("--runs", type=int)
    options = parser.parse_args()
    print_table(figures(None, options.quick, options.stacks, options.runs))
    print(f"\n{machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
