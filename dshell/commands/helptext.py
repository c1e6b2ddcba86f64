"""Help text in docker's layout, produced from the command declarations."""

from __future__ import annotations

from dshell.commands.declare import Command, Flag, Registry

GROUP_ORDER = ("Common Commands", "Management Commands", "Swarm Commands", "Commands",
               "Shell Commands")  # fmt: skip


def flag_label(flag: Flag) -> str:
    names = f"-{flag.short}, --{flag.long}" if flag.short else f"    --{flag.long}"
    return f"{names} {flag.type}" if flag.takes_value else names


def _default_note(flag: Flag) -> str:
    if flag.type == "bool" or flag.default in (None, "", [], ()):
        return ""
    if isinstance(flag.default, (list, tuple)):
        return f" (default [{','.join(map(str, flag.default))}])"
    if isinstance(flag.default, str):
        return f' (default "{flag.default}")'
    return f" (default {flag.default})"


def options_block(flags: tuple[Flag, ...] | list[Flag]) -> str:
    visible = [f for f in flags if not f.hidden]
    if not visible:
        return ""
    width = max(len(flag_label(f)) for f in visible) + 3
    lines = ["Options:"]
    for flag in sorted(visible, key=lambda f: f.long):
        text_lines = (flag.help + _default_note(flag)).split("\n")
        lines.append(f"  {flag_label(flag).ljust(width)}{text_lines[0]}")
        lines.extend(f"  {' ' * width}{more}" for more in text_lines[1:])
    return "\n".join(lines) + "\n"


def command_help(cmd: Command) -> str:
    """``CMD --help``: usage, summary, aliases, subcommands, options."""
    parts = [f"Usage:  {cmd.usage_line()}\n", f"{cmd.summary}\n"]
    if cmd.aliases:
        names = ", ".join(" ".join(words) for words in cmd.invocations)
        parts.append(f"Aliases:\n  {names}\n")
    if cmd.is_group:
        subs = sorted((c for c in cmd.subcommands if not c.hidden), key=lambda c: c.words)
        width = max(len(c.words[-1]) for c in subs) + 3
        lines = ["Commands:"] + [f"  {c.words[-1].ljust(width)}{c.summary}" for c in subs]
        parts.append("\n".join(lines) + "\n")
        parts.append(f"Run '{cmd.name} COMMAND --help' for more information on a command.\n")
    options = options_block(cmd.flags)
    if options:
        parts.append(options)
    return "\n".join(parts)


def overview(registry: Registry) -> str:
    """``help``: every top-level word, grouped like ``docker --help``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for word, cmd in registry.top_level():
        group = cmd.group if cmd.words == (word,) or cmd.group == "Common Commands" else "Commands"
        groups.setdefault(group, []).append((word, cmd.summary))
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
