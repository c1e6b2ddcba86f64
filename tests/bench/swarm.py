"""Benchmark: swarm listings — ``node ls``, ``node ps``, ``secret ls``, ``config ls``.

    python3 tests/bench/swarm.py [--quick] [--objects N] [--runs R]

Swarm needs a daemon inside a network namespace (tests/swarm_engine.py): the bench starts a
one-node swarm of its own there (the shared engine it is given is not a swarm), makes N
secrets and N configs and a service of 4 tasks, then times each listing against one
``docker LINE`` (alternating, medians of R rounds): in a session (the marginal cost of one more
such line in a piped script, K = 20, 10 when quick) and cold (a whole ``dshell -c 'LINE'``).
Figures, not assertions; everything is removed with the swarm's namespace at the end.
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

LISTINGS = ("node ls", "node ps", "secret ls", "config ls")
JSON_HEADERS = {"Content-Type": "application/json"}


def _populate(engine: harness.Engine, objects: int) -> None:
    def make(index: int) -> None:
        for kind in ("secrets", "configs"):
            body = {"Name": f"bench-{kind}-{index}", "Labels": {"dshell.bench": "swarm"},
                    "Data": "YmVuY2g="}  # fmt: skip
            status, _, answer = engine.api(
                "POST", f"/{kind}/create", json.dumps(body).encode(), JSON_HEADERS, timeout=60
            )
            if status >= 300:
                raise harness.HarnessError(f"{kind} create: {status} {answer[:200]!r}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make, range(objects)))
    harness.run_docker_ok(
        engine,
        "service",
        "create",
        "-d",
        "--name",
        "bench-web",
        "--replicas",
        "4",
        "busybox",
        "sleep",
        "1000",
    )


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    objects: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """The swarm listings' figures; ``engine`` (the shared, non-swarm one) is not used."""
    objects = objects or (50 if quick else 300)
    runs = runs or (5 if quick else 15)
    with swarm_engine.one_node("bench") as manager:
        _populate(manager, objects)
        return line_figures(installed_like(manager.env), LISTINGS, runs, 10 if quick else 20,
                            f"{objects} secrets and configs")  # fmt: skip


def main() -> int:
    return namespaced_main(__doc__, figures, "objects")


if __name__ == "__main__":
    sys.exit(main())
