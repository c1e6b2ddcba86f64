"""Scripts through one session: the cost of a command against a raw floor client and against
the docker CLI, printed as figures.

    python3 tests/bench/run.py [--quick] [--runs N]

(a) per-command cost: (t800 − t200) / 600 for a piped script cycling ``ps -a``, ``images``,
    ``inspect busybox``, ``version``, against the same for the floor: a keep-alive
    ``http.client`` over the unix socket making exactly the HTTP calls dshell makes for those
    lines (``/_ping`` once, then per line the same GETs with the same headers), bodies written
    to /dev/null. Start-up cancels out of the difference; what is left is the daemon's time
    (in both) plus the client's own. Runs alternate dshell and floor; the median is printed.
(b) a 200-line piped script vs the same 200 commands as separate ``docker`` invocations;
(c) the same through the shell language: ``inspect $(ps -q --filter …)``, a pipeline into a
    host command, a variable, vs the same bash script with ``docker`` in front of each command.
The cold start is tests/bench/startup.py's. Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import compileall
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dshell import __version__ as dshell_version  # noqa: E402
from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402

SCRIPT_COMMANDS = ["ps -a", "images", "inspect busybox", "version"]
SHELL_COMMANDS = [
    "{d}inspect -f '{{{{.Name}}}}' $({d}ps -q --filter name=$NAME)",
    "{d}images --format '{{{{.Repository}}}}' | grep -c busybox",
    "{d}inspect $IMAGE",
    "{d}version -f '{{{{.Server.Version}}}}'",
]
#: The API calls dshell makes for each script line (counted on the wire: ``inspect`` asks for
#: a container first, gets 404, then the image), after one ``GET /_ping``.
FLOOR_CALLS = {
    "ps -a": ["/containers/json?all=1"],
    "images": ["/images/json"],
    "inspect busybox": ["/containers/busybox/json", "/images/busybox/json"],
    "version": ["/version"],
}
#: The floor client: keep-alive http.client on the unix socket, dshell's headers, bodies to
#: /dev/null; lines on stdin as dshell reads them. argv: socket path, FLOOR_CALLS as JSON, the
#: User-Agent dshell sends.
FLOOR_PROGRAM = r"""
import http.client, json, os, socket, sys
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sys.argv[1])
calls = json.loads(sys.argv[2])
headers = {"User-Agent": sys.argv[3], "Accept-Encoding": "gzip, deflate", "Accept": "*/*",
           "Connection": "keep-alive"}
connection = Unix("localhost")
sink = open(os.devnull, "wb")
def get(path):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    sink.write(response.read())
    return response
server = get("/_ping").headers.get("Api-Version", "1.24")
version = min(server, "1.45", key=lambda v: tuple(int(p) for p in v.split(".")))
for line in sys.stdin:
    for path in calls[line.strip()]:
        get(f"/v{version}{path}")
"""


def timed(argv: list[str], env: dict, stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, input=stdin, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return time.perf_counter() - start


def installed_like(env: dict) -> dict:
    """An environment like a user's: bytecode compiled once and used, output buffered.

    (The sessions that develop dshell export PYTHONDONTWRITEBYTECODE and PYTHONUNBUFFERED;
    measured with them, every start recompiles every module from source.)
    """
    package = Path(__file__).resolve().parents[2] / "dshell"
    compileall.compile_dir(str(package), quiet=1)
    return {k: v for k, v in env.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED")}  # fmt: skip


def script(lines: int) -> bytes:
    """``lines`` lines cycling through SCRIPT_COMMANDS."""
    return "".join(f"{SCRIPT_COMMANDS[i % len(SCRIPT_COMMANDS)]}\n" for i in range(lines)).encode()


def timed_with_cpu(argv: list[str], env: dict, stdin: bytes) -> tuple[float, float]:
    """Wall time and the child's CPU time (user + system), in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(argv, env, stdin)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def per_command(
    engine: harness.Engine, runs: int, short: int = 200, long: int = 800
) -> dict[str, tuple[float, float]]:
    """Median over ``runs`` of (t_long − t_short) / (long − short), wall and CPU, for
    ``dshell`` and ``floor``: {name: (wall, cpu)}.

    Each run times the four programs in an order that alternates between runs, so a neighbour's
    burst on the shared machine falls on both sides alike. The CPU figure is what the client
    itself spends; on a loaded machine the wall figure also pays the wait for a core."""
    floor = [sys.executable, "-c", FLOOR_PROGRAM, engine.socket, json.dumps(FLOOR_CALLS),
             f"dshell/{dshell_version}"]  # fmt: skip
    programs = {"dshell": harness.DSHELL_COMMAND, "floor": floor}
    inputs = {short: script(short), long: script(long)}
    timed(floor, engine.env, inputs[short])  # warm the daemon and the page cache alike
    timed(harness.DSHELL_COMMAND, engine.env, inputs[short])
    walls: dict[str, list[float]] = {"dshell": [], "floor": []}
    cpus: dict[str, list[float]] = {"dshell": [], "floor": []}
    for run in range(runs):
        order = [(name, n) for n in (short, long) for name in ("dshell", "floor")]
        if run % 2:
            order.reverse()
        measured = {key: timed_with_cpu(programs[key[0]], engine.env, inputs[key[1]])
                    for key in order}  # fmt: skip
        for name in walls:
            wall_long, cpu_long = measured[name, long]
            wall_short, cpu_short = measured[name, short]
            walls[name].append((wall_long - wall_short) / (long - short))
            cpus[name].append((cpu_long - cpu_short) / (long - short))
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name]))
            for name in walls}  # fmt: skip


