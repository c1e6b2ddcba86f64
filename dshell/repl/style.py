"""Colours: a Pygments style chosen in the settings, plus dshell's toolbar and error colours."""

from __future__ import annotations

from prompt_toolkit.styles import Style, merge_styles, style_from_pygments_cls

DSHELL_STYLE = {
    "pygments.error": "#ff0000 bold",
    "pygments.keyword": "#5f87ff bold",
    "pygments.name.function": "#00afaf",
    "pygments.name.attribute": "#d7875f",
    "pygments.literal.string": "#87af5f",
    "pygments.comment": "#808080 italic",
    "pygments.name.variable": "#d7af00",
    "pygments.literal.string.interpol": "#af87ff bold",
    "pygments.operator": "#ffaf5f bold",
    "pygments.name.builtin": "#87afd7",
    "bottom-toolbar": "bg:#303030 #d0d0d0 noreverse",
    "bottom-toolbar.muted": "bg:#303030 #8a8a8a noreverse",
    "bottom-toolbar.ok": "bg:#303030 #87d787 noreverse",
    "bottom-toolbar.error": "bg:#303030 #ff5f5f noreverse",
    "completion-menu.completion": "bg:#3a3a3a #e4e4e4",
    "completion-menu.completion.current": "bg:#5f87af #ffffff",
    "completion-menu.meta.completion": "bg:#444444 #bcbcbc",
    "completion-menu.meta.completion.current": "bg:#5f87af #ffffff",
}


def build_style(theme: str) -> tuple[Style, str | None]:
    """The merged style, and a warning when the theme is unknown (the default is used)."""
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    warning = None
    try:
        pygments_style = get_style_by_name(theme)
    except ClassNotFound:
        warning = f"WARNING: unknown theme {theme!r}; using \"default\""
        pygments_style = get_style_by_name("default")
    return merge_styles([style_from_pygments_cls(pygments_style), Style.from_dict(DSHELL_STYLE)]
                        ), warning  # fmt: skip
