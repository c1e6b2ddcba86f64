"""The prompt_toolkit completer: suggest kinds, fetch their candidates, match the word.

Candidates of the kinds drawn from the resource cache (containers, images, networks ...)
depend only on its snapshot, so a ``SnapshotIndex`` holds them per snapshot, sorted and
already made into ``Completion`` objects: the cache's thread builds it before it publishes a
snapshot, and a keystroke costs a bisection. Only ``cp CONTAINER:/pa<TAB>`` reaches the daemon,
on an explicit TAB, from the completion thread, with a short timeout. The shell's side
(aliases, variables) is read from ``shell_state`` at each completion; the programs on $PATH are
listed again only when $PATH or one of its directories changed.
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_left
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator

from prompt_toolkit.buffer import Buffer, CompletionState
from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    ThreadedCompleter,
    get_common_complete_suffix,
)
from prompt_toolkit.document import Document
from prompt_toolkit.eventloop import run_in_executor_with_context
from prompt_toolkit.layout import Layout
from prompt_toolkit.layout.menus import CompletionsMenuControl

from dshell.commands.declare import Command, Registry
from dshell.repl.cache import ResourceCache, Snapshot
from dshell.repl.candidates import Candidate, for_suggestion, host_commands
from dshell.repl.plugins import PluginCompletion
from dshell.repl.suggest import (
    CONTAINER_OR_LOCAL_PATH,
    CONTAINER_PATH,
    FILTERS,
    HOST_COMMAND,
    PATH,
    PLUGIN_ARGS,
    Expected,
    Suggestion,
    suggest,
)
from dshell.shellstate import ShellState

#: Kinds whose candidates depend only on the snapshot (and so are indexed per snapshot).
_SNAPSHOT_KINDS = ("container:", "image", "network", "volume", "engine-plugin", "context",
                   "object", "service", "task", "node", "secret", "config", "stack",
                   "constraint", "placement-pref")  # fmt: skip
#: Kinds whose candidates come from the daemon or the file system.
_SLOW_KINDS = frozenset({CONTAINER_PATH, PATH, "path:dir", "directory", HOST_COMMAND,
                         PLUGIN_ARGS})  # fmt: skip
#: The snapshot's fields those kinds read.
_SNAPSHOT_LISTS = ("containers", "images", "networks", "volumes", "plugins", "contexts",
                   "services", "tasks", "nodes", "secrets", "configs", "node_id")  # fmt: skip
#: The snapshot fields each kind's candidates read, by the kind's name before ``:``. Kinds not
#: here (``object``, ``image``: its ages move with the clock) are rebuilt on any change.
_KIND_FIELDS = {"container": ("containers",), "network": ("networks",), "volume": ("volumes",),
                "engine-plugin": ("plugins",),
                "context": ("contexts",), "service": ("services",),
                "task": ("tasks", "services"), "service-or-task": ("services", "tasks"),
                "node": ("nodes", "node_id"),
                "secret": ("secrets",), "config": ("configs",), "stack": ("services",),
                "constraint": ("nodes",), "constraint-value": ("nodes", "node_id"),
                "placement-pref": ("nodes",)}  # fmt: skip
#: Typed prefixes whose completions one kind keeps for its snapshot.
_PREFIXES_KEPT = 64


def fuzzy_match(word: str, text: str) -> bool:
    """Every character of ``word`` appears in ``text`` in order (case-insensitive)."""
    position = 0
    lowered = text.lower()
    for char in word.lower():
        position = lowered.find(char, position) + 1
        if position == 0:
            return False
    return True


class MenuCompletion(Completion):
    """A ``Completion`` whose plain display and meta texts are worked out once.

    prompt_toolkit's menu sizes its column from the display text of every completion on every
    frame, and ``Completion`` derives that text from formatted text at each read: with 2,000
    completions, that was most of a frame.
    """

    # Plain class attributes in place of the base class's properties: set per instance below.
    display_text = ""
    display_meta_text = ""
    #: (position, completion) of the last ``new_completion_from_position``.
    _after: tuple[int, Completion] | None = None

    def __init__(self, text: str, start_position: int = 0, display: str = "",
                 meta: str = "") -> None:  # fmt: skip
        super().__init__(text, start_position, display=display or None, display_meta=meta or None)
        self.display_text = display or text
        self.display_meta_text = meta

    def new_completion_from_position(self, position: int) -> Completion:
        """The completion left once TAB inserted the common part (as the base class makes it:
        shown as before, inserting the rest), still with its texts worked out; made once, as
        the same TAB on the same snapshot asks for it again."""
        made = self._after
        if made is None or made[0] != position:
            assert position - self.start_position >= 0
            made = self._after = (position, MenuCompletion(
                self.text[position - self.start_position :], 0, self.display_text,
                self.display_meta_text))  # fmt: skip
        return made[1]


def _completion(candidate: Candidate, typed: str) -> MenuCompletion:
    return MenuCompletion(candidate.text, -len(typed), candidate.display, candidate.meta)


class CompletionList(list):
    """One kind's completions under one typed prefix, as the snapshot index keeps them, with
    what TAB derives from them worked out once per list (not once per TAB): the common part,
    the completions left once it is inserted, and the menu's column widths."""

    #: The text all of them share after the typed prefix (None: not worked out yet).
    common: str | None = None
    #: (length of the common part, the completions after it was inserted).
    after: tuple[int, list[Completion]] | None = None
    #: The menu's (width, meta width, show meta), set by ``MenuControl``.
    measure: tuple[int, int, bool] | None = None
    #: On a copy handed to prompt_toolkit: the index's list it came from.
    source: CompletionList | None = None

    def common_part(self, typed: str) -> str:
        if self.common is None:
            self.common = os.path.commonprefix([c.text for c in self])[len(typed) :]
        return self.common

    def after_inserting(self, length: int) -> list[Completion]:
        after = self.after
        if after is None or after[0] != length:
            after = self.after = (length, [c.new_completion_from_position(length) for c in self])
        return after[1]


