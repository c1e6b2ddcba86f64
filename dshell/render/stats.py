"""Collecting ``stats`` samples: one streaming request per container, read by a thread.

The command's main thread only renders snapshots and sleeps, so Ctrl-C reaches it at once;
``close()`` closes every open response, which ends the reader threads and gives their
connections back to the pool.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

from dshell.engine.errors import EngineError
from dshell.engine.streams import iter_json_objects
from dshell.render.container_views import StatsEntry

FIRST_SAMPLE_TIMEOUT = 2.0
LIST_REFRESH_SECONDS = 1.0


class StatsCollector:
    """Samples for a set of containers, kept fresh in the background."""

    def __init__(self, client, stream: bool) -> None:  # noqa: ANN001 - an EngineClient
        self.client = client
        self.stream = stream
        self.lock = threading.Lock()
        self.entries: list[StatsEntry] = []
        self.first_seen: dict[str, threading.Event] = {}
        self.last_update: dict[str, float] = {}
        self.responses: list = []
        self.closed = threading.Event()
        self._os_type: str | None = None
        self._lister: threading.Thread | None = None

    # -- which containers ------------------------------------------------------------------
    def add(self, reference: str) -> bool:
        with self.lock:
            if any(entry.container == reference for entry in self.entries):
                return False
            entry = StatsEntry(container=reference)
            self.entries.append(entry)
            self.first_seen[reference] = threading.Event()
        threading.Thread(target=self._collect, args=(entry,), daemon=True).start()
        return True

    def remove(self, reference: str) -> None:
        with self.lock:
            self.entries = [e for e in self.entries if e.container != reference]

    def follow_list(self, show_all: bool) -> None:
        """No names given: every running (or, with -a, every) container, kept up to date."""
        self._refresh(show_all)
        if self.stream:
            self._lister = threading.Thread(target=self._list_loop, args=(show_all,),
                                            daemon=True)  # fmt: skip
            self._lister.start()

    def _refresh(self, show_all: bool) -> None:
        containers = self.client.get_json("/containers/json", {"all": show_all})
        current = {c["Id"][:12] for c in containers}
        for container in containers:
            self.add(container["Id"][:12])
        if not show_all:
            for entry in self.snapshot():
                if entry.container not in current:
                    self.remove(entry.container)

    def _list_loop(self, show_all: bool) -> None:
        while not self.closed.wait(LIST_REFRESH_SECONDS):
            try:
                self._refresh(show_all)
            except EngineError:
                continue

    # -- samples ---------------------------------------------------------------------------
    def _collect(self, entry: StatsEntry) -> None:
        params = {"stream": "1" if self.stream else "0"}
        try:
            response = self.client.request(
                "GET", f"/containers/{quote(entry.container, safe='')}/stats", params=params,
                stream=True)
        except EngineError as exc:
            with self.lock:
                entry.error = str(exc)
                entry.is_invalid = True
            self.first_seen[entry.container].set()
            return
        with self.lock:
            if self.closed.is_set():
                response.close()
                return
            self.responses.append(response)
        try:
            for sample in iter_json_objects(response.iter_content(1 << 16)):
                with self.lock:
                    entry.update_from(sample)
                    self.last_update[entry.container] = time.monotonic()
                self.first_seen[entry.container].set()
                if not self.stream:
                    break
        except Exception:  # noqa: BLE001 - a closed or broken stream just ends the reader
            pass
        finally:
            response.close()
            self.first_seen[entry.container].set()

    def wait_first(self) -> None:
        """Until every container has a first sample (or 2 s passed for it, as docker)."""
        deadline = time.monotonic() + FIRST_SAMPLE_TIMEOUT
        for event in list(self.first_seen.values()):
            if not event.wait(max(0.0, deadline - time.monotonic())):
                break
        with self.lock:
            for entry in self.entries:
                if not self.first_seen[entry.container].is_set() and entry.error is None:
                    entry.reset_with_error("timeout waiting for stats")

    def errors(self) -> list[str]:
        with self.lock:
            return [entry.error for entry in self.entries if entry.error]

    def snapshot(self) -> list[StatsEntry]:
        """Copies of the entries; a stream silent for 2 s shows dashes, as docker's."""
        now = time.monotonic()
        with self.lock:
            for entry in self.entries:
                seen = self.last_update.get(entry.container)
                if self.stream and seen is not None and now - seen > FIRST_SAMPLE_TIMEOUT:
                    entry.reset_with_error("timeout waiting for stats")
            return [StatsEntry(**vars(entry)) for entry in self.entries]

    def os_type(self) -> str:
        if self._os_type is None:
            try:
                self._os_type = self.client.get_json("/version").get("Os", "linux")
            except EngineError:
                self._os_type = "linux"
        return self._os_type

    def sleep(self, seconds: float) -> None:
        """Sleep in 50 ms slices: SIGINT may land on another thread, and Python raises
        KeyboardInterrupt only when the main thread runs again."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.05))

    def close(self) -> None:
        self.closed.set()
        with self.lock:
            responses, self.responses = self.responses, []
        for response in responses:
            close_streaming(response)


def close_streaming(response) -> None:  # noqa: ANN001 - a streamed requests.Response
    """Shut the socket down first: a plain close does not wake a thread blocked reading it."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        response.close()
    except Exception:  # noqa: BLE001, S110 - closing from another thread may race
        pass
