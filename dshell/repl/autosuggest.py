"""Grey auto-suggestions from history at a cost that does not grow with the history.

prompt_toolkit's ``AutoSuggestFromHistory`` copies the whole history twice and tests every line
on each key (1.3–2 ms with 10,000 entries, and nothing when no line matches). Here the history's
lines are kept in a sorted list with their recency, indexed as they are loaded or appended: a
prefix's lines are one run of that list (two bisections); the newest of them is found among the
most recent lines first, else in the run, and remembered until a line with that prefix comes.
The answer is prompt_toolkit's: the most recent history line that starts with the cursor's line.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable

from prompt_toolkit.auto_suggest import AutoSuggest, Suggestion
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.history import History, ThreadedHistory

#: How many of the newest lines are tried before the run of the sorted list.
RECENT = 256
#: Prefixes whose answer is remembered (forgotten all at once past this).
MEMO_SIZE = 4096
_AFTER_ALL = "\U0010ffff"
_UNKNOWN = object()


class HistoryIndex:
    """The distinct lines of a history, sorted, with the newest line under each prefix.

    Safe to feed from the history's loader thread while the prompt's thread asks.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._rank: dict[str, int] = {}
        self._recent: deque[str] = deque(maxlen=RECENT)
        self._memo: dict[str, str | None] = {}
        self._newest = 0
        self._oldest = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lines)

    def add_newest(self, entry: str) -> None:
        """An entry just typed: its lines become the most recent (its last line first)."""
        with self._lock:
            for line in entry.splitlines():
                self._newest += 1
                self._add(line, self._newest)
                self._recent.appendleft(line)

    def add_oldest(self, entry: str) -> None:
        """An entry read from the file, older than all seen so far (the file loads newest
        first)."""
        with self._lock:
            for line in reversed(entry.splitlines()):
                self._oldest -= 1
                self._add(line, self._oldest)
                if len(self._recent) < RECENT:
                    self._recent.append(line)

    def _add(self, line: str, rank: int) -> None:
        known = self._rank.get(line)
        if known is None:
            lines = self._lines
            lines.insert(bisect_left(lines, line), line)
        elif known > rank:
            return
        self._rank[line] = rank
        memo = self._memo
        if not memo:
            return
        # Remembered answers this line replaces: a prefix of it that had no line, or (when it
        # is the newest) any prefix of it.
        if len(memo) < len(line):
            prefixes = [p for p in memo if line.startswith(p)]
        else:
            prefixes = [line[:n] for n in range(1, len(line) + 1) if line[:n] in memo]
        for prefix in prefixes:
            if rank > 0 or memo[prefix] is None:
                memo[prefix] = line

    def newest_starting_with(self, prefix: str) -> str | None:
        """The most recent line that starts with ``prefix`` (``prefix`` itself included)."""
        memo = self._memo
        found = memo.get(prefix, _UNKNOWN)
        if found is not _UNKNOWN:
            return found  # type: ignore[return-value]
        with self._lock:
            found = self._search(prefix)
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            memo[prefix] = found
        return found

    def _search(self, prefix: str) -> str | None:
        lines = self._lines
        start = bisect_left(lines, prefix)
        end = bisect_left(lines, prefix + _AFTER_ALL, start)
        if start == end:
            return None
        if end - start > 16:
            for line in self._recent:
                if line.startswith(prefix):
                    return line
        rank = self._rank
        return max(lines[start:end], key=rank.__getitem__)


class _IndexingSource(History):
    """The stored history, read through: each entry loaded is indexed as it goes by."""

    def __init__(self, stored: History, index: HistoryIndex) -> None:
        super().__init__()
        self.stored = stored
        self.index = index

    def load_history_strings(self) -> Iterable[str]:
        for entry in self.stored.load_history_strings():
            self.index.add_oldest(entry)
            yield entry

    def store_string(self, string: str) -> None:
        self.stored.store_string(string)


class IndexedHistory(ThreadedHistory):
    """A ``ThreadedHistory`` (loaded in the background after the first paint) that keeps a
    ``HistoryIndex`` of what it loaded and what was appended since."""

    def __init__(self, stored: History) -> None:
        self.index = HistoryIndex()
        super().__init__(_IndexingSource(stored, self.index))

    def append_string(self, string: str) -> None:
        super().append_string(string)
        self.index.add_newest(string)


class IndexedSuggest(AutoSuggest):
    """``AutoSuggestFromHistory``'s suggestion, read from the ``IndexedHistory``'s index (any
    other history falls back to prompt_toolkit's scan)."""

    def get_suggestion(self, buffer: Buffer, document: Document) -> Suggestion | None:
        text = document.text.rsplit("\n", 1)[-1]
        if not text.strip():
            return None
        history = buffer.history
        index = getattr(history, "index", None)
        if not isinstance(index, HistoryIndex):
            from prompt_toolkit.auto_suggest import AutoSuggestFromHistory

            return AutoSuggestFromHistory().get_suggestion(buffer, document)
        line = index.newest_starting_with(text)
        return Suggestion(line[len(text) :]) if line is not None else None
