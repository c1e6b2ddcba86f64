"""The prompt's keys, driven through prompt_toolkit's pipe input (no terminal, no daemon)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from dshell.engine.endpoint import Endpoint
from dshell.repl.autosuggest import IndexedHistory
from dshell.repl.cache import ResourceCache
from dshell.repl.prompt import build_prompt, read_command, start_after_paint
from dshell.repl.settings import Settings
from tests.unit.test_repl_fixtures import cache, registry

PAUSE = 0.15


def fake_session():
    errors = []
    return SimpleNamespace(
        registry=registry(),
        endpoint=Endpoint("unix:///nowhere.sock", "unix", "/nowhere.sock"),
        err=errors.append,
        errors=errors,
    )


@pytest.fixture
def drive():
    """``drive(keys, settings, history)`` → (the prompt session, what read_command returned).
    A list of keys is typed chunk by chunk, with a pause for the background work."""

    def run(keys: str | list[str], settings: Settings | None = None, history=None):
        chunks = [keys] if isinstance(keys, str) else keys
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
            prompt = build_prompt(fake_session(), cache(), settings or Settings(), history,
                                  input=pipe, output=DummyOutput())  # fmt: skip

            def typist() -> None:
                for chunk in chunks:
                    pipe.send_text(chunk)
                    time.sleep(PAUSE)  # completion and suggestion run in the background

            sender = threading.Thread(target=typist, daemon=True)
            sender.start()
            try:
                return prompt, read_command(prompt, "dshell> ")
            finally:
                sender.join(5)

    return run


def test_enter_returns_the_line(drive):
    assert drive("ps -a\r")[1] == "ps -a"


def test_trailing_backslash_continues(drive):
    assert drive("ps \\\r-a \\\r-q\r")[1] == "ps -a -q"


def test_ctrl_c_abandons_the_line(drive):
    with pytest.raises(KeyboardInterrupt):
        drive("ps -a\x03")


def test_ctrl_d_on_an_empty_line_exits(drive):
    with pytest.raises(EOFError):
        drive("\x04")


def test_tab_completes_a_unique_word(drive):
    assert drive(["conta\t", "\r"])[1] == "container"


def test_tab_completes_from_the_cache(drive):
    assert drive(["unpause \t", "\r"])[1] == "unpause napping"


def test_f4_switches_to_vi_and_back(drive):
    prompt, line = drive("\x1bOS\r")  # F4
    assert prompt.app.editing_mode == EditingMode.VI and line == ""
    prompt, _ = drive("\r", Settings(vi=True))
    assert prompt.app.editing_mode == EditingMode.VI
    prompt, _ = drive("\x1bOS\r", Settings(vi=True))
    assert prompt.app.editing_mode == EditingMode.EMACS


def test_vi_mode_edits_like_vi(drive):
    # type, Esc to normal mode, 0 to line start, x deletes a character, Enter accepts
    assert drive("xps\x1b0x\r", Settings(vi=True))[1] == "ps"


def test_auto_suggest_from_history(drive):
    history = InMemoryHistory(["container ls --format '{{.Names}}'"])
    line = drive(["container l", "\x1b[C", "\r"], history=history)[1]
    assert line == "container ls --format '{{.Names}}'"


def test_ctrl_r_searches_history(drive):
    history = InMemoryHistory(["images", "ps --format x", "version"])
    assert drive("\x12forma\r\r", history=history)[1] == "ps --format x"


def test_toolbar_follows_the_setting(drive):
    assert drive("\r")[0].bottom_toolbar is not None
    assert drive("\r", Settings(toolbar=False))[0].bottom_toolbar is None


def test_unknown_theme_warns_and_falls_back():
    session = fake_session()
    with create_pipe_input() as pipe:
        build_prompt(session, cache(), Settings(theme="no-such-theme"), input=pipe,
                     output=DummyOutput())  # fmt: skip
    assert session.errors == ["WARNING: unknown theme 'no-such-theme'; using \"default\""]


def test_auto_suggest_from_the_indexed_history(drive):
    history = IndexedHistory(InMemoryHistory())
    for entry in ("ps -a", "container ls --format '{{.Names}}'", "container logs web"):
        history.append_string(entry)  # indexed at once (the file's load runs in a thread)
    line = drive(["container l", "\x1b[C", "\r"], history=history)[1]
    assert line == "container logs web"


def test_tab_in_history_search_completes_nothing(drive):
    history = InMemoryHistory(["images", "unpause napping", "version"])
    assert drive(["\x12unpa", "\t", "\r", "\r"], history=history)[1] == "unpause napping"


class PaintedFirst(ResourceCache):
    """A cache that notes, when it is started, whether the prompt was on screen yet."""

    def __init__(self, prompt_holder: list) -> None:
        super().__init__(None)
        self.prompt_holder = prompt_holder
        self.painted_before_start: list[bool] = []

    def start(self) -> ResourceCache:
        renderer = self.prompt_holder[0].app.renderer
        self.painted_before_start.append(renderer._last_screen is not None)
        return self


def test_the_cache_starts_after_the_first_paint():
    holder: list = []
    cache_ = PaintedFirst(holder)
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        prompt = build_prompt(fake_session(), cache_, Settings(), input=pipe,
                              output=DummyOutput())  # fmt: skip
        holder.append(prompt)
        start_after_paint(prompt)
        pipe.send_text("ps\r")
        assert read_command(prompt, "dshell> ") == "ps"
    assert cache_.painted_before_start == [True]


class WatchedSession:
    """A stand-in session that notes, each time its registry is read, whether the prompt
    was on screen yet."""

    def __init__(self) -> None:
        self.endpoint = Endpoint("unix:///nowhere.sock", "unix", "/nowhere.sock")
        self.errors: list[str] = []
        self.err = self.errors.append
        self.prompt = None
        self.painted_when_read: list[bool] = []
        self._registry = registry()

    @property
    def registry(self):  # noqa: ANN201
        self.painted_when_read.append(self.prompt.app.renderer._last_screen is not None)
        return self._registry


def test_the_registry_is_built_after_the_first_paint():
    session = WatchedSession()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        prompt = build_prompt(session, cache(), Settings(), input=pipe, output=DummyOutput())
        session.prompt = prompt
        start_after_paint(prompt)

        def typist() -> None:
            time.sleep(PAUSE)
            pipe.send_text("unpause \t")
            time.sleep(PAUSE)
            pipe.send_text("\r")

        threading.Thread(target=typist, daemon=True).start()
        assert read_command(prompt, "dshell> ") == "unpause napping"
    assert session.painted_when_read and all(session.painted_when_read)


def test_tab_before_the_first_load_opens_the_menu_when_the_snapshot_lands():
    from dataclasses import replace

    from dshell.repl.prompt import refresh_on_change

    loaded = cache().snapshot
    waiting = ResourceCache(None)
    shown: list = []
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        prompt = build_prompt(fake_session(), waiting, Settings(), input=pipe,
                              output=DummyOutput())  # fmt: skip
        waiting.on_change = refresh_on_change(prompt)

        def typist() -> None:
            time.sleep(PAUSE)
            pipe.send_text("unpause \t")  # nothing known yet: an empty menu waits
            time.sleep(PAUSE)
            waiting._publish(replace(loaded, loaded_at=1.0))  # as the loader thread does
            time.sleep(PAUSE)
            state = prompt.default_buffer.complete_state  # no key pressed since
            shown.append(state and [c.text for c in state.completions])
            pipe.send_text("\r")

        threading.Thread(target=typist, daemon=True).start()
        assert read_command(prompt, "dshell> ") == "unpause "
    assert shown == [["napping"]]
