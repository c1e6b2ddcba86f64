"""The one declaration of a command: words, aliases, flags, positionals and help.

Parsing, ``help``, completion, highlighting and the shell completion scripts all read these
objects; nothing else keeps a list of command names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dshell.records import dataclass, field

#: Flag value types, as pflag names them in docker's help (``--format string``).
REPEATABLE_TYPES = frozenset(
    {"list", "filter", "stringArray", "stringSlice", "ulimit", "mount", "map",
     "stringToString", "ipNetSlice", "external-ca"}
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


#: The value check (commands/flag_checks) a flag type implies when its declaration names none:
#: pflag's value types for these refuse a bad value as the flag is parsed.
TYPE_CHECKS = {
    "bytes": "bytes",
    "decimal": "cpus",
    "duration": "duration",
    "ulimit": "ulimit",
    "mount": "mount",
    "port": "port",
}


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
    #: What docker's help shows in "(default …)" when its value type prints something the
    #: declared default does not give: ``[]`` for a ListOpts-like type, ``map[]``, ``0s``.
    shown_default: str | None = None
    #: docker's flag annotations: the API version it needs ("version"), the daemon OS it is
    #: for ("ostype"), experimental daemons only ("experimental"). Help hides such a flag
    #: and using it is refused when the daemon lacks the feature (ServerFeatures).
    min_api: str | None = None
    os_type: str | None = None
    experimental: bool = False
    #: docker's "swarm" annotation: "manager" (hidden unless the daemon is a manager).
    swarm: str | None = None
    #: The value check pflag's value type makes as the flag is parsed (commands/flag_checks);
    #: when None, the type's own (``bytes``, ``duration``…), if it has one; "" for none.
    check: str | None = None

    @property
    def value_check(self) -> str | None:
        if self.check is not None:
            return self.check or None
        return TYPE_CHECKS.get(self.type)

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


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


@dataclass(frozen=True)
class ServerFeatures:
    """What docker's hideUnsupportedFeatures and areFlagsSupported look at: the negotiated
    API version, the daemon's OS type and experimental setting. The defaults are docker's
    when the daemon cannot be reached (its newest API version, OS unknown, experimental)."""

    api_version: str = "1.50"
    os_type: str = ""
    experimental: bool = True
    #: The ping's ``Swarm`` header ("inactive", "active/manager"…); None when not sent.
    swarm: str | None = None

    def hides(self, flag: Flag | Command) -> bool:
        """Whether ``--help`` leaves the flag (or a group's subcommand) out."""
        return flag.hidden or (flag.experimental and not self.experimental) \
            or (flag.os_type is not None and self.os_type and flag.os_type != self.os_type) \
            or self._lacks_swarm(flag.swarm) \
            or (flag.min_api is not None
                and _version_key(self.api_version) < _version_key(flag.min_api))

    def _lacks_swarm(self, needed: str | None) -> bool:
        """docker's notSwarmStatus: only a daemon that says its swarm state hides anything."""
        if needed is None or self.swarm is None:
            return False
        if needed == "manager":
            return not self.swarm.endswith("/manager")
        return needed == "active" and self.swarm == "inactive"

    def command_refusal(self, cmd: Command, path: str) -> str | None:
        """docker's areSubcommandsSupported: ``path`` (``docker checkpoint ls``) refused for
        a daemon that lacks what the command is annotated with."""
        if cmd.min_api is not None and \
                _version_key(self.api_version) < _version_key(cmd.min_api):
            return (f"{path} requires API version {cmd.min_api}, but the Docker daemon API "
                    f"version is {self.api_version}")
        if cmd.os_type is not None and self.os_type and cmd.os_type != self.os_type:
            return (f"{path} is only supported on a Docker daemon running on {cmd.os_type}, "
                    f"but the Docker daemon is running on {self.os_type}")
        if cmd.experimental and not self.experimental:
            return f"{path} is only supported on a Docker daemon with experimental features enabled"
        return None

    def refusal(self, flag: Flag) -> str | None:
        """docker's error for using the flag against this daemon, if it refuses it."""
        if flag.min_api is not None and \
                _version_key(self.api_version) < _version_key(flag.min_api):
            return (f'"--{flag.long}" requires API version {flag.min_api}, but the Docker '
                    f"daemon API version is {self.api_version}")
        if flag.os_type is not None and self.os_type and flag.os_type != self.os_type:
            return (f'"--{flag.long}" is only supported on a Docker daemon running on '
                    f"{flag.os_type}, but the Docker daemon is running on {self.os_type}")
        if flag.experimental and not self.experimental:
            return (f'"--{flag.long}" is only supported on a Docker daemon with experimental '
                    "features enabled")
        return None


def annotated(item: Flag | Command) -> bool:
    """Whether docker would ask the daemon before showing or running it."""
    return bool(item.min_api or item.os_type or item.experimental or item.swarm)


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
    #: docker's longer description for ``--help`` (its cobra ``Long``), when not the summary.
    description: str | None = None
    #: Names docker also gives the command that dshell reaches another way (``export`` is
    #: the shell's, which hands containers on): shown in help's ``Aliases:`` only.
    shown_aliases: tuple[tuple[str, ...], ...] = ()
    #: A session method run before the arguments are parsed (docker's processBuilder for
    #: ``build``); a status it returns ends the command.
    preamble: str | None = None
    #: docker's Args validator when the arity alone does not give it: "RequiresMinArgs(1)",
    #: "cobra.ExactArgs(1)" (cobra's own words), "ArbitraryArgs".
    args_rule: str | None = None
    #: docker's command annotations, as Flag's: API version, OS type, experimental, swarm.
    #: Help leaves the command out of its group's listing; running it is refused.
    min_api: str | None = None
    os_type: str | None = None
    experimental: bool = False
    swarm: str | None = None
    #: The words typed for this use of the command (set by ``parse_args``), for messages.
    invoked: tuple[str, ...] | None = field(default=None, compare=False)
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

    @property
    def is_docker(self) -> bool:
        """A docker command (shown as ``docker …`` in usage); not one of the shell's own."""
        return self.group != "Shell Commands"

    def use_args(self) -> str:
        """What follows the name in the usage line: ``[OPTIONS] IMAGE [COMMAND] [ARG...]``."""
        if self.usage is not None:
            return self.usage
        parts = []
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

    def usage_line(self) -> str:
        return f"{self.name} {self.use_args()}".rstrip()

    def path(self, invoked: tuple[str, ...] | list[str] | None = None) -> tuple[str, ...]:
        """The words docker names this command by when ``invoked`` was typed: a top-level
        shortcut (``ps``, ``rmi``) and ``image build`` are commands of their own in docker,
        a two-word alias of a two-word command (``container list``) is the command itself."""
        invoked = invoked or self.invoked
        if not invoked:
            return self.words
        invoked = tuple(word.lower() for word in invoked)
        if len(invoked) == 2 and len(self.words) == 2 and invoked[0] == self.words[0]:
            return self.words
        return invoked

    def command_path(self, invoked: tuple[str, ...] | list[str] | None = None) -> str:
        """cobra's CommandPath: ``docker container ls`` (shell commands: their own name)."""
        words = " ".join(self.path(invoked))
        return f"docker {words}" if self.is_docker else words

    def use_line(self, invoked: tuple[str, ...] | list[str] | None = None) -> str:
        """cobra's UseLine, as usage errors print it (a group: its path alone)."""
        rest = (self.usage or "") if self.is_group else self.use_args()
        # Not stripped: docker keeps a Use's trailing space ("trust signer add … ").
        return f"{self.command_path(invoked)} {rest}" if rest else self.command_path(invoked)

    def alias_line(self) -> str:
        """docker's ``Aliases:`` line: its own name for the command first (the first
        invocation under a management command), then the others in declared order."""
        invocations = list(self.invocations)
        for words in invocations:
            if len(words) == 2:
                invocations.remove(words)
                invocations.insert(0, words)
                break
        invocations += self.shown_aliases
        prefix = "docker " if self.is_docker else ""
        return ", ".join(prefix + " ".join(words) for words in invocations)

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
    description: str | None = None,
    shown_aliases: tuple[str, ...] | list[str] = (),
    preamble: str | None = None,
    args_rule: str | None = None,
    min_api: str | None = None,
    os_type: str | None = None,
    experimental: bool = False,
    swarm: str | None = None,
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
            description=description,
            shown_aliases=tuple(tuple(alias.split()) for alias in shown_aliases),
            preamble=preamble,
            args_rule=args_rule,
            min_api=min_api,
            os_type=os_type,
            experimental=experimental,
            swarm=swarm,
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
        """The command the leading words name, and how many words it used (three, then two,
        then one: ``trust key generate``, ``container ls``, ``ps``)."""
        for size in (3, 2, 1):
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
