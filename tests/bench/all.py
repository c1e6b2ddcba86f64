"""Every benchmark in one run, printed as the README's Performance table.

    python3 tests/bench/all.py [--quick] [--only NAME[,NAME…]]

One private engine (busybox imported) serves every module in turn; each module measures dshell
and its reference (docker CLI, a raw floor client, an import, the 16 ms frame) alternately in
the same run and returns ``Figure`` rows (tests/bench/figures.py). The table is printed with the
date and the machine, ready to paste into the README. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import harness  # noqa: E402
from tests.bench.figures import Figure, machine, print_table  # noqa: E402

#: In the README's order. Each names a module of tests/bench with ``figures(engine, quick)``.
MODULES = ("startup", "cli_plugins", "run", "listing", "networks", "transfer", "logs", "build",
           "buildkit", "manifests", "trust", "plugins", "menu", "completion", "swarm", "services",
           "stacks", "swarm_completion")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller objects")
    parser.add_argument("--only", default="", help="comma-separated module names")
    options = parser.parse_args()
    chosen = [name for name in MODULES if not options.only or name in options.only.split(",")]
    rows: list[Figure] = []
    failed: list[str] = []
    engine = harness.start_engine()
    try:
        for name in chosen:
            module = importlib.import_module(f"tests.bench.{name}")
            gather = getattr(module, "figures", None)
            if gather is None:
                failed.append(f"{name}: no figures()")
                continue
            started = time.perf_counter()
            try:
                found = gather(engine, quick=options.quick)
            except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
                failed.append(f"{name}: {traceback.format_exc(limit=3)}")
                continue
            print(f"# {name}: {len(found)} figures in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr, flush=True)  # fmt: skip
            rows.extend(found)
    finally:
        harness.stop_engine(engine)
    print(f"Measured {machine()}, docker CLI {harness.DOCKER_CLI}, one private dockerd.")
    print()
    print_table(rows)
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
