"""One shape for every benchmark figure, so ``all.py`` can print the README's table from one run.

A benchmark module exposes ``figures(engine, quick=False) -> list[Figure]``: it measures dshell and
its reference (the docker CLI, a raw floor client, an import) in the same run, alternating them,
and returns one ``Figure`` per row. Its own ``main()`` prints the same rows with ``print_table``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One row: what was measured, both values in ``unit``, and the goal for the ratio."""

    name: str
    dshell: float
    reference: float
    reference_name: str
    unit: str
    #: ``lower`` when smaller is better (times), ``higher`` for throughputs.
    better: str = "lower"
    #: The goal as text, e.g. ``≤ 1.25×`` — printed, never asserted.
    goal: str = ""

    @property
    def ratio(self) -> float:
        """dshell / reference (for times: below 1 is faster than the reference)."""
        return self.dshell / self.reference if self.reference else float("inf")

    def row(self) -> str:
        value = _format(self.dshell, self.unit)
        reference = f"{self.reference_name} {_format(self.reference, self.unit)}"
        return f"| {self.name} | {value} | {reference} | {self.ratio:.2f}× | {self.goal} |"


def _format(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.0f} ms"
    return f"{value:.1f} {unit}"


def machine() -> str:
    """Date and machine, for the line above the table."""
    cores = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{time.strftime('%Y-%m-%d')}, {cores} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load} at the end"
    )


def print_table(figures: list[Figure]) -> None:
    print("| figure | dshell | reference (same run) | ratio dshell/reference | goal |")
    print("| --- | --- | --- | --- | --- |")
    for figure in figures:
        print(figure.row())


def namespaced_main(doc: str, figures: Callable[..., list[Figure]], count_flag: str) -> int:
    """The command line of a bench that starts its own daemon in a namespace (it takes no
    shared engine): ``--quick``, ``--COUNT_FLAG N`` (how many objects), ``--runs R``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(f"--{count_flag}", type=int, dest="count")
    parser.add_argument("--runs", type=int)
    options = parser.parse_args()
    print_table(figures(None, options.quick, options.count, options.runs))
    print(f"\n{machine()}")
    return 0
