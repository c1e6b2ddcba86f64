"""Interactive mode: the prompt, wired to the completer, cache, lexer, toolbar and history."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable

from prompt_toolkit import PromptSession
from prompt_toolkit.enums import EditingMode
from prompt_toolkit.history import History

from dshell.commands.base import SessionExit
from dshell.engine.endpoint import Endpoint
from dshell.lines import continues
from dshell.repl.autosuggest import IndexedHistory, IndexedSuggest
from dshell.repl.cache import SWARM, ResourceCache, Snapshot
from dshell.repl.completer import DockerCompleter, PromptCompleter, bound_menus
from dshell.repl.containerfs import ContainerPaths
from dshell.repl.history import history_path, open_history
from dshell.repl.keys import key_bindings
from dshell.repl.lexer import prompt_lexer
from dshell.repl.plugins import for_session
from dshell.repl.registry import DeferredRegistry
from dshell.repl.settings import Settings, load_settings
from dshell.repl.style import build_style
from dshell.repl.toolbar import toolbar_fragments, where
from dshell.session import DockerSession
from dshell.shell.evaluate import Shell
from dshell.shell.syntax import needs_more, open_quote

CONTINUATION_PROMPT = "> "


def prompt_label(session: DockerSession) -> str:
    return f"dshell {where(session.endpoint)}> "


def build_prompt(
    session: DockerSession,
    cache: ResourceCache,
    settings: Settings,
    history: History | None = None,
    **overrides,  # noqa: ANN003 - input/output for tests
) -> PromptSession:
    shell_state = getattr(session, "shell_state", None)  # None: a test's stand-in session
    registry = DeferredRegistry(lambda: session.registry)
    plugins = for_session(session) if hasattr(session, "config_directory") else None
    completer = DockerCompleter(
        registry, cache, fuzzy=settings.fuzzy,
        container_paths=ContainerPaths(session.endpoint), shell_state=shell_state,
        plugins=plugins,
    )  # fmt: skip
    prompt_completer = PromptCompleter(completer)
    style, style_warning = build_style(settings.theme)
    if style_warning:
        session.err(style_warning)
    prompt: PromptSession = PromptSession(
        history=history,
        completer=prompt_completer,
        complete_while_typing=False,
        auto_suggest=IndexedSuggest(),
        lexer=prompt_lexer(registry, shell_state, plugins.names if plugins else None),
        style=style,
        key_bindings=key_bindings(prompt_completer.complete_now),
        editing_mode=EditingMode.VI if settings.vi else EditingMode.EMACS,
        enable_history_search=False,
        **overrides,
    )
    bound_menus(prompt.layout)
    if not gc.get_freeze_count():
        # What the process has built so far (modules, declarations, this prompt) lives as long
        # as it does: kept out of the cyclic collector, a full collection that lands on a
        # keystroke walks the session's own objects only (half as many: ~15 ms less).
        gc.freeze()
    if settings.toolbar:
        prompt.bottom_toolbar = lambda: toolbar_fragments(
            session.endpoint, completer.cache.snapshot, prompt.app.editing_mode == EditingMode.VI
        )
    return prompt


def follow_endpoint(session: DockerSession, prompt: PromptSession) -> Callable[[Endpoint], None]:
    """After ``context use``: a fresh cache and container-path lister for the new Engine."""
    completer: DockerCompleter = prompt.completer.completer

    def switched(endpoint: Endpoint) -> None:
        old = completer.cache
        fresh = ResourceCache(endpoint, session.config_directory)
        fresh.on_change = old.on_change
        completer.cache = fresh.start()
        completer.container_paths = ContainerPaths(endpoint)
        old.close()

    return switched


def read_command(prompt: PromptSession, label: str) -> str:
    """One logical line: a trailing backslash, ``|``, ``&&`` or ``||``, or a quote or ``$(``
    still open asks for more, as bash's secondary prompt does (Ctrl-C abandons the line)."""
    text = prompt.prompt(label)
    while True:
        if continues(text):
            text = text[:-1] + prompt.prompt(CONTINUATION_PROMPT)
        elif needs_more(text) or open_quote(text) is not None:
            text = text + "\n" + prompt.prompt(CONTINUATION_PROMPT)
        else:
            return text


def refresh_on_change(prompt: PromptSession) -> Callable[[Snapshot], None]:
    """Called from the cache thread: redraw the toolbar, and refresh an open completion menu
    so that a new container appears without a key being pressed."""

    def changed(_snapshot: Snapshot) -> None:
        app = prompt.app
        loop = getattr(app, "loop", None)
        if not app.is_running or loop is None:
            return

        def in_loop() -> None:
            buffer = app.current_buffer
            state = buffer.complete_state
            if state is not None and state.complete_index is None:
                buffer.complete_state = None  # start_completion ignores an open menu
                buffer.start_completion(select_first=False)
            app.invalidate()

        loop.call_soon_threadsafe(in_loop)

    return changed


def run_interactive(session: DockerSession) -> int:
    """Read, dispatch, repeat. Ctrl-C clears the line; Ctrl-D or ``exit`` leaves."""
    settings, warning = load_settings()
    if warning:
        session.err(warning)
    # Started once the first prompt is on screen: its threads (the Engine's /_ping, /version,
    # the lists, /events, indexing them) would otherwise share the interpreter with the first
    # paint. The toolbar says "connecting…" meanwhile.
    cache = ResourceCache(session.endpoint, session.config_directory)
    stored, history_warning = open_history(history_path(), settings.history_size)
    if history_warning:
        session.err(history_warning)
    history = IndexedHistory(stored)
    prompt = build_prompt(session, cache, settings, history)
    cache.on_change = refresh_on_change(prompt)
    plugins = prompt.completer.completer.plugins
    if plugins is not None:  # plugins found (or gone): colours and an open menu follow
        redraw = cache.on_change
        plugins.catalog.listeners.append(lambda: redraw(cache.snapshot))
    session.endpoint_listeners.append(follow_endpoint(session, prompt))
    pager = None
    if settings.pager:
        from dshell.repl.pager import PagedOutput

        pager = PagedOutput(session)
    session.shell_state.aliases.update(settings.aliases)
    # What is loaded by now (modules, declarations, the prompt) lives as long as the process:
    # out of the collector's sight, a full collection is no longer a pause over all of it
    # while someone types.
    gc.freeze()
    try:
        return _loop(session, prompt, pager)
    finally:
        prompt.completer.completer.cache.close()


def start_after_paint(prompt: PromptSession) -> None:
    """Right after the next prompt is drawn, start the completer's cache and build the
    registry (no-ops once done)."""
    completer: DockerCompleter = prompt.completer.completer

    def after_paint() -> None:
        completer.cache.start()
        if isinstance(completer.registry, DeferredRegistry):
            completer.registry.load_soon()
        if completer.plugins is not None:
            completer.plugins.start()

    def schedule() -> None:
        asyncio.get_running_loop().call_soon(after_paint)

    prompt.app.pre_run_callables.append(schedule)


def _loop(session: DockerSession, prompt: PromptSession, pager) -> int:  # noqa: ANN001
    shell = Shell(session)
    while True:
        start_after_paint(prompt)
        try:
            text = read_command(prompt, prompt_label(session))
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        try:
            if pager is not None:
                with pager:
                    shell.run_line(text)
            else:
                shell.run_line(text)
        except SessionExit as request:
            return request.status
        except KeyboardInterrupt:
            shell.state.last_status = 130
            session.stdout.write("\n")
        finally:
            if "swarm" in text:  # init, join, leave: no event tells the cache; re-read /info
                prompt.completer.completer.cache.mark_dirty(SWARM)
