"""Benchmark: ``plugin ls`` and ``plugin inspect`` on an engine holding N managed plugins.

    python3 tests/bench/plugins.py [--quick] [--runs R]

Creates N plugins (30; 8 when quick) with docker's ``plugin create`` from busybox's files (each
with its own marker file: dockerd 20.10 refuses a second plugin with the same rootfs layer),
then times each line against one ``docker LINE`` (alternating, medians of R rounds): in a
session (the marginal cost of one more such line in a piped script) and cold (a whole
``dshell -c 'LINE'``). Figures, not assertions.
"""

from __future__ import annotations

import io
import json
import secrets
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure  # noqa: E402
from tests.bench.lines import engine_main, line_figures  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402


def make_plugin_dir(parent: Path, index: int) -> Path:
    """busybox's root filesystem (as the harness imports it), a marker, a config.json."""
    directory = parent / f"plugin-{index}"
    rootfs = directory / "rootfs"
    rootfs.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(harness.busybox_tarball())) as tar:
        tar.extractall(rootfs, filter="tar")
    (rootfs / "marker").write_text(secrets.token_hex(8))
    config = {
        "Description": f"bench plugin {index} with a description long enough to be cut",
        "Entrypoint": ["/bin/sleep", "1000000"],
        "Interface": {"Types": ["docker.volumedriver/1.0"], "Socket": "bench.sock"},
        "Network": {"Type": "host"},
    }
    (directory / "config.json").write_text(json.dumps(config))
    return directory


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None) -> list[Figure]:
    runs = runs or (5 if quick else 15)
    count = 8 if quick else 30
    names = [f"bench-plugin-{index}" for index in range(count)]
    env = installed_like(engine.env)
    try:
        with tempfile.TemporaryDirectory(prefix="dsh-bench-pl-") as parent:
            for index, name in enumerate(names):
                directory = make_plugin_dir(Path(parent), index)
                harness.run_docker_ok(engine, "plugin", "create", name, str(directory))
        lines = ("plugin ls", "plugin ls --no-trunc --format json",
                 f"plugin inspect {names[0]}")  # fmt: skip
        return line_figures(env, lines, runs, 5 if quick else 10, f"{count} plugins")
    finally:
        harness.run_docker(engine, "plugin", "rm", "-f", *names)


def main() -> int:
    return engine_main(figures, __doc__)


if __name__ == "__main__":
    sys.exit(main())
