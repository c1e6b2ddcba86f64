"""Benchmark: listings with 1,000+ objects — ``ps -a``, ``images``, ``volume ls``.

    python3 tests/bench/listing.py [--quick] [--objects N] [--runs R]

On one private daemon: N containers (``create --network none busybox true``, one in twenty
started and exited), N tags of busybox and N volumes (``network ls`` with 1,000 networks is
networks.py: each network is a ``br-…`` bridge, which only a daemon in a namespace of its own
may make that many of). For each listing, two figures, dshell
and docker alternating, medians:

(a) in a session: the marginal cost of one more line of that listing in a piped script,
    (t(1+K lines) − t(1 line)) / K within each round (K = 20; 10 when quick), against one
    ``docker …`` invocation (what the same line costs a bash script);
(a') the same in CPU time of the client process (dshell's, docker's), which the daemon's time
     and the neighbours' load hardly move;
(b) cold: ``dshell -c 'ps -a'`` against ``docker ps -a``.

Every object the bench made is removed afterwards. Figures, not assertions. A marginal cost of
a few milliseconds is within the jitter of two process starts on a loaded machine (it may even
come out negative): read the 1,000-object rows, and more runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402
from tests.bench.run import installed_like  # noqa: E402

LABEL = "dshell.bench=listing"
#: (figure name, the command line as dshell and docker take it).
LISTINGS = (
    ("ps -a", "ps -a"),
    ("images", "images"),
    ("volume ls", "volume ls"),
)
JSON_HEADERS = {"Content-Type": "application/json"}


def _api_ok(engine: harness.Engine, method: str, path: str, body: object = None) -> bytes:
    data = None if body is None else json.dumps(body).encode()
    status, _, answer = engine.api(method, path, data, JSON_HEADERS, timeout=120)
    if status >= 300:
        raise harness.HarnessError(f"{method} {path}: {status} {answer[:200]!r}")
    return answer


def _in_parallel(work: list, action) -> None:  # noqa: ANN001
    """A few requests at once: the daemon creates in parallel, and 1,000 one by one is slow."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(action, work))


def populate(engine: harness.Engine, objects: int, prefix: str) -> None:
    """``objects`` containers (one in twenty started), busybox tags and volumes, all named
    after ``prefix`` and labelled :data:`LABEL`."""
    key, value = LABEL.split("=")
    container = {"Image": "busybox", "Cmd": ["true"], "Labels": {key: value},
                 "HostConfig": {"NetworkMode": "none"}}  # fmt: skip

    def make_container(index: int) -> None:
        answer = _api_ok(engine, "POST", f"/containers/create?name={prefix}-c{index}", container)
        if index % 20 == 0:
            ident = json.loads(answer)["Id"]
            _api_ok(engine, "POST", f"/containers/{ident}/start")

    def make_tag_and_volume(index: int) -> None:
        _api_ok(engine, "POST", f"/images/busybox/tag?repo={prefix}-t{index}&tag=v{index}")
        _api_ok(engine, "POST", "/volumes/create",
                {"Name": f"{prefix}-v{index}", "Labels": {key: value}})  # fmt: skip

    _in_parallel(list(range(objects)), make_container)
    _in_parallel(list(range(objects)), make_tag_and_volume)


def clean_up(engine: harness.Engine, objects: int, prefix: str) -> None:
    """Remove what :func:`populate` made, so the benchmarks after this one see a small daemon."""
    labelled = quote(json.dumps({"label": [LABEL]}))
    for path in ("/containers/prune", "/volumes/prune"):
        try:
            _api_ok(engine, "POST", f"{path}?filters={labelled}")
        except harness.HarnessError as err:
            print(f"# clean-up: {err}", file=sys.stderr)

    def untag(index: int) -> None:
        engine.api("DELETE", f"/images/{prefix}-t{index}:v{index}?noprune=1", timeout=60)

    _in_parallel(list(range(objects)), untag)


def _timed(argv: list[str], env: dict, stdin: bytes | None = None) -> tuple[float, float]:
    """Wall seconds, and the CPU seconds (user + system) the finished process used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def measure(engine: harness.Engine, line: str, runs: int, extra: int) -> dict[str, float]:
    """Medians, in seconds, of: a piped script of 1 and of 1+``extra`` copies of ``line``,
    ``dshell -c line`` and ``docker line``, taken in turn (the order rotates each round);
    ``marginal``, the median over rounds of one more line's cost within the round (a loaded
    machine drifts between rounds more than within one); and the same in client CPU time
    (``marginal cpu``, ``docker cpu``), which the daemon's and neighbours' load hardly move."""
    env = engine.env
    words = line.split()
    one = (line + "\n").encode()
    many = ((line + "\n") * (1 + extra)).encode()
    variants = {
        "script1": lambda: _timed(harness.DSHELL_COMMAND, env, one),
        "scriptN": lambda: _timed(harness.DSHELL_COMMAND, env, many),
        "cold": lambda: _timed([*harness.DSHELL_COMMAND, "-c", line], env),
        "docker": lambda: _timed([harness.DOCKER_CLI, *words], env),
    }
    names = list(variants)
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(runs):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu = variants[name]()
            walls[name].append(wall)
            cpus[name].append(cpu)
    found = {name: statistics.median(values) for name, values in walls.items()}

    def marginal(samples: dict[str, list[float]]) -> float:
        pairs = zip(samples["scriptN"], samples["script1"], strict=True)
        return statistics.median((many_lines - one_line) / extra for many_lines, one_line in pairs)

    found["marginal"] = marginal(walls)
    found["marginal cpu"] = marginal(cpus)
    found["docker cpu"] = statistics.median(cpus["docker"])
    return found


def figures(
    engine: harness.Engine,
    quick: bool = False,
    objects: int | None = None,
    runs: int | None = None,
) -> list[Figure]:
    """Both figures for each listing over ``objects`` of each kind (1,000; 300 when quick)."""
    objects = objects or (300 if quick else 1000)
    runs = runs or (3 if quick else 7)
    extra = 10 if quick else 20
    prefix = harness.unique_name("bl")
    saved_env = engine.env
    engine.env = installed_like(engine.env)
    rows: list[Figure] = []
    try:
        started = time.perf_counter()
        populate(engine, objects, prefix)
        print(f"# listing: {objects} of each made in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        for name, line in LISTINGS:
            found = measure(engine, line, runs, extra)
            rows.append(Figure(f"`{name}`, {objects:,} objects: one more line in a session",
                               found["marginal"], found["docker"], f"`docker {line}`", "s",
                               goal="≤ 1.00×"))  # fmt: skip
            rows.append(Figure(f"`{name}`, {objects:,} objects: client CPU of one more line",
                               found["marginal cpu"], found["docker cpu"],
                               f"`docker {line}`", "s", goal="≤ 1.00×"))  # fmt: skip
            rows.append(Figure(f"`{name}`, {objects:,} objects: cold `dshell -c`",
                               found["cold"], found["docker"], f"`docker {line}`", "s",
                               goal="(Python start included)"))  # fmt: skip
    finally:
        engine.env = saved_env
        clean_up(engine, objects, prefix)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 objects, 3 runs")
    parser.add_argument("--objects", type=int, default=None, help="objects of each kind")
    parser.add_argument("--runs", type=int, default=None, help="rounds of each variant")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        rows = figures(engine, options.quick, options.objects, options.runs)
    finally:
        harness.stop_engine(engine)
    print(f"Measured {machine()}, docker CLI {harness.DOCKER_CLI}, one private dockerd.")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
