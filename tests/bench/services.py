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

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, swarm_engine  # noqa: E402
from tests.bench.figures import Figure, namespaced_main  # noqa: E402
from tests.bench.lines import line_figures  # noqa: E402
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


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    services: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """The service listings' figures; ``engine`` (the shared, non-swarm one) is not used."""
    services = services or (20 if quick else 100)
    runs = runs or (5 if quick else 15)
    with swarm_engine.one_node("bsvc") as manager:
        _populate(manager, services)
        return line_figures(installed_like(manager.env), LINES, runs, 10 if quick else 20,
                            f"{services + 1} services")  # fmt: skip


def main() -> int:
    return namespaced_main(__doc__, figures, "services")


if __name__ == "__main__":
    sys.exit(main())
