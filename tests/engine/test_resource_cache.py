"""The resource cache against the real engine: first load, freshness from /events, and
reconnection after the daemon goes away (simulated by a socket relay we can cut)."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from dshell.engine.endpoint import Endpoint
from dshell.repl.cache import ResourceCache
from tests import harness

FRESH_WITHIN = 1.0


def endpoint_at(socket_path: str) -> Endpoint:
    return Endpoint(f"unix://{socket_path}", "unix", socket_path)


def wait_for(predicate, timeout: float) -> float | None:
    """Seconds until ``predicate()`` held, or None when it never did within ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.01)
    return None


def names(cache: ResourceCache) -> set[str]:
    return {n.lstrip("/") for c in cache.snapshot.containers for n in c.get("Names") or ()}


@pytest.fixture
def cache(engine):
    started = ResourceCache(endpoint_at(engine.socket)).start()
    assert started.wait_loaded(10), "the cache never loaded"
    yield started
    started.close()


def test_first_load_lists_every_kind(engine, cache):
    snapshot = cache.snapshot
    assert snapshot.connected
    assert any("busybox:latest" in (i.get("RepoTags") or ()) for i in snapshot.images)
    assert {"bridge", "host", "none"} & {n["Name"] for n in snapshot.networks}
    assert snapshot.engine_version and snapshot.api_version
    assert snapshot.contexts[0][0] == "default"


def test_container_created_by_the_docker_cli_appears_within_a_second(engine, cache):
    changes = []
    cache.on_change = changes.append
    name = harness.unique_name("fresh")
    with harness.container(engine, "busybox", "true", name=name, start=False):
        took = wait_for(lambda: name in names(cache), FRESH_WITHIN)
        assert took is not None, f"{name} not in the cache after {FRESH_WITHIN}s"
        assert changes, "listeners were not told"
        state = next(c["State"] for c in cache.snapshot.containers
                     if f"/{name}" in c["Names"])  # fmt: skip
        assert state == "created"
    assert wait_for(lambda: name not in names(cache), FRESH_WITHIN) is not None


def test_volume_and_network_events(engine, cache):
    volume = harness.unique_name("vol")
    assert harness.run_docker(engine, "volume", "create", volume).status == 0
    try:
        assert wait_for(lambda: volume in {v["Name"] for v in cache.snapshot.volumes},
                        FRESH_WITHIN) is not None  # fmt: skip
    finally:
        harness.run_docker(engine, "volume", "rm", volume)
    assert wait_for(lambda: volume not in {v["Name"] for v in cache.snapshot.volumes},
                    FRESH_WITHIN) is not None  # fmt: skip


class Relay:
    """A unix socket that forwards to the engine's until ``cut()`` (like a daemon that went
    away), and again after ``restore()``."""

    def __init__(self, target: str, path: str) -> None:
        self.target, self.path = target, path
        self.open: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        if os.path.exists(self.path):
            os.unlink(self.path)
        self.listener = socket.socket(socket.AF_UNIX)
        self.listener.bind(self.path)
        self.listener.listen(16)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self.listener = self.listener, None
        listener.close()
        os.unlink(self.path)
        for sock in self.open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def test_reconnects_after_the_daemon_comes_back(engine):
    directory = tempfile.mkdtemp(prefix="relay", dir="/tmp")  # short: unix socket path limit
    path = str(Path(directory) / "r.sock")
    relay = Relay(engine.socket, path)
    cache = ResourceCache(endpoint_at(path)).start()
    try:
        assert cache.wait_loaded(10)
        relay.cut()
        assert wait_for(lambda: not cache.snapshot.connected, 5) is not None
        name = harness.unique_name("while-away")
        with harness.container(engine, "busybox", "true", name=name, start=False):
            relay.restore()
            assert wait_for(lambda: cache.snapshot.connected and name in names(cache), 10), \
                "no reload after reconnecting"
            other = harness.unique_name("after")
            with harness.container(engine, "busybox", "true", name=other, start=False):
                assert wait_for(lambda: other in names(cache), FRESH_WITHIN + 2) is not None, \
                    "events not followed after reconnecting"
    finally:
        cache.close()
        if relay.listener is not None:
            relay.cut()
        shutil.rmtree(directory, ignore_errors=True)
