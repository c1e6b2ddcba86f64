"""Completion latency and time to an interactive prompt, printed as figures.

    python3 tests/bench/completion.py [--rounds N] [--no-wharfee]

(a) With 1,000 containers and 1,000 images in the resource cache (synthetic dicts, as the
    Engine lists them), p50/p99 of producing the completions for typical lines, the way the
    prompt does on TAB (suggest + candidates + matching). Target: p99 under 10 ms.
(b) Time from process start to an interactive prompt in a pseudo-terminal, for dshell and for
    wharfee (pip-installed in /tmp/wharfee-venv; absent → only dshell's figure), both against
    the same private dockerd started here.
(a) times the completer's function alone; ``menu.py`` times what a person waits in a pty, from
TAB to the menu drawn. Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dshell.repl.cache import ResourceCache  # noqa: E402
from dshell.repl.completer import DockerCompleter  # noqa: E402
from dshell.session import DockerSession  # noqa: E402

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
    figures = {}
    for line in LINES:
        completer = DockerCompleter(DockerSession.registry, cache)  # cold memo each line
        samples = []
        found = 0
        for _ in range(rounds):
            start = time.perf_counter()
            found = len(completer.candidates_for(line))
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        figures[line] = (statistics.median(samples), samples[int(len(samples) * 0.99) - 1], found)
    return figures


def time_to_prompt(argv: list[str], prompt: str, env: dict, runs: int) -> float:
    import pexpect

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", timeout=30,
                              dimensions=(40, 160))  # fmt: skip
        child.expect_exact(prompt)
        samples.append(time.perf_counter() - start)
        child.terminate(force=True)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-wharfee", action="store_true")
    args = parser.parse_args()

    print("(a) completion latency, 1,000 containers + 1,000 images in the cache")
    print(f"    {'line':<30} {'p50 ms':>8} {'p99 ms':>8} {'results':>8}")
    worst = 0.0
    all_samples = []
    for line, (p50, p99, found) in completion_latency(args.rounds).items():
        worst = max(worst, p99)
        all_samples.append(p99)
        print(f"    {line!r:<30} {p50:>8.2f} {p99:>8.2f} {found:>8}")
    print(f"    worst p99: {worst:.2f} ms (target < 10 ms)")

    from tests import harness

    engine = harness.start_engine()
    try:
        with tempfile.TemporaryDirectory() as home:
            env = dict(engine.env, TERM="xterm", HOME=home,
                       XDG_STATE_HOME=os.path.join(home, "state"),
                       XDG_CONFIG_HOME=os.path.join(home, "config"))  # fmt: skip
            print("(b) process start → interactive prompt (pty, median of "
                  f"{args.runs})")  # fmt: skip
            dshell = time_to_prompt([sys.executable, "-m", "dshell"], "dshell ", env, args.runs)
            print(f"    dshell   {dshell * 1000:8.0f} ms")
            if args.no_wharfee:
                pass
            elif WHARFEE.exists():
                wharfee = time_to_prompt([str(WHARFEE)], "wharfee>", env, args.runs)
                print(f"    wharfee  {wharfee * 1000:8.0f} ms")
            else:
                print("    wharfee  not installed (python3 -m venv /tmp/wharfee-venv && "
                      "/tmp/wharfee-venv/bin/pip install wharfee)")  # fmt: skip
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
