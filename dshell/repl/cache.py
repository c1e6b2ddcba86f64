"""The resource cache behind completion and the toolbar: the Engine's state, kept fresh without
anyone waiting for it.

A loader thread fills it at start; a watcher thread reads the Engine's ``/events`` stream and
asks the loader to re-list the kind of object an event touched. Each thread has its own
EngineClient (a requests session must not be shared between threads). Readers get an
immutable ``Snapshot`` that is swapped in whole, so the completer never locks and never calls
the daemon.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from dshell.engine.endpoint import Endpoint

KINDS = ("containers", "images", "networks", "volumes")
#: Event ``Type`` → the list to reload.
EVENT_KINDS = {"container": "containers", "image": "images", "network": "networks",
               "volume": "volumes"}  # fmt: skip
LIST_PATHS = {
    "containers": ("/containers/json", {"all": True}),
    "images": ("/images/json", None),
    "networks": ("/networks", None),
    "volumes": ("/volumes", None),
}
#: Container event actions that change nothing a list shows (an exec in a running container).
QUIET_ACTIONS = ("exec_create", "exec_start", "exec_die", "exec_detach", "top", "resize",
                 "attach", "archive-path", "extract-to-dir")  # fmt: skip
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
LIST_TIMEOUT = 10.0


@dataclass(frozen=True)
class Snapshot:
    """What the completer and the toolbar read. Lists hold the Engine's JSON dicts."""

    containers: tuple[dict, ...] = ()
    images: tuple[dict, ...] = ()
    networks: tuple[dict, ...] = ()
    volumes: tuple[dict, ...] = ()
    contexts: tuple[tuple[str, str], ...] = ()
    engine_version: str = ""
    api_version: str = ""
    connected: bool = False
    #: The last attempt to reach the Engine failed (the loader keeps retrying).
    unreachable: bool = False
    loaded_at: float = field(default=0.0, compare=False)

    @cached_property
    def running(self) -> int:
        """Counted once per snapshot: the toolbar shows it on every frame."""
        return sum(1 for c in self.containers if c.get("State") == "running")