def piped_script(engine: harness.Engine, lines: int) -> tuple[float, float]:
    """(b): one dshell reading ``lines`` lines vs ``lines`` docker invocations."""
    commands = script(lines).decode().splitlines()
    dshell = timed(harness.DSHELL_COMMAND, engine.env, script(lines))
    start = time.perf_counter()
    for line in commands:
        subprocess.run([harness.DOCKER_CLI, *line.split()], env=engine.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    docker = time.perf_counter() - start
    return dshell, docker


def shell_script(engine: harness.Engine, lines: int, name: str) -> tuple[float, float]:
    """(c): substitution, pipes and variables, dshell vs bash + docker."""
    templates = [SHELL_COMMANDS[i % len(SHELL_COMMANDS)] for i in range(lines)]
    header = f"NAME={name}\nIMAGE=busybox\n"
    ours = (header + "\n".join(t.format(d="") for t in templates) + "\n").encode()
    theirs = (header + "\n".join(t.format(d=harness.DOCKER_CLI + " ") for t in templates)
              + "\n").encode()  # fmt: skip
    dshell = timed(harness.DSHELL_COMMAND, engine.env, ours)
    bash = timed(["bash"], engine.env, theirs)
    return dshell, bash


def figures(engine: harness.Engine, quick: bool = False, runs: int | None = None) -> list[Figure]:
    """Per-command cost vs the floor (goal ≤ 1.25×), the piped script vs docker runs, and the
    shell-language script vs bash + docker."""
    runs = runs or (3 if quick else 7)
    lines = 50 if quick else 200
    saved_env = engine.env
    engine.env = installed_like(engine.env)
    try:
        with harness.container(engine, "--network", "none", "busybox", "sleep", "600") as made:
            cost = per_command(engine, runs)
            dshell_piped, docker_piped = piped_script(engine, lines)
            dshell_shell, bash_shell = shell_script(engine, lines, made.name)
    finally:
        engine.env = saved_env
    return [
        Figure(
            f"one command of a long piped script (`ps -a`, `images`, `inspect busybox`, "
            f"`version`), (t800 − t200)/600, median of {runs} (`run.py`)",
            cost["dshell"][0] * 1000,
            cost["floor"][0] * 1000,
            "raw http.client floor",
            "ms",
            goal="≤ 1.25×",
        ),
        Figure(
            "the same, the client's own CPU time (user + system) per command (`run.py`)",
            cost["dshell"][1] * 1000,
            cost["floor"][1] * 1000,
            "raw http.client floor",
            "ms",
        ),
        Figure(
            f"{lines}-line piped script (the same four commands) vs {lines} `docker` runs "
            "(`run.py`)",
            dshell_piped,
            docker_piped,
            "docker",
            "s",
        ),  # fmt: skip
        Figure(
            f"the {lines} lines through the shell language (`inspect -f … $(ps -q --filter "
            "name=$NAME)`, `images … | grep -c`, variables) (`run.py`)",
            dshell_shell,
            bash_shell,
            "bash + docker",
            "s",
        ),  # fmt: skip
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter scripts")
    parser.add_argument("--runs", type=int, default=None, help="runs of the per-command figure")
    options = parser.parse_args()
    engine = harness.start_engine()
    try:
        rows = figures(engine, quick=options.quick, runs=options.runs)
    finally:
        harness.stop_engine(engine)
    print(f"Measured {machine()}, docker CLI {harness.DOCKER_CLI}, one private dockerd.")
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
