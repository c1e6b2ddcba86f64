"""BuildKit through the Engine vs the classic builder, on a ~100 MB / 2,000-file context.

    python3 tests/bench/buildkit.py [--runs N] [--megabytes M] [--files F]

Starts its own private engine. Each run, alternating: dshell's classic build
(DOCKER_BUILDKIT=0: the whole context is tarred and sent) and dshell's BuildKit build (the
context goes over the session as fsutil's DiffCopy stream, the Engine asking for each file),
first on a context the Engine has never seen (a fresh config folder: a new session shared
key), then again after one file was rewritten, when BuildKit sends only that file. When
docker 20.10's own BuildKit client is installed (/usr/bin/docker), it does the same as a
second reference. The BuildKit Dockerfile reads the context through a bind mount so that the
Engine needs it (a Dockerfile that does not use the context never asks for it), and names
the client and the run in its RUN, so that no client reuses another's cached step (dshell
and docker send contexts that hash alike); the classic one is ``FROM busybox`` + ``LABEL``,
since the classic builder sends everything anyway. Figures, not assertions.

The private engine's storage driver (vfs) rounds every layer it exports up to the next
wall-clock second (moby's NaiveDiffDriver sleeps so that mtimes within one second compare
right), so a build's time is quantised: back to back, a first build takes ~1 s or ~2 s
depending on whether everything before the export fits in the first second. The Engine's own
timing of the context transfer (plain progress: "transferring context: … 0.8s done") is
printed as a figure of its own, which the rounding does not touch.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.build import make_context  # noqa: E402
from tests.bench.figures import Figure, print_table  # noqa: E402

OLD_DOCKER = "/usr/bin/docker"
CLASSIC_DOCKERFILE = "FROM busybox\nLABEL bench=buildkit\n"
BUILDKIT_DOCKERFILE = ("FROM busybox\nRUN --mount=type=bind,target=/ctx "
                       "cat /ctx/d00/e0/f00000.bin | wc -c > /n-{name}-{run}\n")  # fmt: skip


#: plain progress's last line for the context: "#5 transferring context: 95.82MB 0.8s done"
CONTEXT_DONE = re.compile(r"^#\d+ transferring context: \S+ ([\d.]+)s done$", re.M)


def timed(argv: list[str], env: dict[str, str], transfers: list[float] | None = None) -> float:
    """Wall seconds of a build; with ``transfers``, the Engine's own timing of the context
    transfer (from plain progress) is appended to it."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}): {' '.join(argv)}\n{done.stderr}")
    if transfers is not None:
        found = CONTEXT_DONE.findall(done.stderr)
        if found:
            transfers.append(float(found[-1]))
    return elapsed


def figures(
    engine: harness.Engine,
    quick: bool = False,
    runs: int | None = None,
    megabytes: int | None = None,
    files: int = 2000,
) -> list[Figure]:
    """First build and one-file rebuild: BuildKit vs classic (and vs docker 20.10's client)."""
    runs = runs or (1 if quick else 3)
    megabytes = megabytes or (30 if quick else 100)
    workdir = Path(tempfile.mkdtemp(prefix="dsh-bench-buildkit-"))
    old_docker = os.path.exists(OLD_DOCKER)
    names = ["classic", "buildkit", *(["docker"] if old_docker else [])]
    first: dict[str, list[float]] = {name: [] for name in names}
    again: dict[str, list[float]] = {name: [] for name in names}
    transfers: dict[str, list[float]] = {name: [] for name in names}
    try:
        context = workdir / "ctx"
        total = make_context(context, megabytes, files)
        (context / "Dockerfile.classic").write_text(CLASSIC_DOCKERFILE)
        touched = next(context.glob("d01/e1/*.bin"))
        tag = harness.unique_name("bench-bk")
        ctx = str(context)
        for run in range(runs):
            envs = {}
            for name in names[1:]:
                dockerfile = BUILDKIT_DOCKERFILE.format(name=name, run=run)
                (context / f"Dockerfile.{name}.{run}").write_text(dockerfile)
            for name in names:
                config = workdir / f"config-{name}-{run}"
                config.mkdir()
                envs[name] = {**engine.env, "DOCKER_CONFIG": str(config),
                              "DOCKER_BUILDKIT": "0" if name == "classic" else "1"}  # fmt: skip
            commands = {
                "classic": [*harness.DSHELL_COMMAND, "-c",
                            f"build -q -f {ctx}/Dockerfile.classic -t {tag} {ctx}"],
                "buildkit": [*harness.DSHELL_COMMAND, "-c", f"build --progress plain --network "
                             f"none -f {ctx}/Dockerfile.buildkit.{run} -t {tag} {ctx}"],
                "docker": [OLD_DOCKER, "build", "--progress", "plain", "--network", "none", "-f",
                           f"{ctx}/Dockerfile.docker.{run}", "-t", tag, ctx],
            }  # fmt: skip
            order = names if run % 2 == 0 else names[::-1]
            for name in order:
                first[name].append(timed(commands[name], envs[name], transfers[name]))
            touched.write_bytes(os.urandom(touched.stat().st_size))
            for name in order:
                again[name].append(timed(commands[name], envs[name]))
        harness.run_docker(engine, "rmi", tag)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    med = {name: (statistics.median(first[name]), statistics.median(again[name]))
           for name in names}  # fmt: skip
    what = f"{total / 1e6:.0f} MB in {files} files, median of {runs}"
    rows = [
        Figure(f"BuildKit `build`, first ({what}) (`buildkit.py`)", med["buildkit"][0],
               med["classic"][0], "classic", "s", goal="≤ 1.0×"),
        Figure(f"BuildKit `build`, one file touched ({what})", med["buildkit"][1],
               med["classic"][1], "classic", "s", goal="≤ 0.5×"),
    ]  # fmt: skip
    if old_docker:
        rows += [
            Figure(f"BuildKit `build`, first ({what})", med["buildkit"][0], med["docker"][0],
                   "docker 20.10", "s", goal="≤ 1.25×"),
            Figure(f"BuildKit `build`, one file touched ({what})", med["buildkit"][1],
                   med["docker"][1], "docker 20.10", "s", goal="≤ 1.25×"),
        ]  # fmt: skip
        if transfers["buildkit"] and transfers["docker"]:
            rows.append(Figure(
                f"BuildKit first build: the context transfer, as the Engine times it ({what})",
                statistics.median(transfers["buildkit"]), statistics.median(transfers["docker"]),
                "docker 20.10", "s"))  # fmt: skip
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    engine = harness.start_engine()
    try:
        if args.quick:
            print_table(figures(engine, quick=True))
        else:
            print_table(figures(engine, runs=args.runs, megabytes=args.megabytes,
                                files=args.files))  # fmt: skip
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
