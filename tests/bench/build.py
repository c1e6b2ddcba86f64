"""Build with a ~100 MB context (many files): dshell vs ``docker build`` (legacy builder).

    python3 tests/bench/build.py [--runs N] [--megabytes M] [--files F]

Starts its own private engine, builds ``FROM busybox`` + a LABEL (the context is sent in full
but not copied into a layer, so the figure is the context transfer and the builder's
overhead), and prints the median wall time of each client, their ratio, and each client's
peak resident memory (``ru_maxrss`` of the process). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, print_table  # noqa: E402

# Runs a command and reports its peak RSS (KiB): RUSAGE_CHILDREN of a fresh interpreter holds
# only that one child.
PEAK_WRAPPER = (
    "import resource, subprocess, sys\n"
    "status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
    " stderr=subprocess.DEVNULL).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, status)\n"
)


def make_context(root: Path, megabytes: int, files: int) -> int:
    """``files`` files of random bytes in nested folders, ``megabytes`` MB in all."""
    size = megabytes * 1_000_000 // files
    for index in range(files):
        folder = root / f"d{index % 20:02d}" / f"e{index % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index:05d}.bin").write_bytes(os.urandom(size))
    (root / "Dockerfile").write_text("FROM busybox\nLABEL bench=build\n")
    (root / ".dockerignore").write_text("d19/**\n!d19/e0\n")
    return size * files


def timed_build(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, *argv], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    elapsed = time.perf_counter() - start
    peak_kib, status = (int(part) for part in done.stdout.split())
    if status != 0:
        raise SystemExit(f"build failed ({status}): {' '.join(argv)}")
    return elapsed, peak_kib


def figures(
    engine: harness.Engine,
    quick: bool = False,
    runs: int | None = None,
    megabytes: int | None = None,
    files: int = 2000,
) -> list[Figure]:
    """Classic build time and peak memory, dshell vs docker, on the same context."""
    runs = runs or (2 if quick else 3)
    megabytes = megabytes or (30 if quick else 100)
    workdir = Path(tempfile.mkdtemp(prefix="dsh-bench-build-"))
    try:
        total = make_context(workdir / "ctx", megabytes, files)
        env = {**engine.env, "DOCKER_BUILDKIT": "0"}
        context = str(workdir / "ctx")
        tag = harness.unique_name("bench-build")
        dshell_cmd = [*harness.DSHELL_COMMAND, "-c", f"build -q -t {tag} {context}"]
        docker_cmd = [harness.DOCKER_CLI, "build", "-q", "-t", tag, context]
        timed_build(docker_cmd, env)  # warm the daemon's cache and page cache alike
        measured: dict[str, list[tuple[float, int]]] = {"dshell": [], "docker": []}
        for _ in range(runs):
            measured["dshell"].append(timed_build(dshell_cmd, env))
            measured["docker"].append(timed_build(docker_cmd, env))
        harness.run_docker(engine, "rmi", tag)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    times = {name: statistics.median(t for t, _ in rows) for name, rows in measured.items()}
    peaks = {name: max(p for _, p in rows) / 1024 for name, rows in measured.items()}
    what = f"classic `build`, {total / 1e6:.0f} MB context in {files} files (`build.py`"
    return [
        Figure(f"{what}, median of {runs})", times["dshell"], times["docker"], "docker", "s",
               goal="≤ 1.0×"),
        Figure(f"{what}, peak memory)", peaks["dshell"], peaks["docker"], "docker", "MiB"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    engine = harness.start_engine()
    try:
        print_table(figures(engine, runs=args.runs, megabytes=args.megabytes, files=args.files))
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
