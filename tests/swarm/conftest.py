"""Fixtures for swarm tests: a two-node swarm (manager node-a, worker node-b) for the whole
session, and fresh unswarmed node pairs for tests that change a cluster's state (init, join,
leave, autolock, CA rotation). Started only when a test here asks for them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import harness, swarm_engine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "swarm" in item.path.parts:
            item.add_marker(pytest.mark.engine)


def _cluster(count: int, tag: str, init: bool) -> Iterator[swarm_engine.Cluster]:
    try:
        cluster = swarm_engine.start_nodes(count, tag)
    except harness.HarnessError as problem:
        pytest.fail(f"swarm test bed: {problem}", pytrace=False)
    try:
        if init:
            swarm_engine.init_swarm(cluster)
        yield cluster
    finally:
        swarm_engine.stop_nodes(cluster)


@pytest.fixture(scope="session")
def swarm() -> Iterator[swarm_engine.Cluster]:
    """Manager node-a and worker node-b, busybox on both; shared: change nothing cluster-wide."""
    yield from _cluster(2, "", init=True)


@pytest.fixture(scope="session")
def manager(swarm: swarm_engine.Cluster) -> harness.Engine:
    return swarm.manager.engine


@pytest.fixture(scope="session")
def worker(swarm: swarm_engine.Cluster) -> harness.Engine:
    return swarm.nodes[1].engine


@pytest.fixture(scope="module")
def scratch() -> Iterator[swarm_engine.Cluster]:
    """Two fresh nodes in no swarm, for one test module's state changes."""
    yield from _cluster(2, "x", init=False)