class KindCompletions:
    """One kind's candidates for one snapshot, in their order, and the completions of each
    typed prefix (remembered: the same TAB costs a lookup the next time)."""

    def __init__(self, candidates: list[Candidate], made: list[MenuCompletion]) -> None:
        self.candidates = candidates
        self.completions = made
        self.texts = [c.text for c in candidates]
        self.ordered = all(a <= b for a, b in zip(self.texts, self.texts[1:], strict=False))
        self._by_prefix: dict[str, CompletionList] = {"": CompletionList(made)}

    def starting_with(self, typed: str) -> CompletionList:
        found = self._by_prefix.get(typed)
        if found is None:
            if self.ordered:  # the texts under a prefix are one run of a sorted list
                texts = self.texts
                start = end = bisect_left(texts, typed)
                while end < len(texts) and texts[end].startswith(typed):
                    end += 1
                chosen = self.candidates[start:end]
            else:
                chosen = [c for c in self.candidates if c.text.startswith(typed)]
            found = CompletionList(_completion(c, typed) for c in chosen)
            if len(self._by_prefix) >= _PREFIXES_KEPT:
                self._by_prefix = {"": self._by_prefix[""]}
            self._by_prefix[typed] = found
        return found


class SnapshotIndex:
    """The completions of the snapshot kinds for one snapshot, built on first use of a kind
    (``prepare`` builds them all ahead)."""

    def __init__(self, snapshot: Snapshot, registry: Registry) -> None:
        self.snapshot = snapshot
        self.registry = registry
        self._kinds: dict[str, KindCompletions] = {}
        #: One completion object per distinct candidate: ``object`` shares those of
        #: ``container:all`` and ``image``.
        self._made: dict[Candidate, MenuCompletion] = {}

    def kind(self, kind: str) -> KindCompletions:
        found = self._kinds.get(kind)
        if found is None:
            candidates = for_suggestion(Suggestion(kind), self.snapshot, self.registry, "")
            made = self._made
            completions = []
            for candidate in candidates:
                completion = made.get(candidate)
                if completion is None:
                    completion = made[candidate] = _completion(candidate, "")
                completions.append(completion)
            found = self._kinds[kind] = KindCompletions(candidates, completions)
        return found

    def has(self, kind: str) -> bool:
        return kind in self._kinds

    def prepare(self, kinds: Iterable[str]) -> SnapshotIndex:
        for kind in kinds:
            self.kind(kind)
        return self

    def moved_to(self, snapshot: Snapshot) -> SnapshotIndex:
        """This index for ``snapshot``: the completions of the kinds whose lists did not
        change carry over (all of them when only the connection state changed), so that a
        service event on a big swarm does not rebuild the containers' completions."""
        changed = {name for name in _SNAPSHOT_LISTS
                   if getattr(snapshot, name) is not getattr(self.snapshot, name)}  # fmt: skip
        moved = SnapshotIndex(snapshot, self.registry)
        if not changed:
            moved._kinds, moved._made = self._kinds, self._made
            return moved
        for kind, found in self._kinds.items():
            fields = _KIND_FIELDS.get(kind.partition(":")[0])
            if fields is not None and changed.isdisjoint(fields):
                moved._kinds[kind] = found
                moved._made.update(zip(found.candidates, found.completions, strict=True))
        return moved


