"""Key bindings added to prompt_toolkit's defaults (Ctrl-R search, Ctrl-C/Ctrl-D, history and
Emacs/Vi editing come with the PromptSession)."""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.buffer import Buffer
from prompt_toolkit.enums import DEFAULT_BUFFER, EditingMode
from prompt_toolkit.filters import emacs_insert_mode, vi_insert_mode
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent


def key_bindings(complete_now: Callable[[Buffer], bool] | None = None) -> KeyBindings:
    """dshell's keys; ``complete_now(buffer)`` answers TAB in place when it can (True)."""
    bindings = KeyBindings()

    if complete_now is not None:

        @bindings.add("tab", filter=vi_insert_mode | emacs_insert_mode)
        def _complete(event: KeyPressEvent) -> None:
            """prompt_toolkit's TAB (``menu-complete``), its first press done at once."""
            buffer = event.current_buffer
            state = buffer.complete_state
            if state is not None and state.completions:
                buffer.complete_next()
                return
            if state is not None and buffer.name == DEFAULT_BUFFER:
                buffer.complete_state = None  # an empty menu still waiting: ask again
            if buffer.name != DEFAULT_BUFFER or not complete_now(buffer):
                buffer.start_completion(insert_common_part=True)

    @bindings.add("f4")
    def _toggle_editing_mode(event: KeyPressEvent) -> None:
        """F4 switches between Emacs and Vi editing."""
        app = event.app
        app.editing_mode = (
            EditingMode.EMACS if app.editing_mode == EditingMode.VI else EditingMode.VI
        )

    return bindings
