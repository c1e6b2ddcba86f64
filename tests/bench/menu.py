"""Keystroke → completion menu on screen, as a person waits for it, printed as figures.

    python3 tests/bench/menu.py [--samples N] [--containers N] [--tags N] [--history N]
                                [--only LINE]
    python3 tests/bench/menu.py --figures [--quick]     # the figures table (figures())
    python3 tests/bench/menu.py --tree /path/to/other/checkout  # before/after, alternated

dshell runs in a real pseudo-terminal (160x40, xterm, PROMPT_TOOLKIT_NO_CPR=1, bytecode
compiled as an installed package has it) against a private dockerd started here, which holds
N containers made with ``create --network none busybox true`` (a third of them started, so
exited; a few kept running) and N tags of busybox (``POST /images/busybox/tag``). For each
situation the line is typed, the screen left to settle, then TAB: the time runs from writing
the TAB byte to reading the output after which an emulated screen (pyte) shows every visible
row of the menu, in the order dshell's completer gives. Each sample starts from a cleared
prompt (Ctrl-C, Ctrl-L), so it pays what a person pays: suggest + candidates, the hand-off to
prompt_toolkit, the menu's layout and drawing, the bytes through the pty.

Complements ``completion.py``, which times the completer's function alone. Needs pyte (in
the ``test`` extra: ``pip install -e '.[test]'``); without it this says so and measures
nothing. Not part of the test suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402

#: One frame at 60 Hz, in milliseconds: the budget from a key to the menu drawn.
FRAME_MS = 1000 / 60

WINDOW = (40, 160)  # rows, columns
#: Output quiet for this long means a frame is complete: only then is it parsed, so that
#: parsing never delays reading (and stamping) the bytes that follow.
QUIET = 0.03
SITUATIONS = (
    ("inspect ", "every named object"),
    ("start ", "stopped containers only"),
    ("run --network ", "networks"),
    ("rmi bu", "tags under a prefix (common part inserted)"),
)
RUNNING = 5  # containers kept running (`start` must leave them out)


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending list."""
    rank = max(1, -(-len(ordered) * fraction // 1))  # ceil
    return ordered[int(rank) - 1]


# --- the engine's contents -----------------------------------------------------------------


def api_json(engine: harness.Engine, method: str, path: str, body: object = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else None
    status, _, answer = engine.api(method, path, data, headers, timeout=120)
    if status >= 300:
        raise harness.HarnessError(f"{method} {path}: {status} {answer[:200]!r}")
    return json.loads(answer) if answer.strip() else None


def populate(engine: harness.Engine, containers: int, tags: int) -> None:
    """Containers bench-NNNN (created; every third started, so exited), live-N running, and
    tags busybox:build-NNNN, made in parallel through the API."""
    width = len(str(max(containers, tags)))

    def create(index: int) -> None:
        api_json(engine, "POST", f"/containers/create?name=bench-{index:0{width}d}",
                 {"Image": "busybox", "Cmd": ["true"],
                  "HostConfig": {"NetworkMode": "none"}})  # fmt: skip
        if index % 3 == 0:
            api_json(engine, "POST", f"/containers/bench-{index:0{width}d}/start")

    def tag(index: int) -> None:
        api_json(engine, "POST", f"/images/busybox/tag?repo=busybox&tag=build-{index:0{width}d}")

    def run(index: int) -> None:
        api_json(engine, "POST", f"/containers/create?name=live-{index}",
                 {"Image": "busybox", "Cmd": ["sleep", "3600"],
                  "HostConfig": {"NetworkMode": "none"}})  # fmt: skip
        api_json(engine, "POST", f"/containers/live-{index}/start")

    with ThreadPoolExecutor(8) as pool:
        for future in [*(pool.submit(create, i) for i in range(containers - RUNNING)),
                       *(pool.submit(run, i) for i in range(RUNNING)),
                       *(pool.submit(tag, i) for i in range(tags))]:  # fmt: skip
            future.result()


def remove_made(engine: harness.Engine, containers: int, tags: int) -> None:
    """Take away what ``populate`` made, so that the engine serves the next benchmark as it
    was (and a second run can make the same names)."""
    width = len(str(max(containers, tags)))

    def call(path: str) -> None:
        try:
            engine.api("DELETE", path, timeout=120)
        except OSError:
            pass

    paths = [*(f"/containers/bench-{i:0{width}d}?force=1" for i in range(containers - RUNNING)),
             *(f"/containers/live-{i}?force=1" for i in range(RUNNING)),
             *(f"/images/busybox:build-{i:0{width}d}" for i in range(tags))]  # fmt: skip
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(call, paths))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processors spent busy since boot (Linux /proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class Neighbours:
    """How many CPUs other processes kept busy while a situation ran: the machine's busy time
    less this benchmark's and dshell's (on a shared machine, the tail is theirs)."""

    def __init__(self, *pids: int) -> None:
        self.pids = pids
        self.started = self._read()

    def _read(self) -> tuple[float, float, float]:
        ours = sum(cpu_seconds(pid) for pid in self.pids)
        return time.monotonic(), machine_busy_seconds(), ours

    def cpus(self) -> float:
        now, busy, ours = self._read()
        wall = now - self.started[0]
        return max(0.0, (busy - self.started[1]) - (ours - self.started[2])) / wall


def wait_idle(pid: int, limit: float = 60.0) -> None:
    """Until the daemon spends under 5% of a CPU (it works on for a while after the creates
    and starts: measured then, the first situation would share the machine with it)."""
    deadline = time.monotonic() + limit
    before = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        after = cpu_seconds(pid)
        if after - before < 0.05:
            return
        before = after


def stop_running(engine: harness.Engine) -> None:
    """Kill live-N (sleep as PID 1 ignores SIGTERM: the daemon would wait on each)."""
    for index in range(RUNNING):
        try:
            engine.api("POST", f"/containers/live-{index}/kill", timeout=30)
        except OSError:
            pass


def expected_rows(engine: harness.Engine, line: str) -> list[str]:
    """What dshell's completer offers for ``line`` on the engine's lists, as menu rows show
    them (display text)."""
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from dshell.repl.cache import ResourceCache
    from dshell.repl.completer import DockerCompleter
    from dshell.session import DockerSession

    cache = ResourceCache.from_data(
        containers=api_json(engine, "GET", "/containers/json?all=1"),
        images=api_json(engine, "GET", "/images/json"),
        networks=api_json(engine, "GET", "/networks"),
        volumes=(api_json(engine, "GET", "/volumes") or {}).get("Volumes") or [],
    )
    completer = DockerCompleter(DockerSession.registry, cache)
    event = CompleteEvent(completion_requested=True)
    return [c.display_text for c in completer.get_completions(Document(line), event)]


# --- the screen ----------------------------------------------------------------------------


class Terminal:
    """A child in a pty, its output read with arrival times and fed to a pyte screen."""

    def __init__(self, child, pyte) -> None:  # noqa: ANN001
        self.child = child
        self.fd = child.child_fd
        self.screen = pyte.Screen(WINDOW[1], WINDOW[0])
        self.stream = pyte.ByteStream(self.screen)

    def send(self, data: bytes) -> float:
        start = time.perf_counter()
        os.write(self.fd, data)
        return start

    def settle(self, quiet: float = 0.08, limit: float = 5.0) -> None:
        """Read and draw until the output has been quiet for ``quiet`` seconds."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], quiet)
            if not ready:
                return
            self.stream.feed(os.read(self.fd, 1 << 16))

    def wait_for(self, shown: Callable[[list[str]], bool], limit: float) -> float | None:
        """The arrival time of the output after which ``shown(screen lines)`` first holds."""
        pending: list[tuple[float, bytes]] = []
        deadline = time.perf_counter() + limit
        while True:
            wait = QUIET if pending else max(0.0, deadline - time.perf_counter())
            ready, _, _ = select.select([self.fd], [], [], wait)
            if ready:
                data = os.read(self.fd, 1 << 16)
                pending.append((time.perf_counter(), data))
                continue
            found = None
            for stamp, data in pending:
                self.stream.feed(data)
                if found is None and shown(self.screen.display):
                    found = stamp
            pending.clear()
            if found is not None:
                return found
            if time.perf_counter() >= deadline:
                return None


def rows_in_order(rows: list[str]) -> Callable[[list[str]], bool]:
    """True when consecutive screen lines below the prompt hold ``rows`` as menu items (each
    drawn as `` TEXT `` followed by padding and the meta column)."""
    items = [f" {row} " for row in rows]

    def shown(lines: list[str]) -> bool:
        prompt = next((i for i, text in enumerate(lines) if "dshell " in text), None)
        if prompt is None:
            return False
        for top in range(prompt + 1, len(lines) - len(items) + 1):
            if items[0] in lines[top] and all(
                item in lines[top + offset] for offset, item in enumerate(items)
            ):
                return True
        return False

    return shown


def visible_rows(term: Terminal, expected: list[str]) -> int:
    """How many of ``expected`` the menu shows at once (read from a settled screen)."""
    lines = term.screen.display
    for top, text in enumerate(lines):
        if f" {expected[0]} " in text:
            count = 0
            while (top + count < len(lines) and count < len(expected)
                   and f" {expected[count]} " in lines[top + count]):  # fmt: skip
                count += 1
            return count
    return 0


def clean_prompt(term: Terminal) -> None:
    term.send(b"\x03")  # Ctrl-C: abandon the line (closes the menu)
    term.settle(quiet=0.05)
    term.send(b"\x0c")  # Ctrl-L: prompt on the first row, same room below each time
    term.settle(quiet=0.05)


def menu_shown(term: Terminal, line: str, expected: list[str]) -> Callable[[list[str]], bool]:
    """Open the menu once and settle: the test for "every visible row drawn, in order"."""
    clean_prompt(term)
    term.send(line.encode())
    term.settle(quiet=0.1)
    term.send(b"\t")
    term.settle(quiet=0.5)
    count = visible_rows(term, expected)
    if count == 0:
        raise harness.HarnessError(f"no menu for {line!r}:\n" + "\n".join(term.screen.display))
    return rows_in_order(expected[:count])


def main_thread_cpu_ns(pid: int) -> int:
    """Nanoseconds the process's main thread has run on a CPU (Linux schedstat): the prompt's
    own work, which neighbours on a loaded machine delay but do not add to."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def one_sample(term: Terminal, line: str, shown: Callable[[list[str]], bool]
               ) -> tuple[float, float]:  # fmt: skip
    """Milliseconds from TAB to the menu's visible rows on screen, from a cleared prompt, and
    the CPU milliseconds dshell's main thread ran meanwhile."""
    clean_prompt(term)
    term.send(line.encode())
    term.settle(quiet=0.05)
    cpu = main_thread_cpu_ns(term.child.pid)
    start = term.send(b"\t")
    arrived = term.wait_for(shown, limit=5.0)
    if arrived is None:
        raise harness.HarnessError(f"menu for {line!r} not seen:\n"
                                   + "\n".join(term.screen.display))  # fmt: skip
    return (arrived - start) * 1000, (main_thread_cpu_ns(term.child.pid) - cpu) / 1e6


def measure(term: Terminal, line: str, expected: list[str], samples: int) -> list[float]:
    """Milliseconds from TAB to the menu's visible rows on screen, ``samples`` times."""
    shown = menu_shown(term, line, expected)
    return [one_sample(term, line, shown)[0] for _ in range(samples)]


def write_history(path: Path, lines: int) -> None:
    """A history file of ``lines`` docker lines in FileHistory's format (the 10,000 kept by
    default), so that the auto-suggestion on each key searches a full history."""
    forms = ("ps -a", "inspect bench-{:04d}", "logs --tail 20 live-{}", "start bench-{:04d}",
             "run --rm --network none busybox echo {}", "rmi busybox:build-{:04d}",
             "images --format '{{{{.Repository}}}}:{{{{.Tag}}}}'", "exec live-{} ls /")  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(lines):
            line = forms[number % len(forms)].format(number % 1000)
            handle.write(f"\n# 2026-01-01 00:00:00.000000\n+{line}\n")
    path.chmod(0o600)


def run_situations(engine: harness.Engine, situations, samples: int, history: int,  # noqa: ANN001
                   trees: tuple[str | None, ...] = (None,)) -> list[tuple]:  # fmt: skip
    """Per situation: (line, what, menu length, {tree: sorted milliseconds}, neighbours' CPUs,
    {tree: sorted CPU milliseconds of dshell's main thread}).

    One dshell per tree (None: this checkout), each in its own pty and home, sample by sample
    in turn, so that a before/after comparison shares the machine's moments.
    """
    import compileall

    import pexpect
    import pyte

    from tests.bench.run import installed_like

    found = []
    with tempfile.TemporaryDirectory() as top:
        terms: dict[str | None, Terminal] = {}
        try:
            for number, tree in enumerate(trees):
                home = os.path.join(top, str(number))
                env = dict(installed_like(engine.env), TERM="xterm", HOME=home,
                           PROMPT_TOOLKIT_NO_CPR="1",
                           XDG_STATE_HOME=os.path.join(home, "state"),
                           XDG_CONFIG_HOME=os.path.join(home, "config"))  # fmt: skip
                if tree is not None:
                    compileall.compile_dir(os.path.join(tree, "dshell"), quiet=1)
                if history:
                    write_history(Path(home, "state", "dshell", "history"), history)
                child = pexpect.spawn(harness.DSHELL_COMMAND[0], harness.DSHELL_COMMAND[1:],
                                      env=env, dimensions=WINDOW, cwd=tree)  # fmt: skip
                terms[tree] = Terminal(child, pyte)
            for term in terms.values():
                term.settle(quiet=1.0, limit=30)
            pids = [term.child.pid for term in terms.values()]
            for line, what in situations:
                expected = expected_rows(engine, line)
                shown = {tree: menu_shown(term, line, expected) for tree, term in terms.items()}
                neighbours = Neighbours(os.getpid(), engine.process.pid, *pids)
                timings: dict[str | None, list[float]] = {tree: [] for tree in terms}
                cpu: dict[str | None, list[float]] = {tree: [] for tree in terms}
                for _ in range(samples):
                    for tree, term in terms.items():
                        wall, used = one_sample(term, line, shown[tree])
                        timings[tree].append(wall)
                        cpu[tree].append(used)
                found.append((line, what, len(expected),
                              {tree: sorted(values) for tree, values in timings.items()},
                              neighbours.cpus(),
                              {tree: sorted(values) for tree, values in cpu.items()}))  # fmt: skip
        finally:
            for term in terms.values():
                term.child.terminate(force=True)
    return found


def figures(engine: harness.Engine, quick: bool = False) -> list[Figure]:
    """p50 and p99 of TAB → menu on screen per situation, against one 60 Hz frame, with 1,000
    containers and 1,000 tags (quick: 200 of each, fewer samples) and a 10,000-line history."""
    count, samples = (200, 30) if quick else (1000, 200)
    populate(engine, count, count)
    wait_idle(engine.process.pid)
    try:
        rows = run_situations(engine, SITUATIONS, samples, history=10_000)
    finally:
        stop_running(engine)
        remove_made(engine, count, count)
    made = []
    for line, _, length, by_tree, others, _ in rows:
        timings = by_tree[None]
        for name, fraction in (("p50", 0.5), ("p99", 0.99)):
            made.append(Figure(
                f"TAB → menu on screen, `{line}<TAB>` ({length} rows; {count} containers, "
                f"{count} tags, 10,000-line history; others kept {others:.2f} CPUs busy), {name}",
                percentile(timings, fraction), FRAME_MS, "one 60 Hz frame", "ms",
                goal="p99 ≤ 1.0×"))  # fmt: skip
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--containers", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--history", type=int, default=0,
                        help="lines in the history file (suggestions search them)")  # fmt: skip
    parser.add_argument("--only", action="append", help="measure only this line (repeatable)")
    parser.add_argument("--figures", action="store_true",
                        help="print the figures table (figures(); --quick for < 60 s)")  # fmt: skip
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tree", help="also measure this checkout (before/after), alternated")
    args = parser.parse_args()
    try:
        import pyte  # noqa: F401
    except ImportError:
        print("pyte is not installed: it is in the `test` extra (pip install -e '.[test]', or "
              "pip install pyte); nothing measured")  # fmt: skip
        return 2
    situations = [s for s in SITUATIONS if not args.only or s[0] in args.only]
    engine = harness.start_engine()
    try:
        if args.figures or args.quick:
            made = figures(engine, quick=args.quick)
            print(machine())
            print_table(made)
            return 0
        started = time.monotonic()
        populate(engine, args.containers, args.tags)
        wait_idle(engine.process.pid)
        print(f"{args.containers} containers ({RUNNING} running) and {args.tags} busybox tags "
              f"made in {time.monotonic() - started:.1f} s; "
              f"history {args.history} lines")  # fmt: skip
        print(f"keystroke (TAB) → menu rows on screen, pty {WINDOW[1]}x{WINDOW[0]}, "
              f"{args.samples} samples each; others = CPUs that other processes "
              f"kept busy meanwhile (of {os.cpu_count()})")  # fmt: skip
        print(f"    {'line':<18} {'menu':>6} {'p50 ms':>7} {'p90 ms':>7} "
              f"{'p99 ms':>7} {'max ms':>7} {'others':>6} {'cpu p50':>7} {'cpu p99':>7}  "
              "what   (cpu: dshell's main thread, ms)")  # fmt: skip
        try:
            trees = (None, args.tree) if args.tree else (None,)
            rows = run_situations(engine, situations, args.samples, args.history, trees)
        finally:
            stop_running(engine)
        for line, what, length, by_tree, others, cpu in rows:
            for tree, timings in by_tree.items():
                label = what if tree is None else f"{what} [{tree}]"
                print(f"    {line + '<TAB>':<18} {length:>6} "
                      f"{percentile(timings, 0.5):>7.1f} {percentile(timings, 0.9):>7.1f} "
                      f"{percentile(timings, 0.99):>7.1f} {timings[-1]:>7.1f} "
                      f"{others:>6.2f} {percentile(cpu[tree], 0.5):>7.2f} "
                      f"{percentile(cpu[tree], 0.99):>7.2f}  {label}")  # fmt: skip
        print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    finally:
        harness.stop_engine(engine)
    return 0


if __name__ == "__main__":
    sys.exit(main())
