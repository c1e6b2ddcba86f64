"""Help text in docker 28's layout (its cobra templates and pflag's FlagUsagesWrapped),
produced from the command declarations."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dshell.commands.declare import Command, Flag, Registry, ServerFeatures

if TYPE_CHECKING:
    from dshell.cliplugins import Plugin

GROUP_ORDER = ("Common Commands", "Management Commands", "Swarm Commands", "Commands",
               "Shell Commands", "Invalid Plugins")  # fmt: skip

#: pflag's names for value types in ``--flag TYPE`` (UnquoteUsage): Go's int64 shows as int…
_SHOWN_TYPES = {"int64": "int", "uint64": "uint", "float64": "float", "stringSlice": "strings"}


def help_width() -> int:
    """docker's wrapping width: the window of standard input minus one, 79 without one."""
    try:
        columns = os.get_terminal_size(0).columns
    except OSError:
        columns = 80
    return columns - 1


def flag_label(flag: Flag) -> str:
    names = f"-{flag.short}, --{flag.long}" if flag.short else f"    --{flag.long}"
    return f"{names} {_SHOWN_TYPES.get(flag.type, flag.type)}" if flag.takes_value else names


def go_quote(text: str) -> str:
    """Go's %q of a plain string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped.replace(chr(9), chr(92) + "t")}"'


def default_note(flag: Flag) -> str:
    """pflag's " (default X)": only when the default is not its type's zero value."""
    if flag.shown_default is not None:
        return f" (default {flag.shown_default})"
    default = flag.default
    if flag.type == "bool":
        return " (default true)" if default else ""
    if default is None or flag.repeatable:
        return ""
    if flag.type == "string":
        return f" (default {go_quote(default)})" if default != "" else ""
    if str(default) in ("0", ""):
        return ""
    return f" (default {default})"


def _wrap_n(width: int, slop: int, text: bytes) -> tuple[bytes, bytes]:
    """pflag's wrapN: split at the last blank before ``width`` (or a newline before it),
    going ``slop`` over when that takes the whole rest."""
    if width + slop > len(text):
        return text, b""
    head = text[:width]
    blank = max(head.rfind(b" "), head.rfind(b"\t"), head.rfind(b"\n"))
    if blank <= 0:
        return text, b""
    newline = head.rfind(b"\n")
    if 0 < newline < blank:
        return text[:newline], text[newline + 1:]
    return text[:blank], text[blank + 1:]


def _wrap(indent: int, width: int, text: bytes) -> bytes:
    """pflag's wrap: ``text`` wrapped to ``width`` columns, lines after the first indented
    by ``indent`` (a column too narrow starts the text on the next line at 16)."""
    if width == 0:
        return text.replace(b"\n", b"\n" + b" " * indent)
    room = width - indent
    result = b""
    if room < 24:
        indent = 16
        room = width - indent
        result += b"\n" + b" " * indent
    if room < 24:
        return text.replace(b"\n", result)
    slop = 5
    room -= slop
    line, text = _wrap_n(room, slop, text)
    result += line.replace(b"\n", b"\n" + b" " * indent)
    while text:
        line, text = _wrap_n(room, slop, text)
        result += b"\n" + b" " * indent + line.replace(b"\n", b"\n" + b" " * indent)
    return result


def flag_usages(flags: tuple[Flag, ...] | list[Flag], width: int,
                features: ServerFeatures | None = None) -> str:
    """pflag's FlagUsagesWrapped(width): visible flags sorted by name, descriptions aligned
    one column after the longest label and wrapped. ``features``: hide what the daemon
    lacks, as docker does."""
    features = features or ServerFeatures()
    visible = sorted((f for f in flags if not features.hides(f)), key=lambda f: f.long)
    if not visible:
        return ""
    labels = [f"  {flag_label(f)}".encode() for f in visible]
    maxlen = max(len(label) for label in labels) + 1
    lines = []
    for flag, label in zip(visible, labels, strict=True):
        usage = (flag.help + default_note(flag)).encode(errors="surrogateescape")
        spacing = b" " * (maxlen - len(label))
        lines.append(label + b" " + spacing + b" " + _wrap(maxlen + 2, width, usage) + b"\n")
    return b"".join(lines).decode(errors="surrogateescape")


def options_block(flags: tuple[Flag, ...] | list[Flag], width: int = 0) -> str:
    """``Options:`` and the flags (unwrapped by default), for dshell's own command line."""
    usages = flag_usages(flags, width)
    return f"Options:\n{usages}" if usages else ""


