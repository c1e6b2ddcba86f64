"""docker's yes/no confirmation and the shape of every ``X prune`` report."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dshell.streams import Stream


def confirm(stdin: Stream, stdout: Stream, message: str) -> bool:
    """docker's ``prompt.Confirm``: ``message [y/N] `` on stdout, one line from stdin; only
    ``y``/``Y`` agree. End of input or Ctrl-C is a no."""
    stdout.write(f"{message} [y/N] ")
    stdout.flush()
    try:
        answer = stdin.handle.readline()
    except (KeyboardInterrupt, OSError, ValueError):
        return False
    return answer.strip().lower() == "y"


def deleted_list(title: str, names: list[str] | None) -> str:
    """``Deleted Networks:\\nname\\n`` (empty when nothing was deleted)."""
    if not names:
        return ""
    return f"{title}:\n" + "".join(f"{name}\n" for name in names)


def prune_filters(values: list[str], config_filters: list[str] | None = None) -> list[str]:
    """``--filter`` values plus config.json's ``pruneFilters`` (docker's ``PruneFilters``)."""
    merged = list(values)
    for item in config_filters or []:
        key = item.partition("=")[0]
        if key in ("label", "label!"):
            merged.append(item)
        elif not any(v.partition("=")[0] == key for v in values):
            merged.append(item)
    return merged
