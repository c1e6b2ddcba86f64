"""Benchmark: ``network ls`` with 1,000 networks.

    python3 tests/bench/networks.py [--quick] [--objects N] [--runs R]

Each bridge network puts a ``br-…`` device in its daemon's network namespace, so 1,000 of them
may not be made by a daemon in this machine's own namespace (listing.py times the other
listings there). The bench starts a daemon of its own inside a network namespace
(tests/swarm_engine.py, no swarm), makes N bridge networks, each with a /27 of
198.19.0.0/16 (a default pool of /24s would hold only 512), then times
``network ls`` against one ``docker network ls`` (alternating, medians of R rounds): in a
session (the marginal cost of one more such line in a piped script, K = 20, 10 when quick)
and cold (a whole ``dshell -c 'network ls'``). Figures, not assertions; everything goes with
the namespace at the end.
"""

from __future__ import annotations

import ipaddress
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, swarm_engine  # noqa: E402
from tests.bench.figures import Figure, namespaced_main  # noqa: E402
from tests.bench.lines import line_figures  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

#: The upper half of the benchmarking range 198.18.0.0/15: the daemon's default pool (the
#: lower half's /24s) gives docker0 its subnet.
BENCH_RANGE = ipaddress.ip_network("198.19.0.0/16")
SUBNET_PREFIX = 27
JSON_HEADERS = {"Content-Type": "application/json"}


def populate(engine: harness.Engine, count: int) -> None:
    """``count`` bridge networks, each on its own /27 of :data:`BENCH_RANGE`."""
    subnets = BENCH_RANGE.subnets(new_prefix=SUBNET_PREFIX)
    wanted = [(index, str(next(subnets))) for index in range(count)]

    def make(item: tuple[int, str]) -> None:
        index, subnet = item
        body = {"Name": f"bench-net-{index}", "Driver": "bridge",
                "Labels": {"dshell.bench": "networks"},
                "IPAM": {"Config": [{"Subnet": subnet}]}}  # fmt: skip
        status, _, answer = engine.api("POST", "/networks/create", json.dumps(body).encode(),
                                       JSON_HEADERS, timeout=120)  # fmt: skip
        if status >= 300:
            raise harness.HarnessError(f"network create: {status} {answer[:200]!r}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make, wanted))


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    objects: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """``network ls`` over ``objects`` networks (1,000; 200 when quick); ``engine`` (the
    shared one, in this machine's namespace) is not used."""
    objects = objects or (200 if quick else 1000)
    runs = runs or (5 if quick else 9)
    with swarm_engine.one_node("nets", swarm=False) as own:
        started = time.perf_counter()
        populate(own, objects)
        print(f"# networks: {objects} made in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        return line_figures(installed_like(own.env), ("network ls",), runs,
                            10 if quick else 20, f"{objects:,} networks")  # fmt: skip


def main() -> int:
    return namespaced_main(__doc__, figures, "objects")


if __name__ == "__main__":
    sys.exit(main())
