"""What keeps a TAB cheap without changing what it offers: the per-snapshot index, the
completions that carry their plain texts, the prompt's hand-off and the menu's measures."""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import replace

from prompt_toolkit.buffer import CompletionState
from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.layout.menus import CompletionsMenuControl

from dshell.repl.cache import ResourceCache
from dshell.repl.candidates import Candidate
from dshell.repl.completer import (
    DockerCompleter,
    KindCompletions,
    MenuCompletion,
    MenuControl,
    PromptCompleter,
    snapshot_kinds,
)
from tests.unit.test_repl_fixtures import CONTAINERS, cache, registry

TAB = CompleteEvent(completion_requested=True)


def many_containers(count: int) -> list[dict]:
    names = [f"svc-{i % 37}-{i}" for i in range(count)]
    random.Random(7).shuffle(names)
    states = ("running", "exited", "created", "paused")
    return [{"Id": f"{i:064x}", "Names": [f"/{name}"], "Image": "busybox",
             "State": states[i % 4], "Status": "Up"} for i, name in enumerate(names)]  # fmt: skip


def plain_filter(completer: DockerCompleter, line: str) -> list[str]:
    """What matching each candidate in turn (the completer before the index) offers."""
    expected = completer.expect(Document(line))
    found = []
    for suggestion in expected.suggestions:
        from dshell.repl.candidates import for_suggestion

        for candidate in for_suggestion(suggestion, completer.cache.snapshot, completer.registry,
                                        expected.word):  # fmt: skip
            if candidate.text.startswith(suggestion.replace):
                found.append(candidate.text)
    return found


def test_prefixes_through_the_index_match_a_plain_filter():
    big = ResourceCache.from_data(containers=many_containers(600))
    completer = DockerCompleter(registry(), big)
    for line in ["start ", "start svc-1", "start svc-12-", "stop svc-3", "logs svc-", "logs s",
                 "logs svc-36-999", "logs zzz", "rm -f svc-2", "unpause svc-"]:  # fmt: skip
        assert completer.candidates_for(line) == plain_filter(completer, line), line


def test_an_unsorted_kind_keeps_its_order():
    kind = KindCompletions([Candidate("default"), Candidate("b"), Candidate("a"),
                            Candidate("ab")], [])  # fmt: skip
    assert not kind.ordered
    assert [c.text for c in kind.starting_with("a")] == ["a", "ab"]
    assert [c.start_position for c in kind.starting_with("a")] == [-1, -1]


def test_the_cache_prepares_a_snapshot_before_publishing_it():
    built = cache()
    completer = DockerCompleter(registry(), built)
    seen_prepared = []

    def check(snapshot):
        seen_prepared.append(built.snapshot is not snapshot)  # not yet visible to readers

    built.preparers.append(check)
    extra = {"Id": "e" * 64, "Names": ["/newcomer"], "Image": "busybox", "State": "running",
             "Status": "Up 1 second"}
    built._publish(replace(built.snapshot, containers=(*CONTAINERS, extra)))
    assert seen_prepared == [True]
    expected = completer.expect(Document("stop "))
    assert completer.is_instant(expected)  # indexed already: nothing built on the keystroke
    assert completer.candidates_for("stop ") == ["newcomer", "web"]


def test_every_declared_snapshot_kind_is_prepared():
    kinds = snapshot_kinds(registry())
    assert {"container:all", "container:running", "container:stopped", "image", "network",
            "volume", "context"} <= kinds  # fmt: skip
    assert not any(kind.startswith(("path", "choice", "filter", "format")) for kind in kinds)


def test_slow_kinds_are_not_instant(tmp_path, monkeypatch):
    completer = DockerCompleter(registry(), cache())
    monkeypatch.chdir(tmp_path)
    assert not completer.is_instant(completer.expect(Document("build ")))
    assert not completer.is_instant(completer.expect(Document("cp web:/et")))
    assert completer.is_instant(completer.expect(Document("ps --")))


def test_menu_completion_texts_and_the_rest_after_a_common_part():
    made = MenuCompletion("busybox:latest", -2, "", "1.98MB · 2 years ago")
    plain = Completion("busybox:latest", -2, display_meta="1.98MB · 2 years ago")
    assert (made.display_text, made.display_meta_text) == (plain.display_text,
                                                            plain.display_meta_text)  # fmt: skip
    assert made == plain
    rest, base = made.new_completion_from_position(8), plain.new_completion_from_position(8)
    assert (rest.text, rest.start_position, rest.display_text, rest.display_meta_text) == \
        (base.text, base.start_position, base.display_text, base.display_meta_text)
    assert made.new_completion_from_position(8) is rest  # the same TAB again reuses it
    shown = MenuCompletion("FOO}", 0, "FOO", "")
    assert shown.display_text == "FOO" and shown.display == [("", "FOO")]


def test_prompt_completer_runs_in_place_only_what_is_in_memory():
    threads = []

    def lister(container, partial):
        threads.append(threading.current_thread())
        return [Candidate("/etc/hosts")]

    completer = DockerCompleter(registry(), cache(), container_paths=lister)
    prompt = PromptCompleter(completer)

    async def collect(line):
        return [c.text async for c in prompt.get_completions_async(Document(line), TAB)]

    assert asyncio.run(collect("stop ")) == ["web"]
    assert asyncio.run(collect("cp web:/etc/h")) == ["/etc/hosts"]
    assert threads and threads[0] is not threading.main_thread()


def test_menu_control_measures_as_prompt_toolkits_once_per_list(monkeypatch):
    completions = [MenuCompletion(f"name-{i}" + "x" * (i % 13), 0, "", "meta" * (i % 5))
                   for i in range(500)]  # fmt: skip
    state = CompletionState(Document("inspect "), completions)
    ours, theirs = MenuControl(), CompletionsMenuControl()
    for width in (500, 160, 20, 3):
        assert ours._get_menu_width(width, state) == theirs._get_menu_width(width, state)
        for left in (140, 10, 0, -3):
            assert ours._get_menu_meta_width(left, state) == \
                theirs._get_menu_meta_width(left, state)
    assert ours._show_meta(state) == theirs._show_meta(state)
    no_meta = CompletionState(Document("x"), [MenuCompletion("a"), MenuCompletion("bb")])
    assert MenuControl()._get_menu_meta_width(40, no_meta) == 0
    calls = []
    monkeypatch.setattr(CompletionsMenuControl, "_show_meta",
                        lambda self, s: calls.append(s) or True)  # fmt: skip
    ours._get_menu_width(80, state)
    assert calls == []  # measured already


def test_a_new_cache_takes_the_preparer_from_the_old_one():
    first, second = cache(), cache()
    completer = DockerCompleter(registry(), first)
    completer.cache = second
    assert completer.prepare not in first.preparers
    assert second.preparers == [completer.prepare]
