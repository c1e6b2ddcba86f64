"""CLI plugins at the prompt: their names where a command goes, and their arguments from the
plugin itself (cobra's ``__complete`` protocol), never on the prompt's own thread.

The names come from a ``Catalog`` that a background thread refreshes (running each new
plugin's metadata command once); the arguments from ``docker-NAME __complete NAME ARGS…
WORD``, run from the completion worker thread with a short timeout, its answer kept a few
seconds so that TAB pressed again on the same word does not run the plugin again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from dshell.cliplugins import (
    DIRECTIVE_ERROR,
    DIRECTIVE_FILTER_DIRS,
    DIRECTIVE_FILTER_EXT,
    DIRECTIVE_NO_FILE,
    Catalog,
    complete,
)
from dshell.repl.candidates import Candidate, local_paths

#: How long an answer of a plugin's ``__complete`` is reused for the same words.
ANSWER_SECONDS = 5.0


class PluginCompletion:
    """The REPL's view of the CLI plugins (names and argument completion)."""

    def __init__(self, dirs: Callable[[], list[str]],
                 builtins: Callable[[], Mapping[str, str]]) -> None:  # fmt: skip
        self.catalog = Catalog(dirs, builtins)
        self._answers: dict[tuple, tuple[float, list[Candidate]]] = {}
        self._lock = threading.Lock()
        self._named: tuple[object, frozenset[str]] = (None, frozenset())

    def start(self) -> None:
        """Look for plugins in the background (a no-op while a look is recent)."""
        self.catalog.current()

    def names(self) -> frozenset[str]:
        """The valid plugins' names known now (never waits)."""
        plugins = self.catalog.current()
        if plugins is not self._named[0]:
            self._named = (plugins, frozenset(p.name for p in plugins if p.valid))
        return self._named[1]

    def with_names(self, found: list[Candidate]) -> list[Candidate]:
        """The command words ``found`` and the valid plugins' names (a builtin of the same
        name wins, as it does when the line runs), sorted as the words are."""
        plugins = self.catalog.valid()
        if not plugins:
            return found
        taken = {c.text for c in found}
        extra = [Candidate(p.name, p.short_description) for p in plugins if p.name not in taken]
        return sorted([*found, *extra], key=lambda c: c.text) if extra else found

    def arguments(self, words: tuple[str, ...], current: str) -> list[Candidate]:
        """What the plugin ``words[0]`` offers after ``words[1:]`` for ``current``; its
        directive may ask for local files (all, folders only, or by extension)."""
        if not words:
            return []
        plugin = self.catalog.get(words[0])
        if plugin is None:
            return []
        key = (plugin.path, words, current)
        now = time.monotonic()
        with self._lock:
            known = self._answers.get(key)
        if known is not None and now - known[0] < ANSWER_SECONDS:
            return known[1]
        answer = complete(plugin, list(words[1:]), current, [])
        candidates = [Candidate(value, description) for value, description in answer.values]
        directive = answer.directive
        if directive & DIRECTIVE_ERROR:
            candidates = []
        elif directive & DIRECTIVE_FILTER_DIRS:
            candidates = local_paths(current, directories_only=True)
        elif directive & DIRECTIVE_FILTER_EXT:
            extensions = tuple(f".{c.text.lstrip('.')}" for c in candidates)
            candidates = [c for c in local_paths(current)
                          if c.text.endswith("/") or c.text.endswith(extensions)]  # fmt: skip
        elif not candidates and not directive & DIRECTIVE_NO_FILE:
            candidates = local_paths(current)
        with self._lock:
            if len(self._answers) > 64:
                self._answers.clear()
            self._answers[key] = (now, candidates)
        return candidates


def for_session(session) -> PluginCompletion:  # noqa: ANN001
    """The plugins of ``session``'s config folder, checked against its commands."""
    from dshell.cliplugins import builtin_names, session_dirs

    return PluginCompletion(lambda: session_dirs(session),
                            lambda: builtin_names(session.registry))  # fmt: skip
