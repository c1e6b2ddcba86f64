"""Completion latency and time to an interactive prompt, printed as figures.

    python3 tests/bench/completion.py [--quick] [--rounds N] [--runs N] [--no-wharfee]

(a) With 1,000 containers and 1,000 images in the resource cache (synthetic dicts, as the
    Engine lists them), p50/p99 of producing the completions for typical lines, the way the
    prompt does on TAB (suggest + candidates + matching); the worst p99 against one 60 Hz
    frame (16.7 ms). Target: under 10 ms.
(b) Process start → first prompt painted in a pseudo-terminal, against a private dockerd
    started here, alternated run by run with ``python -c 'import requests_unixsocket'`` (the
    floor of a Python Engine client); then wharfee's, when pip-installed in /tmp/wharfee-venv.
(a) times the completer's function alone; ``menu.py`` times what a person waits in a pty, from
TAB to the menu drawn. Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dshell.repl.cache import ResourceCache  # noqa: E402
from dshell.repl.completer import DockerCompleter  # noqa: E402
from dshell.session import DockerSession  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402

#: One frame at 60 Hz, in milliseconds: the budget from a key to what it shows.
FRAME_MS = 1000 / 60

WHARFEE = Path("/tmp/wharfee-venv/bin/wharfee")
STATES = ("running", "exited", "created", "paused")
LINES = [
    "",
    "cont",
    "container ",
    "ps --",
    "ps -a --format '{{.Na",
    "ps -f status=",
    "ps -f ancestor=repo-4",
    "container inspect ",
    "container inspect web-12",
    "inspect ",
    "images --format ",
    "image inspect repo-9",
    "image inspect ",
]


def synthetic_cache(count: int = 1000) -> ResourceCache:
    now = int(time.time())
    containers = [{
        "Id": f"{i:064x}", "Names": [f"/web-{i}"], "Image": f"repo-{i % 50}:v{i % 7}",
        "State": STATES[i % len(STATES)], "Status": "Up 3 minutes",
        "Created": now - i * 60, "Labels": {"tier": "web"},
    } for i in range(count)]  # fmt: skip
    images = [{
        "Id": f"sha256:{i:064x}", "RepoTags": [f"repo-{i}:v{i % 7}"],
        "Size": 1_000_000 + i * 4096, "Created": now - i * 3600,
    } for i in range(count)]  # fmt: skip
    return ResourceCache.from_data(containers=containers, images=images)


def completion_latency(rounds: int) -> dict[str, tuple[float, float, int]]:
    """Per line: (p50 ms, p99 ms, number of candidates)."""
    cache = synthetic_cache()
    by_line = {}
    for line in LINES:
        completer = DockerCompleter(DockerSession.registry, cache)  # cold memo each line
        samples = []
        found = 0
        for _ in range(rounds):
            start = time.perf_counter()
            found = len(completer.candidates_for(line))
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        by_line[line] = (statistics.median(samples), samples[int(len(samples) * 0.99) - 1], found)
    return by_line


def cpu_ms_of(pid: int) -> float:
    """CPU milliseconds all threads of a live process ran so far (Linux schedstat, ns)."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e6


def time_to_prompt(argv: list[str], prompt: str, env: dict) -> tuple[float, float]:
    """Seconds from spawning ``argv`` in a pty to ``prompt`` on its screen, and the CPU
    milliseconds the process ran by then."""
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=30,
                          dimensions=(40, 160))  # fmt: skip
    try:
        child.expect_exact(prompt)
        return time.perf_counter() - start, cpu_ms_of(child.pid)
    finally:
        child.terminate(force=True)


def time_to_exit(argv: list[str], env: dict) -> tuple[float, float]:
    """Seconds a command ran, and its CPU milliseconds."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, used * 1000


def start_to_prompt(engine, runs: int) -> tuple[float, float, float, float]:  # noqa: ANN001
    """Medians of process start → first prompt painted (pty, bytecode compiled as installed)
    and of ``python -c 'import requests_unixsocket'``, alternated run by run: (dshell
    seconds, floor seconds, dshell CPU ms, floor CPU ms).

    The reference is the floor of any Python client of the Engine on a unix socket: the
    interpreter and the HTTP stack dshell loads too. docker's own start is no reference here:
    docker has no prompt, and every docker command contacts the daemon before printing. The
    CPU figures hold on a loaded machine, where the wall figures wait for a core.
    """
    from tests.bench.run import installed_like

    with tempfile.TemporaryDirectory() as home:
        env = dict(installed_like(engine.env), TERM="xterm", HOME=home,
                   PROMPT_TOOLKIT_NO_CPR="1", XDG_STATE_HOME=os.path.join(home, "state"),
                   XDG_CONFIG_HOME=os.path.join(home, "config"))  # fmt: skip
        floor = [sys.executable, "-c", "import requests_unixsocket"]
        ours, theirs = [], []
        time_to_prompt([sys.executable, "-m", "dshell"], "dshell ", env)  # settings written
        for _ in range(runs):
            ours.append(time_to_prompt([sys.executable, "-m", "dshell"], "dshell ", env))
            theirs.append(time_to_exit(floor, env))
    return (
        statistics.median(w for w, _ in ours),
        statistics.median(w for w, _ in theirs),
        statistics.median(c for _, c in ours),
        statistics.median(c for _, c in theirs),
    )


def figures(engine, quick: bool = False) -> list[Figure]:  # noqa: ANN001
    """The completer alone (worst p99 over the typical lines, 1,000 containers and 1,000
    images cached) against one frame at 60 Hz, and process start → prompt painted."""
    rounds, runs = (60, 5) if quick else (300, 15)
    worst = max(p99 for _, p99, _ in completion_latency(rounds).values())
    prompt, floor, prompt_cpu, floor_cpu = start_to_prompt(engine, runs)
    return [
        Figure("completer alone, worst p99 of typical lines (1,000 + 1,000 cached)",
               worst, FRAME_MS, "one 60 Hz frame", "ms", goal="≤ 0.63× (10 ms)"),
        Figure("process start → prompt painted (pty), wall", prompt, floor,
               "python -c 'import requests_unixsocket'", "s", goal="≤ 1.5×"),
        Figure("process start → prompt painted (pty), CPU of all threads", prompt_cpu,
               floor_cpu, "python -c 'import requests_unixsocket'", "ms", goal="≤ 1.5×"),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and runs (< 60 s)")
    parser.add_argument("--no-wharfee", action="store_true")
    args = parser.parse_args()
    from tests import harness

    rounds = 60 if args.quick else args.rounds
    print("(a) completion latency, 1,000 containers + 1,000 images in the cache")
    print(f"    {'line':<30} {'p50 ms':>8} {'p99 ms':>8} {'results':>8}")
    for line, (p50, p99, found) in completion_latency(rounds).items():
        print(f"    {line!r:<30} {p50:>8.2f} {p99:>8.2f} {found:>8}")
    engine = harness.start_engine()
    try:
        print(machine())
        print_table(figures(engine, quick=args.quick))
        if args.quick or args.no_wharfee:
            return 0
        if WHARFEE.exists():
            env = dict(engine.env, TERM="xterm")
            wharfee = statistics.median(time_to_prompt([str(WHARFEE)], "wharfee>", env)[0]
                                        for _ in range(5))  # fmt: skip
            print(f"wharfee start → prompt: {wharfee * 1000:.0f} ms")
        else:
            print("wharfee not installed (python3 -m venv /tmp/wharfee-venv && "
                  "/tmp/wharfee-venv/bin/pip install wharfee)")  # fmt: skip
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
