"""Key bindings added to prompt_toolkit's defaults (Ctrl-R search, Ctrl-C/Ctrl-D, history and
Emacs/Vi editing come with the PromptSession)."""

from __future__ import annotations

from prompt_toolkit.enums import EditingMode
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent


def key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("f4")
    def _toggle_editing_mode(event: KeyPressEvent) -> None:
        """F4 switches between Emacs and Vi editing."""
        app = event.app
        app.editing_mode = (
            EditingMode.EMACS if app.editing_mode == EditingMode.VI else EditingMode.VI
        )

    return bindings

