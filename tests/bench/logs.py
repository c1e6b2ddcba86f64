"""Benchmark: ``logs`` of a container that wrote ~200 MB to stdout and stderr, dshell vs docker.

    python3 tests/bench/logs.py [--megabytes 200] [--runs 3]

A private daemon (``harness.start_engine``) runs a busybox container that writes half the
bytes to stdout and half to stderr at the same time; once it has exited, ``docker logs`` and
``dshell -c 'logs C'`` read the same log, each to two files. The script checks both wrote the
same bytes on each stream, then prints each one's throughput (best of N) and the ratio.
Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, print_table  # noqa: E402

LINE = "0123456789abcdefghijklmnopqrstuvwxyz" * 3


def writer_script(total_bytes: int) -> str:
    half = total_bytes // 2
    return (f"(yes out-{LINE} | head -c {half}) & "
            f"(yes err-{LINE} | head -c {half} >&2) & wait")  # fmt: skip


def read_logs(argv: list[str], env: dict, directory: Path) -> tuple[float, str, str, int]:
    """Seconds taken, digests of stdout and stderr, bytes in total."""
    out_path, err_path = directory / "out", directory / "err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=out, stderr=err, check=True)
        elapsed = time.perf_counter() - start
    digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (out_path, err_path)]
    size = out_path.stat().st_size + err_path.stat().st_size
    return elapsed, digests[0], digests[1], size


def figures(
    engine: harness.Engine,
    quick: bool = False,
    megabytes: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """``logs`` throughput of dshell and docker on the same log (best of ``runs`` each)."""
    megabytes = megabytes or (50 if quick else 200)
    runs = runs or (2 if quick else 3)
    name = harness.unique_name("bench-logs")
    try:
        script = writer_script(megabytes * 1_000_000)
        created = harness.run_docker(engine, "run", "--name", name, "--network", "none",
                                     "busybox", "sh", "-c", script, timeout=600)  # fmt: skip
        if created.status != 0:
            raise harness.HarnessError(created.err)
        programs = {
            "docker": [harness.DOCKER_CLI, "logs", name],
            "dshell": [*harness.DSHELL_COMMAND, "-c", f"logs {name}"],
        }
        best: dict[str, float] = {}
        outputs: dict[str, tuple[str, str, int]] = {}
        with tempfile.TemporaryDirectory() as scratch:
            for _ in range(runs):
                for program, argv in programs.items():
                    elapsed, out, err, size = read_logs(argv, engine.env, Path(scratch))
                    best[program] = min(best.get(program, elapsed), elapsed)
                    outputs[program] = (out, err, size)
        if outputs["dshell"] != outputs["docker"]:
            raise harness.HarnessError(f"dshell and docker printed different bytes: {outputs}")
    finally:
        harness.run_docker(engine, "rm", "-f", name)
    total = outputs["docker"][2] / 1_000_000
    return [
        Figure(
            f"`logs` of a container that wrote {total:.0f} MB to stdout and stderr "
            f"(`logs.py`, best of {runs})",
            total / best["dshell"],
            total / best["docker"],
            "docker",
            "MB/s",
            better="higher",
            goal="≥ 1.0×",
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200, help="bytes the container writes")
    parser.add_argument("--runs", type=int, default=3, help="reads by each program (best kept)")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        print_table(figures(engine, megabytes=options.megabytes, runs=options.runs))
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