def group_members(registry: Registry, cmd: Command) -> list[tuple[str, Command]]:
    """The subcommands docker lists under a management command: every invocation
    ``GROUP NAME`` that docker names as itself (``image build``, not ``container list``)."""
    found = {}
    for words, member in registry.by_words.items():
        if len(words) == len(cmd.words) + 1 and words[:-1] == cmd.words and not member.hidden \
                and member.path(words) == words:
            found[words[-1]] = member
    return sorted(found.items())


def command_help(cmd: Command, invoked: tuple[str, ...] | list[str] | None = None,
                 registry: Registry | None = None, width: int | None = None,
                 features: ServerFeatures | None = None) -> str:
    """``CMD --help`` as docker 28 prints it for the command as ``invoked``, for a daemon
    with ``features``."""
    width = help_width() if width is None else width
    path = cmd.command_path(invoked)
    if cmd.is_group:
        options = " [OPTIONS]" if any(not f.hidden for f in cmd.flags) else ""
        usage = f"{path}{options} COMMAND"
    else:
        usage = cmd.use_line(invoked)
    text = f"Usage:  {usage}\n\n{(cmd.description or cmd.summary).strip()}"
    if cmd.aliases or cmd.shown_aliases:
        text += f"\n\nAliases:\n  {cmd.alias_line()}"
    flags = flag_usages(cmd.flags, width, features).rstrip()
    if flags:
        text += f"\n\nOptions:\n{flags}"
    if cmd.is_group:
        members = group_members(registry, cmd) if registry is not None else \
            [(c.words[-1], c) for c in cmd.subcommands if not c.hidden]
        if features is not None:
            members = [(name, member) for name, member in members if not features.hides(member)]
        if members:
            padding = max(11, *(len(name) for name, _ in members))
            # cobra's template: subcommands with subcommands of their own (``trust key``)
            # under "Management Commands:", the others under "Commands:".
            for title, listed in (("Management Commands", [m for m in members if m[1].is_group]),
                                  ("Commands", [m for m in members if not m[1].is_group])):
                if listed:
                    text += f"\n\n{title}:" + "".join(
                        f"\n  {name.ljust(padding)} {member.summary}" for name, member in listed)
        text += f"\n\nRun '{path} COMMAND --help' for more information on a command."
    return text + "\n"


def overview(registry: Registry, plugins: Iterable[Plugin] = ()) -> str:
    """``help``: every top-level word, grouped like ``docker --help``; CLI plugins as docker
    lists them (valid ones among the management commands, with a ``*`` after the name; the
    others under "Invalid Plugins:" with the reason)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for word, cmd in registry.top_level():
        group = cmd.group if cmd.words == (word,) or cmd.group == "Common Commands" else "Commands"
        groups.setdefault(group, []).append((word, cmd.summary))
    for plugin in plugins:
        entry = (f"{plugin.name}*", plugin.short_description) if plugin.valid else \
            (plugin.name, plugin.error)
        groups.setdefault("Management Commands" if plugin.valid else "Invalid Plugins",
                          []).append(entry)  # fmt: skip
    width = max(len(word) for entries in groups.values() for word, _ in entries) + 3
    parts = [
        "Usage:  COMMAND [OPTIONS] [ARG...]\n",
        "dshell: an interactive shell for Docker. Type docker commands without 'docker'.\n",
    ]
    for group in GROUP_ORDER:
        entries = groups.get(group)
        if entries:
            lines = [f"{group}:"] + [f"  {w.ljust(width)}{s}" for w, s in sorted(set(entries))]
            parts.append("\n".join(lines) + "\n")
    parts.append("Run 'COMMAND --help' or 'help COMMAND' for more information on a command.\n")
    return "\n".join(parts)
