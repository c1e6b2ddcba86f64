"""TAB done in place (``PromptCompleter.complete_now``) leaves the buffer as prompt_toolkit's own
TAB does: same text, same completions in the same order, same selection, same menu widths."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from prompt_toolkit.buffer import Buffer, CompletionState
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.layout.menus import CompletionsMenuControl

from dshell.repl.completer import DockerCompleter, MenuControl, PromptCompleter
from tests.unit.test_completer_index import many_containers
from tests.unit.test_repl_fixtures import cache, registry

LINES = ["inspect ", "rmi ", "rmi bu", "rmi 127", "start ", "unpause ", "unpause n", "conta",
         "ps --", "run --network ", "run --network b", "context use ", "logs w", "logs wo",
         "logs worker", "stop zzz", "nosuch ", "ps -f status=", "volume inspect ",
         "logs svc-1", "logs svc-12-", "rm svc-3", "logs ", "logs svc-36", "help ", ""]  # fmt: skip


def a_completer(fuzzy: bool = False) -> PromptCompleter:
    """On a snapshot the index has prepared, as the cache's thread does before publishing."""
    built = cache()
    containers = [*built.snapshot.containers, *many_containers(300)]
    built.snapshot = replace(built.snapshot, containers=tuple(containers))
    completer = DockerCompleter(registry(), built, fuzzy=fuzzy)
    completer.prepare(built.snapshot)
    return PromptCompleter(completer)


def state_of(buffer: Buffer) -> tuple:
    state = buffer.complete_state
    shown = None
    if state is not None:
        rows = [(c.text, c.start_position, c.display_text, c.display_meta_text)
                for c in state.completions]  # fmt: skip
        shown = (state.complete_index, rows)
    return buffer.text, buffer.cursor_position, shown


def prompt_toolkits_tab(completer: PromptCompleter, line: str) -> Buffer:
    buffer = Buffer(completer=completer)
    buffer.document = Document(line)
    event = CompleteEvent(completion_requested=True)
    asyncio.run(buffer._async_completer(insert_common_part=True, complete_event=event))
    return buffer


def our_tab(completer: PromptCompleter, line: str) -> tuple[Buffer, bool]:
    buffer = Buffer(completer=completer)
    buffer.document = Document(line)
    return buffer, completer.complete_now(buffer)


@pytest.mark.parametrize("fuzzy", [False, True])
def test_the_buffer_ends_as_after_prompt_toolkits_tab(fuzzy):
    completer = a_completer(fuzzy)
    for _ in range(2):  # the second round reads what the first remembered
        for line in LINES:
            buffer, handled = our_tab(completer, line)
            assert handled, line  # all in memory: done in place
            assert state_of(buffer) == state_of(prompt_toolkits_tab(completer, line)), line


def test_menu_widths_remembered_per_list_are_prompt_toolkits():
    completer = a_completer()
    for line in ("logs ", "logs svc-1", "rmi ", "logs w", "start "):
        for _ in range(2):
            buffer, handled = our_tab(completer, line)
            assert handled
            state = buffer.complete_state
            theirs = CompletionsMenuControl()
            plain = CompletionState(state.original_document, list(state.completions))
            ours = MenuControl()
            assert ours._get_menu_width(500, state) == theirs._get_menu_width(500, plain)
            meta = theirs._get_menu_meta_width(500, plain)
            assert ours._get_menu_meta_width(500, state) == meta
            assert ours._show_meta(state) == theirs._show_meta(plain)


def test_a_path_is_left_to_prompt_toolkits_background_completion(tmp_path):
    completer = a_completer()
    buffer, handled = our_tab(completer, f"run -v {tmp_path}/")
    assert not handled and buffer.complete_state is None


def test_before_the_first_snapshot_tab_opens_an_empty_menu_for_it_to_fill():
    from dshell.repl.cache import ResourceCache

    completer = PromptCompleter(DockerCompleter(registry(), ResourceCache(None)))
    buffer, handled = our_tab(completer, "unpause ")
    assert handled and buffer.complete_state is not None
    assert buffer.complete_state.completions == []
    buffer, handled = our_tab(completer, "conta")  # words need no snapshot
    assert handled and buffer.text == "container"
