"""The one declaration of a command: words, aliases, flags, positionals and help.

Parsing, ``help``, completion, highlighting and the shell completion scripts all read these
objects; nothing else keeps a list of command names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Flag value types, as pflag names them in docker's help (``--format string``).
REPEATABLE_TYPES = frozenset(
    {"list", "filter", "stringArray", "stringSlice", "ulimit", "mount", "map",
     "stringToString"}
)
VALUE_TYPES = frozenset({"string", "int", "uint", "duration", "bytes", "float"}) | REPEATABLE_TYPES

FORMAT_HELP = (
    "Format output using a custom template:\n"
    "'table':            Print output in table format with column headers (default)\n"
    "'table TEMPLATE':   Print output in table format using the given Go template\n"
    "'json':             Print in JSON format\n"
    "'TEMPLATE':         Print output using the given Go template.\n"
    "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
    "output with templates"
)
FORMAT_HELP_NO_TABLE = (
    "Format output using a custom template:\n"
    "'json':             Print in JSON format\n"
    "'TEMPLATE':         Print output using the given Go template.\n"
    "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
    "output with templates"
)


@dataclass(frozen=True)
class Flag:
    """One option. ``type`` is pflag's ("bool", "string", "int", "list", "filter", ...);
    ``kind`` says what values complete (``container:running``, ``choice:a|b``, ``path`` ...)."""

    long: str
    help: str
    short: str | None = None
    type: str = "bool"
    kind: str | None = None
    default: Any = None
    hidden: bool = False

    @property
    def dest(self) -> str:
        return self.long.replace("-", "_")

    @property
    def takes_value(self) -> bool:
        return self.type != "bool"

    @property
    def repeatable(self) -> bool:
        return self.type in REPEATABLE_TYPES

    @property
    def spellings(self) -> tuple[str, ...]:
        return (f"-{self.short}", f"--{self.long}") if self.short else (f"--{self.long}",)

    def initial(self) -> Any:
        if self.repeatable:
            return list(self.default or [])
        if self.type == "bool":
            return bool(self.default)
        return self.default


# ``inspect``-style commands' ``-f``: a template for each object, never a table.
INSPECT_FORMAT_FLAG = Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string",
                           kind="format")  # fmt: skip


@dataclass(frozen=True)
class Arg:
    """A positional argument: its metavar in usage, the kind of value it completes to."""

    name: str
    kind: str | None = None
    many: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Command:
    """A declared command. ``words`` is its canonical name, e.g. ("container", "ls")."""

    words: tuple[str, ...]
    summary: str
    method: str
    flags: tuple[Flag, ...] = ()
    args: tuple[Arg, ...] = ()
    aliases: tuple[tuple[str, ...], ...] = ()
    group: str = "Commands"
    interspersed: bool = True
    usage: str | None = None
    rest_kind: str | None = None
    hidden: bool = False
    #: Every word after the name is an argument, as typed (``echo -n``): no flags, no --help.
    raw_args: bool = False
    subcommands: list[Command] = field(default_factory=list, compare=False, hash=False)

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def invocations(self) -> tuple[tuple[str, ...], ...]:
        """Every word sequence that runs this command: the name first, then the aliases."""
        return (self.words, *self.aliases)

    @property
    def is_group(self) -> bool:
        """A management command (``container``, ``image``): its words name subcommands."""
        return bool(self.subcommands)

    @property
    def min_args(self) -> int:
        return sum(1 for arg in self.args if not arg.optional)

    @property
    def max_args(self) -> int | None:
        if any(arg.many for arg in self.args) or self.rest_kind:
            return None
        return len(self.args)

    def usage_line(self) -> str:
        if self.usage is not None:
            return f"{self.name} {self.usage}".rstrip()
        parts = [self.name]
        if self.is_group:
            parts.append("COMMAND")
        elif any(not f.hidden for f in self.flags):
            parts.append("[OPTIONS]")
        for arg in self.args:
            if arg.optional:
                parts.append(f"[{arg.name}...]" if arg.many else f"[{arg.name}]")
            else:
                parts.append(f"{arg.name} [{arg.name}...]" if arg.many else arg.name)
        return " ".join(parts)

    def find_flag(self, spelling: str) -> Flag | None:
        """The flag for ``--name`` or ``-x`` (no value attached)."""
        for flag in self.flags:
            if spelling in flag.spellings:
                return flag
        return None


def command(
    summary: str,
    *,
    name: str | None = None,
    flags: tuple[Flag, ...] | list[Flag] = (),
    args: tuple[Arg, ...] | list[Arg] = (),
    aliases: tuple[str, ...] | list[str] = (),
    group: str = "Commands",
    interspersed: bool = True,
    usage: str | None = None,
    rest_kind: str | None = None,
    hidden: bool = False,
    raw_args: bool = False,
) -> Callable[[Callable], Callable]:
    """Declare a ``cmd_*`` method. Its words come from the method name (``cmd_container_ls``)
    unless ``name`` is given (needed for words with dashes: ``swarm join-token``)."""

    def wrap(func: Callable) -> Callable:
        method = func.__name__
        if not method.startswith("cmd_"):
            raise ValueError(f"{method}: command methods are named cmd_*")
        words = tuple(name.split()) if name else tuple(method[4:].split("_"))
        func.__command__ = Command(
            words=words,
            summary=summary,
            method=method,
            flags=tuple(flags),
            args=tuple(args),
            aliases=tuple(tuple(alias.split()) for alias in aliases),
            group=group,
            interspersed=interspersed,
            usage=usage,
            rest_kind=rest_kind,
            hidden=hidden,
            raw_args=raw_args,
        )
        return func

    return wrap


def method_name(words: tuple[str, ...] | list[str]) -> str:
    """``("container", "ls")`` → ``cmd_container_ls`` (dashes become underscores)."""
    return "cmd_" + "_".join(word.lower().replace("-", "_") for word in words)


class Registry:
    """Every declared command of a session class, and the word sequences that reach them."""

    def __init__(self, commands: list[Command]) -> None:
        self.commands = sorted(commands, key=lambda c: c.words)
        self.by_words: dict[tuple[str, ...], Command] = {}
        for cmd in self.commands:
            for words in cmd.invocations:
                self.by_words[words] = cmd
        for cmd in self.commands:
            cmd.subcommands.clear()
        for cmd in self.commands:
            if len(cmd.words) > 1 and cmd.words[:-1] in self.by_words:
                self.by_words[cmd.words[:-1]].subcommands.append(cmd)

    def lookup(self, words: list[str]) -> tuple[Command | None, int]:
        """The command the leading words name, and how many words it used (two before one)."""
        for size in (2, 1):
            if len(words) >= size:
                cmd = self.by_words.get(tuple(w.lower() for w in words[:size]))
                if cmd is not None:
                    return cmd, size
        return None, 0

    def top_level(self) -> list[tuple[str, Command]]:
        """Single-word names (commands and aliases) with the command they run."""
        return sorted(
            (words[0], cmd)
            for cmd in self.commands
            for words in cmd.invocations
            if len(words) == 1 and not cmd.hidden
        )


def collect(cls: type) -> list[Command]:
    """The declarations on a class's ``cmd_*`` methods."""
    found = []
    for attr in dir(cls):
        if attr.startswith("cmd_"):
            declared = getattr(getattr(cls, attr), "__command__", None)
            if declared is not None and declared.method == attr:
                found.append(declared)
    return found