def load_contexts(config_directory: Path | None) -> tuple[tuple[str, str], ...]:
    """Names and descriptions of the contexts in docker's context store, ``default`` first."""
    found = [("default", "Current DOCKER_HOST based configuration")]
    if config_directory is None:
        return tuple(found)
    for meta in sorted((config_directory / "contexts" / "meta").glob("*/meta.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("Name"):
            description = (data.get("Metadata") or {}).get("Description") or ""
            found.append((str(data["Name"]), str(description)))
    return tuple(found)


class ResourceCache:
    """Containers, images, networks and volumes of one Engine, refreshed by its events."""

    def __init__(
        self,
        endpoint: Endpoint | None,
        config_directory: Path | None = None,
        snapshot: Snapshot | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.config_directory = config_directory
        self.snapshot = snapshot or Snapshot(contexts=load_contexts(config_directory))
        self.on_change: Callable[[Snapshot], None] | None = None
        #: Called in the loader thread with each new snapshot before readers get it, so that
        #: what they derive from it (the completer's index) is ready before a key is pressed.
        self.preparers: list[Callable[[Snapshot], None]] = []
        self._dirty: set[str] = set()
        self._wake = threading.Condition()
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._watch_response = None

    @classmethod
    def from_data(cls, **lists: list[dict]) -> ResourceCache:
        """A cache with fixed contents and no threads (tests, benchmarks)."""
        values = {key: tuple(value) for key, value in lists.items()}
        return cls(None, snapshot=Snapshot(connected=True, **values))

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> ResourceCache:
        if self.endpoint is None or self._threads:
            return self
        self.mark_dirty(*KINDS)
        for target, name in ((self._load_loop, "dshell-cache"),
                             (self._watch_loop, "dshell-events")):  # fmt: skip
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def close(self) -> None:
        self._stopped.set()
        with self._wake:
            self._wake.notify_all()
        _interrupt(self._watch_response)

    def mark_dirty(self, *kinds: str) -> None:
        with self._wake:
            self._dirty.update(kinds)
            self._wake.notify_all()

    def wait_loaded(self, timeout: float) -> bool:
        """Block until the first load finished (tests and benchmarks only)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.snapshot.loaded_at:
                return True
            time.sleep(0.02)
        return False

    # -- the loader thread -----------------------------------------------------------------
    def _load_loop(self) -> None:
        from dshell.engine.client import EngineClient
        from dshell.engine.errors import EngineError

        client = EngineClient(self.endpoint)
        failures = 0
        while not self._stopped.is_set():
            with self._wake:
                while not self._dirty and not self._stopped.is_set():
                    self._wake.wait()
                kinds, self._dirty = set(self._dirty), set()
            if self._stopped.is_set():
                break
            try:
                self._publish(self._fetch(client, kinds))
                failures = 0
            except (EngineError, ValueError, OSError):
                client.reset()
                self._publish(replace(self.snapshot, connected=False, unreachable=True))
                self.mark_dirty(*KINDS)
                self._stopped.wait(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1
        client.close()

    def _fetch(self, client, kinds: set[str]) -> Snapshot:  # noqa: ANN001
        changes: dict = {}
        if not self.snapshot.connected or "version" in kinds:
            version = client.request("GET", "/version", timeout=LIST_TIMEOUT).json()
            changes["engine_version"] = str(version.get("Version", ""))
            changes["api_version"] = client.api_version
            changes["contexts"] = load_contexts(self.config_directory)
        for kind in KINDS:
            if kind in kinds:
                path, params = LIST_PATHS[kind]
                body = client.request("GET", path, params=params, timeout=LIST_TIMEOUT).json()
                if kind == "volumes":
                    body = (body or {}).get("Volumes") or []
                changes[kind] = tuple(body or ())
        return replace(self.snapshot, connected=True, unreachable=False, loaded_at=time.time(),
                       **changes)

    def _publish(self, snapshot: Snapshot) -> None:
        if snapshot == self.snapshot and snapshot.loaded_at == self.snapshot.loaded_at:
            return
        for prepare in list(self.preparers):
            try:
                prepare(snapshot)
            except Exception:  # noqa: BLE001 - readers derive it again on their own
                pass
        self.snapshot = snapshot
        listener = self.on_change
        if listener is not None:
            try:
                listener(snapshot)
            except Exception:  # noqa: BLE001 - a UI callback must never kill the cache
                pass

    # -- the events thread -----------------------------------------------------------------
    def _watch_loop(self) -> None:
        from dshell.engine.client import EngineClient
        from dshell.engine.streams import iter_json_objects

        failures = 0
        while not self._stopped.is_set():
            client = EngineClient(self.endpoint)
            try:
                filters = json.dumps({"type": sorted(EVENT_KINDS)})
                response = client.request(
                    "GET", "/events", params={"filters": filters}, stream=True
                )
                self._watch_response = response
                if failures:
                    self.mark_dirty(*KINDS, "version")  # the daemon may have restarted
                failures = 0
                for event in iter_json_objects(response.iter_content(chunk_size=None)):
                    kind = EVENT_KINDS.get(event.get("Type", ""))
                    if kind and not str(event.get("Action", "")).startswith(QUIET_ACTIONS):
                        self.mark_dirty(kind)
                    if self._stopped.is_set():
                        break
            except Exception:  # noqa: BLE001 - any failure means: reconnect
                pass
            finally:
                self._watch_response = None
                client.close()
            if self._stopped.is_set():
                break
            failures += 1
            self.mark_dirty(*KINDS, "version")
            self._stopped.wait(RETRY_DELAYS[min(failures - 1, len(RETRY_DELAYS) - 1)])


def _interrupt(response) -> None:  # noqa: ANN001
    """Wake a thread blocked reading ``response`` by shutting its socket down (closing the
    response from another thread would wait for the reader's lock)."""
    import socket

    try:
        sock = response.raw._fp.fp.raw._sock  # http.client's socket under urllib3
        sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):
        pass
