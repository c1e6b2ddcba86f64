"""What is expected at the cursor, from the typed text and the command declarations alone.

This is the first half of completion (pgcli's ``suggest_type``): a pure function that names the
*kinds* of values that fit, never the values. The completer turns kinds into candidates from
the resource cache. Nothing here knows a command by name: every rule reads the declarations
(``Command.flags[].kind``, ``Command.args[].kind``, ``Command.interspersed``), so commands added
later complete without a change here.

A line is read as the shell will run it: ``shell.syntax.parse_partial`` parses the text before
the cursor with a marker appended where the cursor is, and the node holding the marker says
where the cursor stands — a dshell command (at the start of a line, after ``;``/``&&``/``||``
or inside ``$(``/backquotes), a host stage (after ``|``, or ``!…``), a redirection's target,
or a ``$``/``${`` variable name. The marker keeps an unfinished line (``ps | ``) parseable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass

from dshell.commands.declare import Command, Flag, Registry
from dshell.lines import strip_comment
from dshell.shell.syntax import (
    Assignment,
    HostCommand,
    Literal,
    Parameter,
    Redirect,
    Script,
    SimpleCommand,
    Substitution,
    Word,
    parse_partial,
)

#: The kinds this module emits besides the declarations' own (``container:running`` ...).
WORDS = "words"  # command words following ``Suggestion.words``
FLAGS = "flags"  # flag names of ``Suggestion.command``
CONTAINER_PATH = "container-path"  # a path inside ``Suggestion.container``
VARIABLE = "variable"  # a shell variable's name (after ``$``, ``${``; export/unset's NAME)
EXPORTED = "variable:exported"  # an exported one (``!…`` text reaches /bin/sh unexpanded)
HOST_COMMAND = "host-command"  # a program on $PATH: the first word of a host stage
PATH = "path"  # a local path
CONSTRAINT = "constraint"  # a placement constraint's key (``node.role==``, ``node.labels.``)
CONSTRAINT_VALUE = "constraint-value"  # ``constraint-value:<key>``: the value after ==/!=
PLUGIN_ARGS = "plugin-args"  # an argument of the CLI plugin ``Suggestion.words[0]``

#: Appended to the text at the cursor before parsing: made of name characters, so that after
#: ``$``, ``${``, an operator or inside a word it lands in the node the cursor is in.
CURSOR = "__dshell_cursor__"

#: Positional kinds that accept ``CONTAINER:PATH`` (``cp``) besides a local path.
CONTAINER_OR_LOCAL_PATH = frozenset({"path", "container-path", "container:path"})

#: Filter keys per resource (``filter:<what>``) and what kind completes each key's value;
#: None = free text. From docker's documentation of each ``--filter``.
FILTERS: dict[str, dict[str, str | None]] = {
    "container": {
        "ancestor": "image", "before": "container:all", "exited": None,
        "expose": None, "health": "choice:starting|healthy|unhealthy|none",
        "id": None, "is-task": "choice:true|false", "isolation": "choice:default|process|hyperv",
        "label": None, "name": "container:all", "network": "network", "publish": None,
        "since": "container:all",
        "status": "choice:created|restarting|running|removing|paused|exited|dead",
        "volume": "volume",
    },
    "image": {
        "before": "image", "dangling": "choice:true|false", "label": None,
        "reference": "image", "since": "image", "until": None,
    },
    "network": {
        "dangling": "choice:true|false", "driver": "choice:bridge|host|null|overlay|macvlan",
        "id": None, "label": None, "name": "network", "scope": "choice:local|swarm|global",
        "type": "choice:custom|builtin",
    },
    "volume": {
        "dangling": "choice:true|false", "driver": "choice:local", "label": None,
        "name": "volume",
    },
    "event": {
        "config": "config", "container": "container:all", "daemon": None, "event": None,
        "image": "image", "label": None, "network": "network", "node": "node",
        "scope": "choice:local|swarm", "secret": "secret", "service": "service", "type":
            "choice:container|image|volume|network|daemon|plugin|node|service|secret|config",
        "volume": "volume",
    },
    "search": {"is-automated": "choice:true|false", "is-official": "choice:true|false",
               "stars": None},
    "prune": {"label": None, "label!": None, "until": None},
    "image-prune": {"dangling": "choice:true|false", "label": None, "label!": None,
                    "until": None},
    "node": {"id": "node:id", "label": None, "node.label": None,
             "membership": "choice:accepted|pending", "name": "node:hostname",
             "role": "choice:manager|worker"},
    "service": {"id": None, "label": None, "mode": "choice:replicated|global",
                "name": "service"},
    "secret": {"id": None, "label": None, "name": "secret"},
    "config": {"id": None, "label": None, "name": "config"},
    "task": {"desired-state": "choice:running|shutdown|accepted", "id": "task", "name": None,
             "node": "node"},
    "plugin": {"capability": "choice:authz|ipamdriver|logdriver|metricscollector|"
                             "networkdriver|volumedriver",
               "enabled": "choice:true|false"},
}  # fmt: skip

#: ``--format`` fields per resource (``format:<what>``): the methods of docker's formatter
#: contexts (cli/command/formatter), which dshell's render contexts mirror.
FORMAT_FIELDS: dict[str, tuple[str, ...]] = {
    "container": ("ID", "Image", "Command", "CreatedAt", "RunningFor", "Ports", "State",
                  "Status", "Size", "Names", "Labels", "Mounts", "Networks", "LocalVolumes",
                  "Platform"),
    "image": ("ID", "Repository", "Tag", "Digest", "CreatedSince", "CreatedAt", "Size",
              "Containers", "VirtualSize", "SharedSize", "UniqueSize"),
    "network": ("ID", "Name", "Driver", "Scope", "IPv6", "Internal", "Labels", "CreatedAt"),
    "volume": ("Name", "Driver", "Scope", "Mountpoint", "Labels", "Links", "Size"),
    "context": ("Name", "Description", "DockerEndpoint", "Current", "Error"),
    "stats": ("Container", "Name", "ID", "CPUPerc", "MemUsage", "MemPerc", "NetIO", "BlockIO",
              "PIDs"),
    "history": ("ID", "CreatedSince", "CreatedAt", "CreatedBy", "Size", "Comment"),
    "version": ("Client", "Server"),
    "info": ("ID", "Containers", "Images", "ServerVersion", "Driver", "Name"),
    "df": ("Type", "TotalCount", "Active", "Size", "Reclaimable"),
    "event": ("Type", "Action", "Actor", "ID", "Status", "From", "Scope", "Time", "TimeNano"),
    "search": ("Name", "Description", "StarCount", "IsOfficial", "IsAutomated"),
    "node": ("ID", "Self", "Hostname", "Status", "Availability", "ManagerStatus",
             "EngineVersion", "TLSStatus"),
    "service": ("ID", "Name", "Mode", "Replicas", "Image", "Ports"),
    "task": ("ID", "Name", "Image", "Node", "DesiredState", "CurrentState", "Error", "Ports"),
    "secret": ("ID", "Name", "Driver", "CreatedAt", "UpdatedAt", "Labels"),
    "config": ("ID", "Name", "CreatedAt", "UpdatedAt", "Labels"),
    "stack": ("Name", "Services"),
    "plugin": ("ID", "Name", "Description", "Enabled", "PluginReference"),
}  # fmt: skip


@dataclass(frozen=True)
class Suggestion:
    """One kind of value that fits here. ``replace`` is the tail of the current word the
    candidates replace (the whole word unless the kind completes part of it)."""

    kind: str
    replace: str = ""
    command: Command | None = None
    exclude: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    container: str = ""
    #: Shell aliases complete here too (the first word of a command).
    aliases: bool = False
    #: Text each candidate ends with (``}`` after ``${NAME``).
    suffix: str = ""


@dataclass(frozen=True)
class Expected:
    """The word under the cursor (unquoted) and what may be typed there."""

    word: str
    suggestions: tuple[Suggestion, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(s.kind for s in self.suggestions)


def split_partial(text: str) -> tuple[list[str], str]:
    """Shell words of ``text``: the finished ones, and the word being typed ("" after a space).

    Unlike ``shlex`` it never fails: an open quote just continues to the end of the text.
    """
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        index += 1
        if quote:
            if char == quote:
                quote = ""
            elif char == "\\" and quote == '"' and index < len(text) and text[index] in '"\\$`':
                current.append(text[index])
                index += 1
            else:
                current.append(char)
        elif char in "'\"":
            quote, in_word = char, True
        elif char == "\\":
            in_word = True
            if index < len(text):
                current.append(text[index])
                index += 1
        elif char.isspace():
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        elif char == "#" and not in_word:
            return words, ""
        else:
            current.append(char)
            in_word = True
    return words, "".join(current)


def resolve_command(registry: Registry, words: list[str]) -> tuple[Command | None, int]:
    """The longest declared word sequence that starts ``words`` (aliases included)."""
    for size in range(min(len(words), 3), 0, -1):
        found = registry.by_words.get(tuple(w.lower() for w in words[:size]))
        if found is not None:
            return found, size
    return None, 0


def suggest(
    text: str,
    registry: Registry,
    top: Command | None = None,
    aliases: Mapping[str, str] | None = None,
    plugins: Container[str] = (),
) -> Expected:
    """What may be typed at the end of ``text`` (the line before the cursor).

    ``aliases`` are the shell's: expanded as the shell expands them before a command is
    looked up. ``plugins``: the CLI plugins' names (their arguments are the plugin's to
    offer)." ``top`` replaces the registry's word lookup with a single command whose flags
    and positionals apply from the first word (the ``dshell`` command line itself, which is
    not shell language).
    """
    if top is not None:
        if strip_comment(text) != text:
            return Expected("", ())
        words, current = split_partial(text)
        return Expected(current, _after_command(top, words, current))
    marked = text + CURSOR
    parsed = parse_partial(marked, aliases or {})
    if parsed.error is not None:
        return _NOTHING
    return _Locator(registry, marked, plugins).in_script(parsed.script, host=False)


_NOTHING = Expected("", ())


class _Locator:
    """Follows the last node of a parse down to the one holding the cursor marker."""

    def __init__(self, registry: Registry, marked: str, plugins: Container[str] = ()) -> None:
        self.registry = registry
        self.marked = marked
        self.plugins = plugins
        #: Inside ``!…``: the system shell expands that text, with exported variables only.
        self.escaped = False

    def in_script(self, script: Script, host: bool) -> Expected:
        if not script.items:
            return _NOTHING
        pipeline = script.items[-1].pipelines[-1]
        stage = len(pipeline.commands) - 1
        return self.in_command(pipeline.commands[-1], host or stage > 0)

    def in_command(self, command: SimpleCommand | HostCommand, host: bool) -> Expected:
        if isinstance(command, HostCommand):
            if not command.text.endswith(CURSOR):
                return _NOTHING  # a comment or a closed quote holds the cursor, not this
            inner = parse_partial(command.text)
            if inner.error is not None:
                return _NOTHING
            self.escaped = True
            return self.in_script(inner.script, host=True)
        nodes: list[Word | Assignment | Redirect] = [
            *command.assignments, *command.words, *command.redirects]
        if not nodes:
            return _NOTHING
        last = max(nodes, key=lambda node: node.end)
        if isinstance(last, Redirect):
            if last.target is None:
                return _NOTHING
            kind = None if last.op in (">&", "<&") else PATH
            return self.in_word(last.target, lambda current: _plain(kind, current))
        if isinstance(last, Assignment):
            return self.in_word(last.value, lambda current: _plain(PATH, current))
        index = next(i for i, word in enumerate(command.words) if word is last)
        before = [_text(word) for word in command.words[:index]]
        if host:
            return self.in_word(last, lambda current: _host_word(index, current))
        return self.in_word(last, lambda current: _command_word(self.registry, before,
                                                                self.plugins,
                                                                current))  # fmt: skip

    def in_word(self, word: Word, expected_here: Callable[[str], Expected]) -> Expected:
        """The cursor is in ``word``: in a variable name or substitution it ends with, or in
        its text (then ``expected_here(unquoted text before the cursor)`` says what fits)."""
        if word.parts:
            part = word.parts[-1]
            if isinstance(part, Substitution):
                return self.in_script(part.body, host=False) if not part.closed else _NOTHING
            if isinstance(part, Parameter):
                if part.argument is not None:
                    return self.in_word(part.argument, lambda current: _NOTHING)
                if not part.name.endswith(CURSOR):
                    return _NOTHING
                typed = part.name[: -len(CURSOR)]
                # Spans count in the parser's text, which an alias may have lengthened
                # before this part; the part ends that text, so its source ends ours.
                source = self.marked[len(self.marked) - (part.end - part.start) :]
                braced = source.startswith("${")
                kind = EXPORTED if self.escaped else VARIABLE
                return Expected(typed, (Suggestion(kind, replace=typed,
                                                   suffix="}" if braced else ""),))  # fmt: skip
        typed = _text(word)
        if not typed.endswith(CURSOR):
            return _NOTHING
        return expected_here(typed[: -len(CURSOR)])


def _text(word: Word) -> str:
    """A word as the shell sees it before expansion: quotes removed, expansions as typed."""
    pieces = []
    for part in word.parts:
        if isinstance(part, Literal):
            pieces.append(part.text)
        elif isinstance(part, Parameter):
            pieces.append(f"${{{part.name}}}" if part.op else f"${part.name}")
        else:
            pieces.append("$(…)")
    return "".join(pieces)


def _plain(kind: str | None, current: str) -> Expected:
    return Expected(current, (Suggestion(kind, replace=current),) if kind else ())


def _host_word(index: int, current: str) -> Expected:
    """A host stage: a program first (or a path, once it has a slash), then paths."""
    if index == 0 and "/" not in current:
        return _plain(HOST_COMMAND, current)
    return _plain(PATH, current)


def _command_word(registry: Registry, words: list[str], plugins: Container[str],
                  current: str) -> Expected:  # fmt: skip
    """A dshell command whose finished words are ``words``."""
    if not words:
        return Expected(current, (Suggestion(WORDS, aliases=True),))
    command, used = resolve_command(registry, words)
    if command is None:
        if words[0] in plugins:  # a CLI plugin: the completer asks it
            return Expected(current, (Suggestion(PLUGIN_ARGS, replace=current,
                                                 words=tuple(words)),))  # fmt: skip
        return Expected(current, ())
    rest = words[used:]
    if command.is_group and not rest and not current.startswith("-"):
        return Expected(current, (Suggestion(WORDS, words=tuple(words[:used])),))
    return Expected(current, _after_command(command, rest, current))


@dataclass
class _Scan:
    """What the finished words after the command name set up."""

    given: set[str]
    positionals: list[str]
    pending: Flag | None = None
    flags_ended: bool = False
    rest_is_foreign: bool = False


def _scan(command: Command, words: list[str]) -> _Scan:
    state = _Scan(given=set(), positionals=[], flags_ended=command.raw_args)
    for word in words:
        if state.pending is not None:
            state.pending = None
        elif state.flags_ended or word == "-" or not word.startswith("-"):
            if word == "--" and not state.flags_ended:
                state.flags_ended = True
                continue
            state.positionals.append(word)
            if not command.interspersed:
                state.flags_ended = True
                state.rest_is_foreign = True
        elif word == "--":
            state.flags_ended = True
        elif word.startswith("--"):
            name, has_value, _ = word[2:].partition("=")
            flag = command.find_flag(f"--{name}")
            if flag is not None:
                state.given.add(flag.long)
                if flag.takes_value and not has_value:
                    state.pending = flag
        else:
            state.pending = _stacked_shorts(command, word[1:], state.given)
    return state


def _stacked_shorts(command: Command, letters: str, given: set[str]) -> Flag | None:
    """Record ``-it`` as ``-i -t``; return the flag still waiting for its value, if any."""
    for position, letter in enumerate(letters):
        flag = command.find_flag(f"-{letter}")
        if flag is None:
            return None
        given.add(flag.long)
        if flag.takes_value:
            return None if letters[position + 1 :] else flag
        if letters[position + 1 :].startswith("="):
            return None
    return None


def _after_command(command: Command, words: list[str], current: str) -> tuple[Suggestion, ...]:
    state = _scan(command, words)
    if state.pending is not None:
        return _value(state.pending.kind, current, command, state)
    if state.rest_is_foreign:
        return ()
    if current.startswith("-") and not state.flags_ended:
        if current.startswith("--") and "=" in current:
            flag = command.find_flag(current.split("=", 1)[0])
            if flag is None or not flag.takes_value:
                return ()
            return _value(flag.kind, current.split("=", 1)[1], command, state)
        return (_flags(command, state),)
    if command.is_group:
        return ()
    kind = _positional_kind(command, len(state.positionals))
    if kind is None:
        return () if current or state.flags_ended else (_flags(command, state),)
    if kind == "command":
        return (Suggestion(WORDS, words=tuple(state.positionals)),)
    if kind in CONTAINER_OR_LOCAL_PATH:
        found = re.match(r"([A-Za-z0-9][\w.-]*):(.*)\Z", current)
        if found:
            return (Suggestion(CONTAINER_PATH, replace=found.group(2),
                               container=found.group(1)),)  # fmt: skip
        if kind != "path":
            return (Suggestion("container:all", replace=current, command=command),
                    Suggestion("path", replace=current))  # fmt: skip
    return _value(kind, current, command, state)


def _flags(command: Command, state: _Scan) -> Suggestion:
    taken = frozenset(
        flag.long for flag in command.flags if flag.long in state.given and not flag.repeatable
    )
    return Suggestion(FLAGS, command=command, exclude=taken)


def _positional_kind(command: Command, index: int) -> str | None:
    if index < len(command.args):
        return command.args[index].kind
    if command.args and command.args[-1].many:
        return command.args[-1].kind
    return None


def _value(
    kind: str | None, current: str, command: Command, state: _Scan
) -> tuple[Suggestion, ...]:
    if not kind:
        return ()
    if kind.startswith("container:") and "force" in state.given and kind != "container:all":
        kind = "container:all"  # docker's rm completion: any state once --force is given
    if kind.startswith("filter:"):
        key, has_value, value = current.partition("=")
        if not has_value:
            return (Suggestion(kind, replace=current),)
        value_kind = FILTERS.get(kind[len("filter:"):], {}).get(key)
        return _value(value_kind, value, command, state) if value_kind else ()
    if kind == CONSTRAINT:
        found = re.match(r"(.*?)(==|!=)(.*)\Z", current, re.S)
        if not found:
            return (Suggestion(kind, replace=current),)
        key = found.group(1).strip()
        return (Suggestion(f"{CONSTRAINT_VALUE}:{key}", replace=found.group(3)),)
    if kind == "format" or kind.startswith("format:"):
        start = current.rfind("{{")
        return (Suggestion(kind, replace=current[start:] if start >= 0 else current),)
    return (Suggestion(kind, replace=current, command=command),)
