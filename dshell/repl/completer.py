"""The prompt_toolkit completer: suggest kinds, fetch their candidates, match the word.

Candidate lists depend only on the cache snapshot, so they are memoised per snapshot and a
keystroke costs a prefix match. Only ``cp CONTAINER:/pa<TAB>`` reaches the daemon, on an
explicit TAB, from the completion thread (``ThreadedCompleter``), with a short timeout.
The shell's side (aliases, variables) is read from ``shell_state`` at each completion; the
programs on $PATH are listed again only when $PATH or one of its directories changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from dshell.commands.declare import Command, Registry
from dshell.repl.cache import ResourceCache
from dshell.repl.candidates import Candidate, for_suggestion, host_commands
from dshell.repl.suggest import HOST_COMMAND, suggest
from dshell.shellstate import ShellState

#: Kinds whose candidates depend only on the snapshot (and so can be memoised).
_SNAPSHOT_KINDS = ("container:", "image", "network", "volume", "context", "object")


def fuzzy_match(word: str, text: str) -> bool:
    """Every character of ``word`` appears in ``text`` in order (case-insensitive)."""
    position = 0
    lowered = text.lower()
    for char in word.lower():
        position = lowered.find(char, position) + 1
        if position == 0:
            return False
    return True


class DockerCompleter(Completer):
    """Completion for the dshell prompt (or, with ``top``, for one fixed command)."""

    def __init__(
        self,
        registry: Registry,
        cache: ResourceCache,
        fuzzy: bool = False,
        container_paths: Callable[[str, str], Iterable[Candidate]] | None = None,
        top: Command | None = None,
        shell_state: ShellState | None = None,
    ) -> None:
        self.registry = registry
        self.cache = cache
        self.fuzzy = fuzzy
        self.container_paths = container_paths
        self.top = top
        self.shell_state = shell_state
        self._memo_snapshot: object = None
        self._memo: dict[str, list[Candidate]] = {}
        self._programs: tuple[object, list[Candidate]] = (None, [])

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        aliases = self.shell_state.aliases if self.shell_state is not None else None
        expected = suggest(document.text_before_cursor, self.registry, self.top, aliases)
        for suggestion in expected.suggestions:
            typed = suggestion.replace if suggestion.kind not in ("words", "flags") else \
                expected.word
            for candidate in self._candidates(suggestion, expected.word, complete_event):
                if self._matches(typed, candidate.text):
                    yield Completion(
                        candidate.text,
                        start_position=-len(typed),
                        display=candidate.display or None,
                        display_meta=candidate.meta or None,
                    )

    def candidates_for(self, text: str) -> list[str]:
        """The completion texts for ``text`` as if TAB was pressed at its end (tests, bench)."""
        event = CompleteEvent(completion_requested=True)
        return [c.text for c in self.get_completions(Document(text), event)]

    def _matches(self, typed: str, text: str) -> bool:
        if text.startswith(typed):
            return True
        return self.fuzzy and bool(typed) and fuzzy_match(typed, text)

    def _candidates(self, suggestion, word: str, event: CompleteEvent) -> list[Candidate]:  # noqa: ANN001
        snapshot = self.cache.snapshot
        if suggestion.kind == HOST_COMMAND:
            return self._programs_on_path()
        if suggestion.kind == "container-path":
            if not event.completion_requested or self.container_paths is None:
                return []
        elif suggestion.kind.startswith(_SNAPSHOT_KINDS):
            if snapshot is not self._memo_snapshot:
                self._memo_snapshot, self._memo = snapshot, {}
            found = self._memo.get(suggestion.kind)
            if found is None:
                found = for_suggestion(suggestion, snapshot, self.registry, word)
                self._memo[suggestion.kind] = found
            return found
        return for_suggestion(suggestion, snapshot, self.registry, word, self.container_paths,
                              self.shell_state)  # fmt: skip

    def _programs_on_path(self) -> list[Candidate]:
        search_path = os.environ.get("PATH", os.defpath)
        stamps = []
        for directory in search_path.split(os.pathsep):
            try:
                stamps.append(os.stat(directory or ".").st_mtime_ns)
            except OSError:
                stamps.append(None)
        key = (search_path, tuple(stamps))
        if self._programs[0] != key:
            self._programs = (key, host_commands(search_path))
        return self._programs[1]
