"""Candidates for each kind of value: the second half of completion (pgcli's completer).

Every function takes what it needs (a cache snapshot, a command) and returns ``Candidate``
tuples; none touches the daemon. The prompt_toolkit side lives in ``completer.py``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from dshell.commands.declare import Command, Registry
from dshell.repl.cache import Snapshot
from dshell.repl.suggest import FILTERS, FORMAT_FIELDS, Suggestion
from dshell.shellstate import ShellState

#: Container states each ``container:<state>`` kind offers, as docker's completion filters
#: them (cli/command/completion: start → exited/created, unpause → paused ...).
CONTAINER_STATES: dict[str, frozenset[str] | None] = {
    "all": None,
    "running": frozenset({"running"}),
    "stopped": frozenset({"exited", "created", "dead"}),
    "paused": frozenset({"paused"}),
    "created": frozenset({"created"}),
    "exited": frozenset({"exited"}),
}
HOST_FORMS = (("unix://", "local socket, e.g. unix:///var/run/docker.sock"),
              ("tcp://", "TCP, e.g. tcp://127.0.0.1:2375"),
              ("ssh://", "SSH, e.g. ssh://user@host"),
              ("fd://", "socket-activated file descriptor"))  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    text: str
    meta: str = ""
    display: str = ""


def command_words(
    registry: Registry, before: tuple[str, ...], aliases: Mapping[str, str] | None = None
) -> list[Candidate]:
    """The words that may follow ``before`` (top level when empty), with summaries; the
    shell's ``aliases`` too when given (an alias is expanded first, so it wins a tie)."""
    size = len(before) + 1
    prefix = tuple(w.lower() for w in before)
    seen: dict[str, Candidate] = {}
    for name, value in (aliases or {}).items():
        seen[name] = Candidate(name, f"alias for {value}")
    for words, cmd in registry.by_words.items():
        if len(words) == size and words[:-1] == prefix and not cmd.hidden:
            seen.setdefault(words[-1], Candidate(words[-1], cmd.summary))
    return sorted(seen.values(), key=lambda c: c.text)


def alias_names(aliases: Mapping[str, str]) -> list[Candidate]:
    return [Candidate(name, aliases[name]) for name in sorted(aliases)]


def variables(state: ShellState | None, suffix: str = "") -> list[Candidate]:
    """The shell's variables (unexported ones, then the environment's), as ``$`` expands
    them; ``suffix`` closes a ``${``. No values: they may be secrets."""
    local = state.local if state is not None else {}
    names = {name: "shell variable" for name in local}
    for name in os.environ:
        names.setdefault(name, "environment")
    return [Candidate(name + suffix, meta, display=name if suffix else "")
            for name, meta in sorted(names.items())]  # fmt: skip


def host_commands(search_path: str) -> list[Candidate]:
    """The programs a host stage can run: executable files in the ``$PATH`` directories
    (the first directory holding a name wins, as in the shell's lookup)."""
    found: dict[str, Candidate] = {}
    for directory in search_path.split(os.pathsep):
        try:
            entries = list(os.scandir(directory or "."))
        except OSError:
            continue
        for entry in entries:
            if entry.name in found:
                continue
            try:
                runnable = entry.is_file() and os.access(entry.path, os.X_OK)
            except OSError:
                runnable = False
            if runnable:
                found[entry.name] = Candidate(entry.name, directory or ".")
    return sorted(found.values(), key=lambda c: c.text)


def flag_names(command: Command, exclude: frozenset[str], word: str) -> list[Candidate]:
    """Flags not yet given (unless repeatable); short spellings only once ``-`` is typed."""
    found = []
    for flag in sorted(command.flags, key=lambda f: f.long):
        if flag.hidden or flag.long in exclude:
            continue
        meta = flag.help.split("\n", 1)[0]
        found.append(Candidate(f"--{flag.long}", meta))
        if flag.short and word.startswith("-") and not word.startswith("--"):
            found.append(Candidate(f"-{flag.short}", meta))
    return found


def containers(snapshot: Snapshot, state: str) -> list[Candidate]:
    """Containers in the states the kind names; ``running|paused`` is the union of both."""
    wanted = [CONTAINER_STATES.get(name, frozenset()) for name in state.split("|")]
    states = None if None in wanted else frozenset().union(*wanted)
    found = []
    for ctr in snapshot.containers:
        if states is not None and ctr.get("State") not in states:
            continue
        names = [n.lstrip("/") for n in ctr.get("Names") or ()]
        name = next((n for n in names if "/" not in n), None) or str(ctr.get("Id", ""))[:12]
        found.append(Candidate(name, f"{ctr.get('Image', '')} · {ctr.get('Status', '')}"))
    return sorted(found, key=lambda c: c.text)


