"""History suggestions from the index: prompt_toolkit's answer, however the history was filled."""

from __future__ import annotations

import random

import pytest
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.buffer import Buffer
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory

from dshell.repl.autosuggest import RECENT, HistoryIndex, IndexedHistory, IndexedSuggest
from dshell.repl.history import PrivateHistory

WORDS = ["ps", "ps -a", "inspect", "images", "run", "rm", "rmi", "busybox", "-f", "web-1",
         "web-12", "x", "exec -it", "a\\", "ls"]  # fmt: skip


def random_entry(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(1, 4))
    entry = " ".join(words)
    if rng.random() < 0.1:
        entry += "\n" + " ".join(rng.sample(WORDS, 2))  # a multi-line entry
    return entry


def suggestions(history, texts: list[str]) -> list[tuple[str | None, str | None]]:  # noqa: ANN001
    """(ours, prompt_toolkit's) for each typed text, on the same history."""
    buffer = Buffer(history=history)
    found = []
    for text in texts:
        document = Document(text)
        ours = IndexedSuggest().get_suggestion(buffer, document)
        theirs = AutoSuggestFromHistory().get_suggestion(buffer, document)
        found.append((ours and ours.text, theirs and theirs.text))
    return found


def typed_prefixes(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        entry = random_entry(rng)
        texts.append(entry[: rng.randint(1, len(entry))].rsplit("\n", 1)[-1] or "p")
    return [*texts, "zzz", "p", "r", "ps -a x", "   ", "a\\"]


@pytest.mark.parametrize("seed", range(5))
def test_same_answer_as_prompt_toolkit_as_entries_are_appended(seed):
    rng = random.Random(seed)
    history = IndexedHistory(InMemoryHistory())
    texts = typed_prefixes(rng, 60)
    for round_ in range(40):
        history.append_string(random_entry(rng))
        if round_ % 8 == 0:  # answers remembered before the next entries must not go stale
            for ours, theirs in suggestions(history, texts):
                assert ours == theirs


@pytest.mark.parametrize("seed", range(3))
def test_same_answer_for_a_history_loaded_from_its_file(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "history"
    stored = PrivateHistory(path)
    for _ in range(3 * RECENT):  # past the recent lines tried first
        stored.append_string(random_entry(rng))
    history = IndexedHistory(PrivateHistory(path))
    texts = typed_prefixes(rng, 80)
    # Half loaded: what the loader read so far answers, older lines come in after.
    loading = iter(history.history.load_history_strings())
    for _ in range(RECENT // 2):
        history._loaded_strings.append(next(loading))
    for ours, theirs in suggestions(history, texts):
        assert ours == theirs
    history._loaded_strings.extend(loading)
    history.append_string("ps -a --no-trunc")
    for ours, theirs in suggestions(history, texts):
        assert ours == theirs
    assert suggestions(history, ["ps -a"])[0][0] == " --no-trunc"


def test_older_duplicates_do_not_take_the_place_of_a_newer_line():
    index = HistoryIndex()
    index.add_newest("ps -a")
    index.add_newest("ps --all")
    assert index.newest_starting_with("ps") == "ps --all"
    index.add_oldest("ps --all")
    index.add_oldest("ps -q")
    assert index.newest_starting_with("ps") == "ps --all"
    assert index.newest_starting_with("ps -q") == "ps -q"
    index.add_newest("ps -a")
    assert index.newest_starting_with("ps") == "ps -a"
    assert index.newest_starting_with("q") is None
    assert len(index) == 3


def test_a_blank_line_gets_no_suggestion():
    history = IndexedHistory(InMemoryHistory())
    history.append_string("ps -a")
    assert suggestions(history, ["", "  "]) == [(None, None), (None, None)]