def snapshot_kinds(registry: Registry) -> frozenset[str]:
    """The snapshot kinds a completion can ask for: the declarations' flag and argument kinds,
    the filters' value kinds, and ``container:all`` (``rm -f``)."""
    kinds = {"container:all"}
    kinds.update(kind for table in FILTERS.values() for kind in table.values() if kind)
    for cmd in registry.commands:
        kinds.update(flag.kind for flag in cmd.flags if flag.kind)
        kinds.update(arg.kind for arg in cmd.args if arg.kind)
        if cmd.rest_kind:
            kinds.add(cmd.rest_kind)
    return frozenset(kind for kind in kinds
                     if kind.startswith(_SNAPSHOT_KINDS) and kind not in CONTAINER_OR_LOCAL_PATH)


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
        plugins: PluginCompletion | None = None,
    ) -> None:
        self.registry = registry
        #: CLI plugins: their names at a command's place, their own answers after them.
        self.plugins = plugins
        self.fuzzy = fuzzy
        self.container_paths = container_paths
        self.top = top
        self.shell_state = shell_state
        #: Worked out on the first snapshot (in the cache's thread, after the first paint:
        #: it reads every declaration).
        self._kinds_to_prepare: frozenset[str] | None = None
        self._index = SnapshotIndex(cache.snapshot, registry)
        self._programs: tuple[object, list[Candidate]] = (None, [])
        self.cache = cache

    @property
    def cache(self) -> ResourceCache:
        return self._cache

    @cache.setter
    def cache(self, cache: ResourceCache) -> None:
        """Each snapshot this cache publishes from now on is indexed before it is seen (and
        none the previous one may still publish)."""
        previous = getattr(self, "_cache", None)
        if previous is not None and self.prepare in previous.preparers:
            previous.preparers.remove(self.prepare)
        self._cache = cache
        cache.preparers.append(self.prepare)

    def prepare(self, snapshot: Snapshot) -> None:
        """Index ``snapshot`` for every kind (the cache's loader thread calls this)."""
        kinds = self._kinds_to_prepare
        if kinds is None:
            kinds = self._kinds_to_prepare = snapshot_kinds(self.registry)
        self._index = self._index.moved_to(snapshot).prepare(kinds)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        return self.completions(self.expect(document), complete_event)

    def expect(self, document: Document) -> Expected:
        """What may be typed at the cursor (pure, quick: parses the line)."""
        aliases = self.shell_state.aliases if self.shell_state is not None else None
        plugins = self.plugins.names() if self.plugins is not None else ()
        return suggest(document.text_before_cursor, self.registry, self.top, aliases, plugins)

    def is_instant(self, expected: Expected) -> bool:
        """Whether ``completions(expected)`` only reads memory already prepared: no daemon, no
        directory listing, no snapshot kind still to index."""
        index = self._snapshot_index()
        for suggestion in expected.suggestions:
            kind = suggestion.kind
            if kind in _SLOW_KINDS or (kind.startswith(_SNAPSHOT_KINDS)
                                       and not index.has(kind)):  # fmt: skip
                return False
        return True

    def awaits_first_load(self, expected: Expected) -> bool:
        """Whether ``expected`` asks for the Engine's objects and none has arrived yet."""
        snapshot = self._cache.snapshot
        return not (snapshot.connected or snapshot.loaded_at) and any(
            s.kind.startswith(_SNAPSHOT_KINDS) for s in expected.suggestions)  # fmt: skip

    def completions(self, expected: Expected, complete_event: CompleteEvent
                    ) -> Iterator[Completion]:  # fmt: skip
        for suggestion in expected.suggestions:
            typed = suggestion.replace if suggestion.kind not in ("words", "flags") else \
                expected.word
            if suggestion.kind.startswith(_SNAPSHOT_KINDS):
                kind = self._snapshot_index().kind(suggestion.kind)
                if not (self.fuzzy and typed):
                    yield from kind.starting_with(typed)
                    continue
                candidates = kind.candidates
            else:
                candidates = self._candidates(suggestion, expected.word, complete_event)
            for candidate in candidates:
                if self._matches(typed, candidate.text):
                    yield _completion(candidate, typed)

    def indexed(self, expected: Expected) -> tuple[CompletionList, str] | None:
        """The index's own list and the typed prefix, when ``expected`` is one snapshot kind
        matched by its prefix (what ``completions`` would yield, in the same order)."""
        if len(expected.suggestions) != 1 or (self.fuzzy and expected.word):
            return None
        suggestion = expected.suggestions[0]
        if not suggestion.kind.startswith(_SNAPSHOT_KINDS):
            return None
        typed = suggestion.replace
        if self.fuzzy and typed:
            return None
        return self._snapshot_index().kind(suggestion.kind).starting_with(typed), typed

    def candidates_for(self, text: str) -> list[str]:
        """The completion texts for ``text`` as if TAB was pressed at its end (tests, bench)."""
        event = CompleteEvent(completion_requested=True)
        return [c.text for c in self.get_completions(Document(text), event)]

    def _matches(self, typed: str, text: str) -> bool:
        if text.startswith(typed):
            return True
        return self.fuzzy and bool(typed) and fuzzy_match(typed, text)

    def _snapshot_index(self) -> SnapshotIndex:
        snapshot = self._cache.snapshot
        index = self._index
        if index.snapshot is not snapshot:  # not prepared (yet): index it as it is used
            index = self._index = index.moved_to(snapshot)
        return index

    def _candidates(self, suggestion, word: str, event: CompleteEvent) -> list[Candidate]:  # noqa: ANN001
        if suggestion.kind == HOST_COMMAND:
            return self._programs_on_path()
        if suggestion.kind == PLUGIN_ARGS:
            if self.plugins is None:
                return []
            return self.plugins.arguments(suggestion.words, suggestion.replace)
        if suggestion.kind == "words" and not suggestion.words and self.plugins is not None:
            found = for_suggestion(suggestion, self._cache.snapshot, self.registry, word,
                                   self.container_paths, self.shell_state)  # fmt: skip
            return self.plugins.with_names(found)
        if suggestion.kind == "container-path":
            if not event.completion_requested or self.container_paths is None:
                return []
        return for_suggestion(suggestion, self._cache.snapshot, self.registry, word,
                              self.container_paths, self.shell_state)  # fmt: skip

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


