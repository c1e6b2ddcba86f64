"""Swarm completion latency: what TAB costs on a big swarm's cache, against the container
completion the REPL already had, measured in the same run, alternating line by line.

    python3 tests/bench/swarm_completion.py [--quick] [--rounds N]

The cache holds 1,000 containers and 1,000 images (as completion.py's) plus 1,000 services,
3,000 tasks, 100 nodes, 500 secrets and 500 configs (synthetic dicts shaped as the Engine's
lists). Each figure is a p99 of producing the completions for a line the way the prompt does
on TAB (suggest + candidates + matching), against the p99 of a container line of the same
size measured alternately in the same rounds. No daemon is needed: ``figures`` takes the
engine only to share the benchmarks' shape.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dshell.repl.cache import ResourceCache  # noqa: E402
from dshell.repl.completer import DockerCompleter  # noqa: E402
from dshell.session import DockerSession  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402

#: (what, the swarm line, the reference line, what the reference is)
PAIRS = [
    ("service rm <TAB>, 1,000 services", "service rm ", "rm ", "rm <TAB>, 1,000 containers"),
    ("service rm web-4<TAB>", "service rm web-4", "rm web-4", "rm web-4<TAB>"),
    ("inspect <TAB>, swarm objects too", "inspect ", "inspect ", "inspect <TAB>, no swarm"),
    ("--constraint node.hostname==<TAB>", "service create --constraint node.hostname==",
     "container inspect ", "container inspect <TAB>"),
    ("node update <TAB>, 100 nodes", "node update ", "network inspect ",
     "network inspect <TAB>"),
]  # fmt: skip


def synthetic_lists(count: int = 1000, swarm: bool = True) -> dict[str, list[dict]]:
    now = int(time.time())
    lists: dict[str, list[dict]] = {
        "containers": [{"Id": f"{i:064x}", "Names": [f"/web-{i}"], "Image": f"repo-{i % 50}",
                        "State": "running", "Status": "Up 3 minutes", "Created": now}
                       for i in range(count)],
        "images": [{"Id": f"sha256:{i:064x}", "RepoTags": [f"repo-{i}:v1"], "Size": 1000,
                    "Created": now} for i in range(count)],
        "networks": [{"Name": f"net-{i}", "Driver": "overlay"} for i in range(100)],
    }  # fmt: skip
    if not swarm:
        return lists
    lists["services"] = [{"ID": f"svc{i:022d}", "Spec": {
        "Name": f"web-{i}", "Mode": {"Replicated": {"Replicas": 3}},
        "Labels": {"com.docker.stack.namespace": f"stack-{i % 40}"},
        "TaskTemplate": {"ContainerSpec": {"Image": "busybox:latest@sha256:00"}}}}
        for i in range(count)]  # fmt: skip
    lists["tasks"] = [{"ID": f"task{i:021d}", "ServiceID": f"svc{i % count:022d}",
                       "Slot": i // count + 1, "Status": {"State": "running"}}
                      for i in range(3 * count)]  # fmt: skip
    lists["nodes"] = [{"ID": f"node{i:021d}", "Spec": {"Role": "worker", "Labels": {"z": "a"}},
                       "Description": {"Hostname": f"host-{i}",
                                       "Platform": {"OS": "linux", "Architecture": "x86_64"}},
                       "Status": {"State": "ready"}} for i in range(100)]  # fmt: skip
    lists["secrets"] = [{"ID": f"s{i}", "Spec": {"Name": f"secret-{i}"}} for i in range(500)]
    lists["configs"] = [{"ID": f"c{i}", "Spec": {"Name": f"config-{i}"}} for i in range(500)]
    return lists


def swarm_cache(swarm: bool = True) -> ResourceCache:
    cache = ResourceCache.from_data(**synthetic_lists(swarm=swarm))
    if swarm:
        from dataclasses import replace

        cache.snapshot = replace(cache.snapshot, swarm="manager", node_id="node" + "0" * 21)
    return cache


def p99(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[max(0, int(len(samples) * 0.99) - 1)]


def paired_latency(rounds: int) -> list[tuple[str, float, float, str, float, float]]:
    """Per pair: (name, swarm p50, swarm p99, reference name, reference p50, reference p99),
    milliseconds; the two lines alternate round by round, each with its own completer."""
    with_swarm, without = swarm_cache(True), swarm_cache(False)
    found = []
    for name, line, reference_line, reference_name in PAIRS:
        # "inspect <TAB>" compares the same line with and without the swarm's objects.
        reference_cache = without if line == reference_line else with_swarm
        ours = DockerCompleter(DockerSession.registry, with_swarm)
        theirs = DockerCompleter(DockerSession.registry, reference_cache)
        # Indexed ahead, as the loader thread does before a snapshot is seen: the rounds
        # time the keystroke path (the first TAB of a line still fills its prefix memo).
        ours.prepare(with_swarm.snapshot)
        theirs.prepare(reference_cache.snapshot)
        a, b = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            ours.candidates_for(line)
            a.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            theirs.candidates_for(reference_line)
            b.append((time.perf_counter() - start) * 1000)
        found.append((name, statistics.median(a), p99(a), reference_name,
                      statistics.median(b), p99(b)))  # fmt: skip
    return found


def index_build(runs: int) -> tuple[float, float]:
    """Medians (ms) of indexing a fresh snapshot for every kind the declarations complete
    (what the loader thread does after each change, before readers get it), with the swarm
    lists and without them, alternated."""
    from dataclasses import replace

    from dshell.repl.completer import SnapshotIndex, snapshot_kinds

    kinds = snapshot_kinds(DockerSession.registry)
    with_swarm, without = swarm_cache(True).snapshot, swarm_cache(False).snapshot
    a, b = [], []
    for _ in range(runs):
        for snapshot, samples in ((with_swarm, a), (without, b)):
            fresh = replace(snapshot)  # a new snapshot object: nothing cached on it
            start = time.perf_counter()
            SnapshotIndex(fresh, DockerSession.registry).prepare(kinds)
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(a), statistics.median(b)


def reindex_after_service_event(runs: int) -> tuple[float, float]:
    """Medians (ms) of re-indexing after a service event on the big swarm (services and
    tasks re-listed: the kinds reading other lists carry over) against indexing the same
    snapshot from nothing (what every change cost before kinds carried over), alternated."""
    from dataclasses import replace

    from dshell.repl.completer import SnapshotIndex, snapshot_kinds

    kinds = snapshot_kinds(DockerSession.registry)
    snapshot = swarm_cache(True).snapshot
    prepared = SnapshotIndex(snapshot, DockerSession.registry).prepare(kinds)
    a, b = [], []
    for _ in range(runs):
        # New tuples (tuple(t) is t): what a re-list publishes.
        changed = replace(snapshot, services=(*snapshot.services,), tasks=(*snapshot.tasks,))
        start = time.perf_counter()
        prepared.moved_to(changed).prepare(kinds)
        a.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        SnapshotIndex(replace(changed), DockerSession.registry).prepare(kinds)
        b.append((time.perf_counter() - start) * 1000)
    return statistics.median(a), statistics.median(b)


def figures(engine=None, quick: bool = False, rows=None) -> list[Figure]:  # noqa: ANN001
    """p99 of each swarm line against its container reference, same rounds, alternating; and
    the loader thread's indexing of a snapshot with and without the swarm's lists."""
    rounds, runs = (60, 5) if quick else (300, 15)
    rows = rows if rows is not None else paired_latency(rounds)
    found = [Figure(f"completer p99, {name}", ours, theirs, reference_name, "ms",
                    goal="< 10 ms (a frame is 16.7)")
             for name, _, ours, reference_name, _, theirs in rows]  # fmt: skip
    ours, theirs = index_build(runs)
    found.append(Figure("index a new snapshot (loader thread), + 5,100 swarm objects", ours,
                        theirs, "same cache without the swarm", "ms",
                        goal="off the keystroke path"))  # fmt: skip
    ours, theirs = reindex_after_service_event(runs)
    found.append(Figure("re-index after a service event (loader thread), big swarm", ours,
                        theirs, "index from nothing", "ms", goal="< 1× (kinds carry over)"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="60 rounds (a few seconds)")
    args = parser.parse_args()
    rows = paired_latency(60 if args.quick else args.rounds)
    print(f"    {'line':<40} {'p50 ms':>8} {'p99 ms':>8} | reference p50 / p99 ms")
    for name, a50, a99, reference_name, b50, b99 in rows:
        print(f"    {name:<40} {a50:>8.2f} {a99:>8.2f} | {reference_name}: {b50:.2f} / {b99:.2f}")
    table = figures(None, quick=args.quick, rows=rows)
    print(machine())
    print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
