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

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, swarm_engine  # noqa: E402
from tests.bench.figures import Figure, namespaced_main  # noqa: E402
from tests.bench.lines import line_figures  # noqa: E402
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


def figures(
    engine: harness.Engine | None = None,
    quick: bool = False,
    stacks: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """The stack commands' figures; ``engine`` (the shared, non-swarm one) is not used."""
    stacks = stacks or (3 if quick else 10)
    runs = runs or (3 if quick else 9)
    with (swarm_engine.one_node("bstk") as manager,
          tempfile.TemporaryDirectory(prefix="dsh-stack-bench-") as scratch):  # fmt: skip
        folder = Path(scratch)
        (folder / "compose.yml").write_text(COMPOSE)
        (folder / "s1.txt").write_text("secret\n")
        (folder / "c1.txt").write_text("conf\n")
        for index in range(stacks):
            harness.run_docker_ok(manager, "stack", "deploy", "-d", "--resolve-image", "never",
                                  "-c", "compose.yml", f"bench{index}", cwd=folder,
                                  timeout=120)  # fmt: skip
        try:
            return line_figures(installed_like(manager.env), LINES, runs, 5 if quick else 10,
                                f"{stacks} stacks", folder)  # fmt: skip
        finally:
            names = [f"bench{index}" for index in range(stacks)]
            harness.run_docker(manager, "stack", "rm", *names, timeout=120)


def main() -> int:
    return namespaced_main(__doc__, figures, "stacks")


if __name__ == "__main__":
    sys.exit(main())