class PromptCompleter(ThreadedCompleter):
    """The prompt's completer: ``DockerCompleter`` kept off the prompt's thread only when it
    may wait, and its completions handed over at once.

    prompt_toolkit's ``ThreadedCompleter`` runs every completion in a thread and passes the
    completions back one by one through a queue: 2,000 completions cost 2,000 thread
    hand-offs, and the prompt drew a frame without the menu while they came. Completions read
    from prepared memory (the snapshot's index, the declarations) take a fraction of a
    millisecond and are produced in place; those that list a directory or ask the daemon
    (``cp CONTAINER:/pa<TAB>``) run once in a worker thread and come back as one list.
    """

    completer: DockerCompleter

    async def get_completions_async(
        self, document: Document, complete_event: CompleteEvent
    ) -> AsyncGenerator[Completion, None]:
        completer = self.completer
        expected = completer.expect(document)
        if completer.is_instant(expected):
            completions = list(completer.completions(expected, complete_event))
        else:
            completions = await run_in_executor_with_context(
                lambda: list(completer.completions(expected, complete_event))
            )
        for completion in completions:
            yield completion

    def complete_now(self, buffer: Buffer) -> bool:
        """TAB's first press (``generate_completions``) done in place when the completions are
        instant: the common part inserted, or the menu opened, before this key returns.

        prompt_toolkit gathers completions in a background task that takes them one by one
        through two async generators (with a check and an event per completion) and draws a
        frame without the menu meanwhile: ~5 µs a completion, 10 ms for 2,000. Here the list
        is handed over whole and the next frame has the menu. False (nothing done) when the
        completions may wait (a directory, the daemon): the caller starts prompt_toolkit's.
        """
        if buffer.complete_state is not None:
            return False
        completer = self.completer
        document = buffer.document
        expected = completer.expect(document)
        if completer.awaits_first_load(expected):
            # Nothing to offer yet: an empty menu, which the cache's first snapshot fills
            # (``refresh_on_change`` completes again an open menu nobody moved in).
            buffer.complete_state = CompletionState(document, [])
            return True
        if not completer.is_instant(expected):
            return False
        found = completer.indexed(expected)
        if found is not None:
            source, typed = found
            completions: list[Completion] = source
        else:
            source, typed = None, ""
            completions = list(completer.completions(expected, CompleteEvent(
                completion_requested=True)))  # fmt: skip
        if len(completions) == 1 and _does_nothing(document, completions[0]):
            return True
        if not completions:
            return True
        if source is not None:
            common = source.common_part(typed)
        else:
            common = get_common_complete_suffix(document, completions)
        if common:
            buffer.insert_text(common)
            if len(completions) == 1:
                return True
            if source is not None:
                completions = source.after_inserting(len(common))
            else:
                completions = [c.new_completion_from_position(len(common)) for c in completions]
        shown = CompletionList(completions)
        shown.source = source
        buffer.complete_state = CompletionState(buffer.document, shown)
        if len(completions) == 1 and not common:
            buffer.go_to_completion(0)
        buffer.on_completions_changed.fire()
        return True


