"""Fixtures shared by every test: the private engine, the loopback registry, the TLS daemon
and the registry that requires authentication.

All are lazy: a test that does not ask for them (all of tests/unit) starts no daemon. When
they cannot start, every test that needs them errors with the reason instead of skipping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

# The differential assertions live in harness.py: let pytest show their diffs.
pytest.register_assert_rewrite("tests.harness")

from tests import harness, registry_auth, tls_engine  # noqa: E402

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


def _serve(start: Callable[[], T], stop: Callable[[T], None], what: str) -> Iterator[T]:
    """The body of a service fixture: start the service (on failure, fail the test with the
    reason alone), hand it to the tests, stop it."""
    try:
        started = start()
    except harness.HarnessError as problem:
        pytest.fail(f"{what}: {problem}", pytrace=False)
    try:
        yield started
    finally:
        stop(started)


@pytest.fixture(scope="session")
def engine() -> Iterator[harness.Engine]:
    yield from _serve(harness.start_engine, harness.stop_engine, "test engine")


@pytest.fixture(scope="session")
def registry() -> Iterator[harness.Registry]:
    yield from _serve(harness.start_registry, harness.stop_registry, "test registry")


@pytest.fixture(scope="session")
def tls_daemon() -> Iterator[tls_engine.TLSEngine]:
    """A second daemon, on tcp://127.0.0.1 with --tlsverify."""
    yield from _serve(tls_engine.start_tls_engine, tls_engine.stop_tls_engine, "TLS engine")


@pytest.fixture(scope="module")
def auth_registry() -> Iterator[registry_auth.AuthRegistry]:
    """A loopback registry that requires htpasswd authentication."""
    yield from _serve(registry_auth.start_auth_registry, registry_auth.stop_auth_registry,
                      "htpasswd registry")
