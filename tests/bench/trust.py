"""Benchmark: ``trust inspect`` (JSON and --pretty) of a signed repository with a signer.

    python3 tests/bench/trust.py [--quick] [--runs R]

Starts a loopback registry and notary server of its own (tests/notary_server.py), has docker
sign busybox there (a push under DOCKER_CONTENT_TRUST, a signer added, a tag signed by it),
then times each line against one ``docker LINE`` (alternating, medians of R rounds): in a
session (one more such line in a piped script) and cold (a whole ``dshell -c 'LINE'``). Both
tools talk to the notary server themselves (TLS, the metadata cache shared), so these compare
two notary clients. Figures, not assertions.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness, notary_server  # noqa: E402
from tests.bench.figures import Figure  # noqa: E402
from tests.bench.lines import engine_main, line_figures, renamed  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (5 if quick else 15)
    registry = harness.start_registry()
    server = None
    try:
        server = notary_server.start_notary_server()
        with tempfile.TemporaryDirectory(prefix="dsh-bench-trust-") as config:
            env = dict(installed_like(engine.env), DOCKER_CONFIG=config,
                       DOCKER_CONTENT_TRUST_ROOT_PASSPHRASE="bench-root-1",
                       DOCKER_CONTENT_TRUST_REPOSITORY_PASSPHRASE="bench-repo-1")  # fmt: skip
            env.update(server.trust_env(config))
            repo = f"{registry.address}/bench-trust"
            for tag in ("v1", "v2"):
                harness.run_docker_ok(env, "tag", "busybox", f"{repo}:{tag}")
            harness.run_docker_ok(env, "push", f"{repo}:v1", env={"DOCKER_CONTENT_TRUST": "1"})
            harness.run_docker_ok(env, "trust", "key", "generate", "bench", "--dir", config)
            harness.run_docker_ok(env, "trust", "signer", "add", "--key",
                                  f"{config}/bench.pub", "bench", repo)  # fmt: skip
            harness.run_docker_ok(env, "trust", "sign", f"{repo}:v2")
            lines = (f"trust inspect {repo}", f"trust inspect --pretty {repo}:v2")
            found = line_figures(env, lines, runs, 5 if quick else 10, "loopback notary")
            return renamed(found, registry.address, "REG")
    finally:
        if server is not None:
            notary_server.stop_notary_server(server)
        harness.stop_registry(registry)


def main() -> int:
    return engine_main(figures, __doc__)


if __name__ == "__main__":
    sys.exit(main())
