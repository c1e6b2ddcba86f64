"""Benchmark: ``manifest inspect`` of an image, of a pushed list and of a local list.

    python3 tests/bench/manifests.py [--quick] [--runs R]

Starts a loopback registry of its own, pushes busybox to it and a manifest list (docker's
``manifest create`` + ``push``), keeps a local list in a private DOCKER_CONFIG, then times
each line against one ``docker LINE`` (alternating, medians of R rounds): in a session (the
marginal cost of one more such line in a piped script, K = 10, 5 when quick) and cold (a
whole ``dshell -c 'LINE'``). Both tools talk to the registry themselves (the daemon has no
part in ``manifest``), so these compare two registry clients. Figures, not assertions.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure  # noqa: E402
from tests.bench.lines import engine_main, line_figures, renamed  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (5 if quick else 15)
    registry = harness.start_registry()
    try:
        with tempfile.TemporaryDirectory(prefix="dsh-bench-mf-") as config:
            env = dict(installed_like(engine.env), DOCKER_CONFIG=config)
            repo = f"{registry.address}/bench-manifest"
            harness.run_docker_ok(engine, "tag", "busybox", f"{repo}:amd64")
            harness.run_docker_ok(engine, "push", f"{repo}:amd64")
            for tag in ("pushed", "local"):
                harness.run_docker_ok(engine, "manifest", "create", "--insecure",
                                      f"{repo}:{tag}", f"{repo}:amd64", env=env)  # fmt: skip
            harness.run_docker_ok(engine, "manifest", "push", "--purge", f"{repo}:pushed",
                                  env=env)  # fmt: skip
            lines = (f"manifest inspect --insecure {repo}:amd64",
                     f"manifest inspect --insecure -v {repo}:pushed",
                     f"manifest inspect -v {repo}:local")  # fmt: skip
            found = line_figures(env, lines, runs, 5 if quick else 10, "loopback registry")
            harness.run_docker(engine, "rmi", f"{repo}:amd64")
            return renamed(found, registry.address, "REG")
    finally:
        harness.stop_registry(registry)


def main() -> int:
    return engine_main(figures, __doc__)


if __name__ == "__main__":
    sys.exit(main())
