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

KINDS = ("containers", "images", "networks", "volumes", "plugins")
#: The lists only a swarm manager can give; fetched only while ``/info`` says we are one.
SWARM_KINDS = ("services", "tasks", "nodes", "secrets", "configs")
#: Not a list: the swarm state in ``/info`` (re-read on connect, node events, ``swarm …``).
SWARM = "swarm"
#: Event ``Type`` → the lists to reload (tasks follow their services and nodes; node events
#: may be a promotion or demotion of this node, which changes what /info says).
EVENT_KINDS = {"container": ("containers",), "image": ("images",), "network": ("networks",),
               "volume": ("volumes",), "plugin": ("plugins",), "service": ("services", "tasks"),
               "node": ("nodes", "tasks", SWARM), "secret": ("secrets",),
               "config": ("configs",)}  # fmt: skip
#: The label a task's container carries: its events move the task list too.
TASK_LABEL = "com.docker.swarm.task.id"
LIST_PATHS = {
    "containers": ("/containers/json", {"all": True}),
    "images": ("/images/json", None),
    "networks": ("/networks", None),
    "volumes": ("/volumes", None),
    "plugins": ("/plugins", None),
    "services": ("/services", None),
    "tasks": ("/tasks", None),
    "nodes": ("/nodes", None),
    "secrets": ("/secrets", None),
    "configs": ("/configs", None),
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
    plugins: tuple[dict, ...] = ()
    services: tuple[dict, ...] = ()
    tasks: tuple[dict, ...] = ()
    nodes: tuple[dict, ...] = ()
    secrets: tuple[dict, ...] = ()
    configs: tuple[dict, ...] = ()
    #: ``manager``, ``worker``, or /info's LocalNodeState when not active (``locked``,
    #: ``pending``, ``error``); "" in no swarm.
    swarm: str = ""
    #: This node's swarm ID (``self`` in node completion).
    node_id: str = ""
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

    @cached_property
    def nodes_ready(self) -> int:
        return sum(1 for n in self.nodes if (n.get("Status") or {}).get("State") == "ready")

    @cached_property
    def stacks(self) -> tuple[str, ...]:
        """Stack names, as ``stack ls`` finds them: the services' namespace label."""
        names = {((s.get("Spec") or {}).get("Labels") or {}).get(STACK_LABEL)
                 for s in self.services}  # fmt: skip
        return tuple(sorted(str(name) for name in names if name))


STACK_LABEL = "com.docker.stack.namespace"


def swarm_role(info: dict) -> str:
    """What the toolbar and the cache call this node's place in a swarm, from ``/info``."""
    swarm = info.get("Swarm") or {}
    state = str(swarm.get("LocalNodeState") or "inactive")
    if state == "active":
        return "manager" if swarm.get("ControlAvailable") else "worker"
    return "" if state == "inactive" else state


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
    """Containers, images, networks and volumes of one Engine, and its swarm objects when it
    is a swarm manager, refreshed by its events."""

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
                self.mark_dirty(*KINDS, *SWARM_KINDS)
                self._stopped.wait(RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)])
                failures += 1
        client.close()

    def _fetch(self, client, kinds: set[str]) -> Snapshot:  # noqa: ANN001
        from dshell.engine.errors import APIError

        changes: dict = {}
        if not self.snapshot.connected or "version" in kinds:
            version = client.request("GET", "/version", timeout=LIST_TIMEOUT).json()
            changes["engine_version"] = str(version.get("Version", ""))
            changes["api_version"] = client.api_version
            changes["contexts"] = load_contexts(self.config_directory)
            kinds = {*kinds, SWARM}
        changes.update(self._fetch_swarm(client, kinds))
        for kind in KINDS:
            if kind in kinds:
                path, params = LIST_PATHS[kind]
                try:
                    body = client.request("GET", path, params=params,
                                          timeout=LIST_TIMEOUT).json()  # fmt: skip
                except APIError:
                    if kind != "plugins":  # an engine without plugins (API < 1.25, Windows)
                        raise
                    body = []
                if kind == "volumes":
                    body = (body or {}).get("Volumes") or []
                changes[kind] = tuple(body or ())
        return replace(
            self.snapshot, connected=True, unreachable=False, loaded_at=time.time(), **changes
        )

    def _fetch_swarm(self, client, kinds: set[str]) -> dict:  # noqa: ANN001
        """The swarm state and, on a manager only, the swarm lists asked for. A list the
        daemon refuses (demoted meanwhile, a lost quorum) is empty, never a reconnect."""
        from dshell.engine.errors import APIError

        changes: dict = {}
        role = self.snapshot.swarm
        if SWARM in kinds:
            info = client.request("GET", "/info", timeout=LIST_TIMEOUT).json() or {}
            role = changes["swarm"] = swarm_role(info)
            changes["node_id"] = str((info.get("Swarm") or {}).get("NodeID") or "")
            if role == "manager" and self.snapshot.swarm != "manager":
                kinds = {*kinds, *SWARM_KINDS}
        for kind in SWARM_KINDS:
            if role != "manager":
                changes[kind] = ()
            elif kind in kinds:
                path, params = LIST_PATHS[kind]
                try:
                    body = client.request("GET", path, params=params,
                                          timeout=LIST_TIMEOUT).json()  # fmt: skip
                except APIError:
                    body = ()
                changes[kind] = tuple(body or ())
        return changes

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
                if failures:  # the daemon may have restarted
                    self.mark_dirty(*KINDS, *SWARM_KINDS, "version")
                failures = 0
                for event in iter_json_objects(response.iter_content(chunk_size=None)):
                    kinds = EVENT_KINDS.get(event.get("Type", ""))
                    if kinds and not str(event.get("Action", "")).startswith(QUIET_ACTIONS):
                        self.mark_dirty(*kinds)
                        attributes = (event.get("Actor") or {}).get("Attributes") or {}
                        if TASK_LABEL in attributes and self.snapshot.swarm == "manager":
                            self.mark_dirty("tasks")
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
            self.mark_dirty(*KINDS, *SWARM_KINDS, "version")
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