def images(snapshot: Snapshot, now: float | None = None) -> list[Candidate]:
    from dshell.render.units import human_duration, human_size

    now = time.time() if now is None else now
    found = []
    for image in snapshot.images:
        size = human_size(float(image.get("Size") or 0))
        age = human_duration(max(0.0, now - float(image.get("Created") or now)))
        meta = f"{size} · {age} ago"
        for tag in image.get("RepoTags") or ():
            if tag != "<none>:<none>":
                found.append(Candidate(tag, meta))
    return sorted(found, key=lambda c: c.text)


def networks(snapshot: Snapshot) -> list[Candidate]:
    return sorted((Candidate(str(n.get("Name", "")), str(n.get("Driver", "")))
                   for n in snapshot.networks), key=lambda c: c.text)  # fmt: skip


def volumes(snapshot: Snapshot) -> list[Candidate]:
    return sorted((Candidate(str(v.get("Name", "")), str(v.get("Driver", "")))
                   for v in snapshot.volumes), key=lambda c: c.text)  # fmt: skip


def contexts(snapshot: Snapshot) -> list[Candidate]:
    return [Candidate(name, description) for name, description in snapshot.contexts]


def signals() -> list[Candidate]:
    names = sorted({s.name for s in signal.Signals if not s.name.startswith("SIG_")})
    return [Candidate(name, str(int(signal.Signals[name]))) for name in names]


def choices(kind: str) -> list[Candidate]:
    return [Candidate(value) for value in kind.split(":", 1)[1].split("|") if value]


def filter_keys(what: str) -> list[Candidate]:
    keys = FILTERS.get(what, {})
    return [Candidate(f"{key}=", "filter", display=key) for key in sorted(keys)]


def format_fields(what: str, word: str) -> list[Candidate]:
    fields = FORMAT_FIELDS.get(what, ())
    found = [Candidate(f"{{{{.{name}}}}}", "field") for name in fields]
    found.append(Candidate("{{json .}}", "the whole object as JSON"))
    if not word.startswith("{{"):
        if what in FORMAT_FIELDS and what not in ("version", "info", "event"):
            found.insert(0, Candidate("table", "a table with column headers"))
        found.insert(0, Candidate("json", "one JSON object per line"))
    return found


def local_paths(word: str, directories_only: bool = False) -> list[Candidate]:
    """Entries of the directory ``word`` points into (``~`` expanded); directories end in /."""
    head, _, _ = word.rpartition("/")
    directory = os.path.expanduser(head + "/" if head or word.startswith("/") else ".")
    shown = word[: len(head) + 1] if "/" in word else ""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return []
    found = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if directories_only and not is_dir:
            continue
        text = shown + entry.name + ("/" if is_dir else "")
        found.append(Candidate(text, "directory" if is_dir else "", display=entry.name +
                               ("/" if is_dir else "")))  # fmt: skip
    return found


def for_suggestion(
    suggestion: Suggestion,
    snapshot: Snapshot,
    registry: Registry,
    word: str,
    container_paths: Callable[[str, str], Iterable[Candidate]] | None = None,
    shell_state: ShellState | None = None,
) -> list[Candidate]:
    """The candidates of one suggestion. Unknown kinds complete nothing."""
    kind = suggestion.kind
    base, _, detail = kind.partition(":")
    aliases = shell_state.aliases if shell_state is not None else {}
    if kind == "words":
        return command_words(registry, suggestion.words,
                             aliases if suggestion.aliases else None)  # fmt: skip
    if base == "variable":
        return variables(shell_state if detail != "exported" else None, suggestion.suffix)
    if kind == "alias":
        return alias_names(aliases)
    if kind == "host-command":
        return host_commands(os.environ.get("PATH", os.defpath))
    if kind == "flags" and suggestion.command is not None:
        return flag_names(suggestion.command, suggestion.exclude, word)
    if base == "container":
        return containers(snapshot, detail or "all")
    if kind in ("image", "image-tagged"):
        return images(snapshot)
    if kind == "object":  # inspect: any named object
        return sorted([*containers(snapshot, "all"), *images(snapshot), *networks(snapshot),
                       *volumes(snapshot)], key=lambda c: c.text)  # fmt: skip
    if kind == "network":
        return networks(snapshot)
    if kind == "volume":
        return volumes(snapshot)
    if kind == "context":
        return contexts(snapshot)
    if kind == "signal":
        return signals()
    if base == "choice":
        return choices(kind)
    if base == "filter":
        return filter_keys(detail)
    if base == "format":
        return format_fields(detail, suggestion.replace)
    if kind in ("path", "path:dir", "directory"):
        return local_paths(suggestion.replace, directories_only=kind != "path")
    if kind == "host":
        return [Candidate(text, meta) for text, meta in HOST_FORMS]
    if kind == "container-path" and container_paths is not None:
        return list(container_paths(suggestion.container, suggestion.replace))
    return []
