"""Paths inside a container, for ``cp CONTAINER:/pa<TAB>``.

The one completion that asks the daemon, and only on an explicit TAB from the completion
thread: ``GET /containers/{id}/archive`` streams the directory as a tar, read only until its
first-level entries are seen or a short deadline passes. It works for stopped containers too
and, unlike an exec, leaves no trace in the container.
"""

from __future__ import annotations

import tarfile
import threading
import time

from dshell.engine.endpoint import Endpoint
from dshell.repl.candidates import Candidate

TIMEOUT = 1.5
MEMO_SECONDS = 5.0
MAX_ENTRIES = 2000


class _Deadline:
    """A read-only file over a streamed body that stops at a deadline."""

    def __init__(self, raw, deadline: float) -> None:  # noqa: ANN001
        self.raw = raw
        self.deadline = deadline

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            raise TimeoutError("container path listing took too long")
        return self.raw.read(size)


class ContainerPaths:
    """``(container, partial path) → candidates``, memoised for a few seconds per directory."""

    def __init__(self, endpoint: Endpoint, timeout: float = TIMEOUT) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._lock = threading.Lock()
        self._client = None
        self._memo: dict[tuple[str, str], tuple[float, list[tuple[str, bool]]]] = {}

    def __call__(self, container: str, partial: str) -> list[Candidate]:
        directory = partial[: partial.rfind("/") + 1] if "/" in partial else "/"
        entries = self.entries(container, directory)
        return [Candidate(directory + name + ("/" if is_dir else ""),
                          "directory" if is_dir else "", display=name + ("/" if is_dir else ""))
                for name, is_dir in entries]  # fmt: skip

    def entries(self, container: str, directory: str) -> list[tuple[str, bool]]:
        key = (container, directory)
        with self._lock:
            memo = self._memo.get(key)
            if memo and time.monotonic() - memo[0] < MEMO_SECONDS:
                return memo[1]
            try:
                found = self._list(container, directory)
            except Exception:  # noqa: BLE001 - completion must never raise at the prompt
                found = []
            self._memo[key] = (time.monotonic(), found)
            return found

    def _list(self, container: str, directory: str) -> list[tuple[str, bool]]:
        from dshell.engine.client import EngineClient

        if self._client is None:
            self._client = EngineClient(self.endpoint)
        response = self._client.request(
            "GET", f"/containers/{container}/archive", params={"path": directory},
            stream=True, timeout=self.timeout,
        )  # fmt: skip
        found: dict[str, bool] = {}
        deadline = time.monotonic() + self.timeout
        try:
            with tarfile.open(fileobj=_Deadline(response.raw, deadline), mode="r|*") as tar:
                depth = 0 if directory == "/" else 1
                for member in tar:
                    parts = [p for p in member.name.split("/") if p not in ("", ".")]
                    if len(parts) == depth + 1:
                        found[parts[depth]] = member.isdir()
                    elif len(parts) > depth + 1:
                        found.setdefault(parts[depth], True)
                    if len(found) >= MAX_ENTRIES:
                        break
        except (tarfile.TarError, TimeoutError, OSError):
            pass
        finally:
            response.close()
        return sorted(found.items())
