"""Benchmark: service listings — ``service ls``, ``service ps``, ``service inspect --pretty``.

    python3 tests/bench/services.py [--quick] [--services N] [--runs R]

Services need a swarm, and a swarm a daemon inside a network namespace (tests/swarm_engine.py):
the bench starts a one-node swarm of its own (the shared engine it is given is not a swarm),
makes N services of no replicas and one of 4 tasks, then times each line against one
``docker LINE`` (alternating, medians of R rounds): in a session (the marginal cost of one more
such line in a piped script, K = 20, 10 when quick) and cold (a whole ``dshell -c 'LINE'``).
Figures, not assertions; everything goes with the swarm's namespace at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, swarm_engine  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

LINES = ("service ls", "service ps bench-web", "service inspect --pretty bench-web")
JSON_HEADERS = {"Content-Type": "application/json"}


def _populate(engine: harness.Engine, services: int) -> None:
    def make(index: int) -> None:
        spec = {
            "Name": f"bench-idle-{index}",
            "Labels": {"dshell.bench": "services"},
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox:latest",
                                               "Args": ["sleep", "1000"]}},
            "Mode": {"Replicated": {"Replicas": 0}},
        }  # fmt: skip
        status, _, answer = engine.api(
            "POST", "/services/create", json.dumps(spec).encode(), JSON_HEADERS, timeout=60
        )
        if status >= 300:
            raise harness.HarnessError(f"service create: {status} {answer[:200]!r}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make, range(services)))
    web = ["--name", "bench-web", "--replicas", "4", "-p", "18000:80"]
    harness.run_docker_ok(engine, "service", "create", "-d", *web, "busybox", "sleep", "1000")


def _elapsed(argv: list[str], env: dict, script: bytes | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, input=script, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=300, check=False,
                          stdin=None if script is not None else subprocess.DEVNULL)  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise harness.HarnessError(f"{argv}: {done.stderr.decode(errors='replace')}")
    return elapsed


def _measure(engine: harness.Engine, runs: int, services: int, lines: int) -> list[Figure]:
    """Per line: (a) one more such line in a piped dshell script, (t(1+K) - t(1)) / K,
    against one docker invocation; (b) cold, ``dshell -c`` against docker."""
    env = installed_like(engine.env)
    figures = []
    for line in LINES:
        marginal, cold, theirs = [], [], []
        script = f"{line}\n".encode()
        for index in range(runs):
            order = ("docker", "cold", "session")
            for step in order if index % 2 == 0 else reversed(order):
                if step == "docker":
                    theirs.append(_elapsed([harness.DOCKER_CLI, *line.split()], env))
                elif step == "cold":
                    cold.append(_elapsed([*harness.DSHELL_COMMAND, "-c", line], env))
                else:
                    many = _elapsed(harness.DSHELL_COMMAND, env, script * (1 + lines))
                    marginal.append((many - _elapsed(harness.DSHELL_COMMAND, env, script)) / lines)
        reference = statistics.median(theirs)
        figures.append(Figure(f"`{line}` in a session, one more line",
                              statistics.median(marginal), reference, "docker", "s",
                              goal="≤ 1×"))  # fmt: skip
        figures.append(Figure(f"`{line}` cold, {services + 1} services", statistics.median(cold),
                              reference, "docker", "s", goal="≤ 1.5×"))  # fmt: skip
    return figures


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    services: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """The service listings' figures; ``engine`` (the shared, non-swarm one) is not used."""
    services = services or (20 if quick else 100)
    runs = runs or (5 if quick else 15)
    cluster = swarm_engine.start_nodes(1, "bsvc")
    try:
        swarm_engine.init_swarm(cluster)
        _populate(cluster.manager.engine, services)
        return _measure(cluster.manager.engine, runs, services, 10 if quick else 20)
    finally:
        swarm_engine.stop_nodes(cluster)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--services", type=int)
    parser.add_argument("--runs", type=int)
    options = parser.parse_args()
    print_table(figures(None, options.quick, options.services, options.runs))
    print(f"\n{machine()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
