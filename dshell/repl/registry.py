"""The session's registry, built once the prompt is on screen rather than before it.

Every declaration means every command module imported (~65 ms of CPU with the whole docker
surface): the first paint needs none of it, the completer and the highlighter need it once a
key is pressed. ``DeferredRegistry`` stands in for it until then; ``load_soon`` builds it in a
thread right after the first paint (the session builds it under a lock, so a key pressed
meanwhile waits for the same build rather than starting another).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from dshell.commands.declare import Registry


class DeferredRegistry:
    """Attribute for attribute the registry ``load()`` returns, loaded on first use."""

    def __init__(self, load: Callable[[], Registry]) -> None:
        self._load = load
        self._real: Registry | None = None

    def __getattr__(self, name: str) -> Any:
        real = self._real
        if real is None:
            real = self._real = self._load()
        return getattr(real, name)

    def load_soon(self) -> None:
        """Build the registry in a background thread (no-op once built)."""
        if self._real is None:
            threading.Thread(target=self.__getattr__, args=("commands",), daemon=True,
                             name="dshell-registry").start()  # fmt: skip
