"""Collecting ``stats`` samples: one streaming request per container, read by a thread.

The command's main thread only renders snapshots and sleeps, so Ctrl-C reaches it at once;
``close()`` closes every open response, which ends the reader threads and gives their
connections back to the pool.
"""

from __future__ import annotations

import json
import socket
import threading
import time

from dshell.engine.errors import EngineError
from dshell.engine.streams import body_chunks, iter_json_objects
from dshell.engine.urls import quote
from dshell.render.container_views import StatsEntry

FIRST_SAMPLE_TIMEOUT = 2.0
POLL_SECONDS = 0.05
CONTAINER_EVENTS = json.dumps({"type": ["container"]})


class StatsCollector:
    """Samples for a set of containers, kept fresh in the background."""

    def __init__(self, client, stream: bool) -> None:  # noqa: ANN001 - an EngineClient
        self.client = client
        self.stream = stream
        self.lock = threading.Lock()
        self.entries: list[StatsEntry] = []
        self.first_seen: dict[str, threading.Event] = {}
        self.answered: dict[str, float] = {}
        self.last_update: dict[str, float] = {}
        self.responses: list = []
        self.closed = threading.Event()
        #: Why the event stream that keeps the container list current ended (docker's
        #: closeChan): ``UnexpectedEOF`` when the daemon went away.
        self.events_error: EngineError | None = None
        self._os_type: str | None = None

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
        """No names given: every running (or, with -a, every) container. While streaming,
        the daemon's container events keep the list current, as docker's do: subscribed
        before the list is read, so a container started in between is not missed."""
        events = None
        if self.stream:
            events = self.client.request("GET", "/events", params={"filters": CONTAINER_EVENTS},
                                         stream=True)  # fmt: skip
            with self.lock:
                self.responses.append(events)
        containers = self.client.get_json("/containers/json", {"all": show_all})
        for container in containers:
            self.add(container["Id"][:12])
        if events is not None:
            threading.Thread(target=self._follow_events, args=(events, show_all),
                             daemon=True).start()  # fmt: skip

    def _follow_events(self, response, show_all: bool) -> None:  # noqa: ANN001
        """docker's handlers: start adds a container, create too with -a, die removes one
        without -a. The stream's end is recorded as docker's closeChan error."""
        try:
            for event in iter_json_objects(body_chunks(response)):
                action = event.get("Action") or event.get("status") or ""
                container = ((event.get("Actor") or {}).get("ID") or event.get("id") or "")[:12]
                if not container:
                    continue
                if action == "start" or (show_all and action == "create"):
                    self.add(container)
                elif action == "die" and not show_all:
                    self.remove(container)
            error = EngineError("EOF")  # Go's json decoder at a clean end of the stream
        except EngineError as exc:
            error = exc
        except Exception:  # noqa: BLE001 - closed by close(): nothing to report
            return
        if not self.closed.is_set():
            self.events_error = error

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
            self.answered[entry.container] = time.monotonic()
            if self.closed.is_set():
                response.close()
                return
            self.responses.append(response)
        end = "EOF"
        try:
            for sample in iter_json_objects(body_chunks(response, 1 << 16)):
                with self.lock:
                    entry.update_from(sample)
                    self.last_update[entry.container] = time.monotonic()
                self.first_seen[entry.container].set()
                if not self.stream:
                    return
        except EngineError as exc:
            end = str(exc)
        except Exception:  # noqa: BLE001 - closed by close(): nothing to report
            end = ""
        finally:
            response.close()
            if self.stream and end and not self.closed.is_set():
                # docker's SetError: a stream that ended (the daemon went away) shows dashes.
                with self.lock:
                    entry.is_invalid = True
                    if not self.first_seen[entry.container].is_set():
                        entry.error = end
            self.first_seen[entry.container].set()

    def wait_first(self) -> None:
        """Until every container has a first sample, or went 2 s without one after the
        daemon answered its request (docker's timer starts there too: without streaming
        the daemon answers only once it has the sample, which takes a while for many)."""
        while True:
            now = time.monotonic()
            with self.lock:
                waiting = [entry for entry in self.entries
                           if not self.first_seen[entry.container].is_set()]  # fmt: skip
                late = [entry for entry in waiting
                        if now - self.answered.get(entry.container, now) >= FIRST_SAMPLE_TIMEOUT]
                for entry in late:
                    entry.reset_with_error("timeout waiting for stats")
                    self.first_seen[entry.container].set()
            if len(late) == len(waiting):
                return
            time.sleep(POLL_SECONDS)

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
            time.sleep(min(left, POLL_SECONDS))

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