def _does_nothing(document: Document, completion: Completion) -> bool:
    """Applying ``completion`` would leave the line as it is (prompt_toolkit drops it)."""
    before = document.text_before_cursor
    return before[len(before) + completion.start_position :] == completion.text


class MenuControl(CompletionsMenuControl):
    """prompt_toolkit's completion menu, measuring its columns once per list of completions.

    The base class draws only the rows in view, but sizes its columns from every completion
    three times a frame (preferred width, then the content's width and whether any has meta).
    Here each measure is taken once for a list (a TAB makes a new ``CompletionState``; a list
    still loading is measured again when it grows) and every frame after reuses it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._measured: tuple[CompletionState, int, int, int, bool] | None = None

    def _measure(self, complete_state: CompletionState) -> tuple[int, int, bool]:
        count = len(complete_state.completions)
        measured = self._measured
        source = getattr(complete_state.completions, "source", None)
        if source is not None and source.measure is not None and len(source) == count:
            if measured is None or measured[0] is not complete_state:
                measured = self._measured = (complete_state, count, *source.measure)
        elif measured is None or measured[0] is not complete_state or measured[1] != count:
            show_meta = super()._show_meta(complete_state)
            # The base class's meta width asks ``_show_meta`` (this class's): answer it first.
            self._measured = (complete_state, count, 0, 0, show_meta)
            measured = self._measured = (
                complete_state, count,
                super()._get_menu_width(sys.maxsize, complete_state),
                super()._get_menu_meta_width(sys.maxsize, complete_state),
                show_meta,
            )  # fmt: skip
            if source is not None and len(source) == count:
                source.measure = measured[2:]
        return measured[2], measured[3], measured[4]

    def _get_menu_width(self, max_width: int, complete_state: CompletionState) -> int:
        return min(max_width, self._measure(complete_state)[0])

    def _get_menu_meta_width(self, max_width: int, complete_state: CompletionState) -> int:
        width = self._measure(complete_state)[1]
        return min(max_width, width) if width else 0

    def _show_meta(self, complete_state: CompletionState) -> bool:
        return self._measure(complete_state)[2]


def bound_menus(layout: Layout) -> None:
    """Put ``MenuControl`` in place of each plain completion menu of ``layout``."""
    for window in layout.find_all_windows():
        if type(window.content) is CompletionsMenuControl:
            window.content = MenuControl()
