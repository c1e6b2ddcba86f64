"""Session fixtures shared by every test: the private engine and the loopback registry.

Both are lazy: a test that does not ask for them (all of tests/unit) starts no daemon. When
they cannot start, every test that needs them errors with the reason instead of skipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests import harness

TESTS_DIR = Path(__file__).resolve().parent
ENGINE_TEST_DIRS = (TESTS_DIR / "engine", TESTS_DIR / "e2e")
T = TypeVar("T")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "engine: needs the private dockerd (tests under tests/engine and tests/e2e)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(directory in item.path.parents for directory in ENGINE_TEST_DIRS):
            item.add_marker(pytest.mark.engine)


def _start_or_fail(start: Callable[[], T], what: str) -> T:
    """Start a session service; on failure, fail the test with the reason alone."""
    try:
        return start()
    except harness.HarnessError as problem:
        reason = f"{what}: {problem}"
    pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="session")
def engine() -> Iterator[harness.Engine]:
    started = _start_or_fail(harness.start_engine, "test engine")
    try:
        yield started
    finally:
        harness.stop_engine(started)


@pytest.fixture(scope="session")
def registry() -> Iterator[harness.Registry]:
    started = _start_or_fail(harness.start_registry, "test registry")
    try:
        yield started
    finally:
        harness.stop_registry(started)
