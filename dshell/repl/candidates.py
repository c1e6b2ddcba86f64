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
from dshell.repl.cache import STACK_LABEL, Snapshot
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


def plugins(snapshot: Snapshot, state: str = "") -> list[Candidate]:
    """Engine plugins by name (``enable`` offers the disabled ones, ``disable`` the enabled)."""
    found = []
    for plugin in snapshot.plugins:
        enabled = bool(plugin.get("Enabled"))
        if (state == "enabled" and not enabled) or (state == "disabled" and enabled):
            continue
        meta = f"{(plugin.get('Config') or {}).get('Description', '')}".strip()
        found.append(Candidate(str(plugin.get("Name", "")), meta or ("enabled" if enabled
                                                                      else "disabled")))
    return sorted(found, key=lambda c: c.text)


def services(snapshot: Snapshot) -> list[Candidate]:
    found = []
    for service in snapshot.services:
        spec = service.get("Spec") or {}
        image = str(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {})
                    .get("Image") or "").split("@", 1)[0]  # fmt: skip
        mode = next(iter(spec.get("Mode") or {}), "").lower()
        found.append(Candidate(str(spec.get("Name", "")), f"{image} · {mode}".strip(" ·")))
    return sorted(found, key=lambda c: c.text)


def tasks(snapshot: Snapshot) -> list[Candidate]:
    """Task IDs (what ``inspect`` and ``service logs`` take), shown short, with the task's
    name as ``service ps`` shows it (service.slot) and its state."""
    names = {s.get("ID"): (s.get("Spec") or {}).get("Name", "") for s in snapshot.services}
    found = []
    for task in snapshot.tasks:
        ident = str(task.get("ID", ""))
        service = names.get(task.get("ServiceID")) or str(task.get("ServiceID", ""))[:12]
        slot = task.get("Slot") or task.get("NodeID") or ""
        state = (task.get("Status") or {}).get("State", "")
        found.append(Candidate(ident, f"{service}.{slot} · {state}", display=ident[:12]))
    return sorted(found, key=lambda c: c.text)


def nodes(snapshot: Snapshot, by: str = "") -> list[Candidate]:
    """Nodes by hostname and by ID (``by`` = ``hostname`` or ``id`` for one of them), and
    ``self`` for the node the Engine runs on, as docker's node commands accept them."""
    found = []
    if not by and snapshot.node_id:
        found.append(Candidate("self", "this node"))
    for node in snapshot.nodes:
        ident = str(node.get("ID", ""))
        hostname = str((node.get("Description") or {}).get("Hostname") or "")
        role = (node.get("Spec") or {}).get("Role", "")
        state = (node.get("Status") or {}).get("State", "")
        meta = f"{role} · {state}"
        if by in ("", "hostname") and hostname:
            found.append(Candidate(hostname, meta))
        if by in ("", "id"):
            found.append(Candidate(ident, f"{hostname} · {meta}", display=ident[:12]))
    return sorted(found, key=lambda c: c.text)


def named_objects(items: Iterable[dict], meta: str) -> list[Candidate]:
    """Secrets or configs by name."""
    return sorted((Candidate(str((item.get("Spec") or {}).get("Name", "")), meta)
                   for item in items), key=lambda c: c.text)  # fmt: skip


def stacks(snapshot: Snapshot) -> list[Candidate]:
    counts: dict[str, int] = {}
    for service in snapshot.services:
        name = ((service.get("Spec") or {}).get("Labels") or {}).get(STACK_LABEL)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return [Candidate(name, f"{counts[name]} services" if counts[name] != 1 else "1 service")
            for name in snapshot.stacks]  # fmt: skip


#: ``--constraint`` keys docker's placement accepts (swarmkit's constraint package), with what
#: completes their value; label keys are added from the nodes in the cache.
CONSTRAINT_KEYS = {
    "node.id": "the node's ID", "node.hostname": "the node's hostname",
    "node.role": "manager or worker", "node.platform.os": "e.g. linux",
    "node.platform.arch": "e.g. x86_64",
}  # fmt: skip
CONSTRAINT_PREFIXES = {"node.labels.": "a node label (node update --label-add)",
                       "engine.labels.": "a daemon label (dockerd --label)"}  # fmt: skip


def _node_labels(snapshot: Snapshot, prefix: str) -> dict[str, set[str]]:
    """Label keys (and their values) on the cached nodes, under ``node.labels.`` (the nodes'
    spec) or ``engine.labels.`` (the daemons')."""
    found: dict[str, set[str]] = {}
    for node in snapshot.nodes:
        if prefix == "node.labels.":
            labels = (node.get("Spec") or {}).get("Labels") or {}
        else:
            labels = (((node.get("Description") or {}).get("Engine") or {})
                      .get("Labels") or {})  # fmt: skip
        for key, value in labels.items():
            found.setdefault(prefix + key, set()).add(str(value))
    return found


def constraint_keys(snapshot: Snapshot) -> list[Candidate]:
    found = [Candidate(f"{key}==", meta, display=key) for key, meta in CONSTRAINT_KEYS.items()]
    for prefix, meta in CONSTRAINT_PREFIXES.items():
        found.append(Candidate(prefix, meta))
        found += [Candidate(f"{key}==", "label", display=key)
                  for key in sorted(_node_labels(snapshot, prefix))]  # fmt: skip
    return found


def placement_prefs(snapshot: Snapshot) -> list[Candidate]:
    """``--placement-pref``: docker's one strategy, spread over a node or engine label."""
    found = []
    for prefix, meta in CONSTRAINT_PREFIXES.items():
        found.append(Candidate(f"spread={prefix}", meta))
        keys = sorted(_node_labels(snapshot, prefix))
        found += [Candidate(f"spread={key}", "label") for key in keys]
    return found


def constraint_values(snapshot: Snapshot, key: str) -> list[Candidate]:
    """Values of one constraint key (the text before ``==``/``!=``), from the cached nodes."""
    if key == "node.id":
        return nodes(snapshot, "id")
    if key == "node.hostname":
        return nodes(snapshot, "hostname")
    if key == "node.role":
        return [Candidate("manager"), Candidate("worker")]
    if key in ("node.platform.os", "node.platform.arch"):
        field = "OS" if key.endswith("os") else "Architecture"
        seen = {str(((n.get("Description") or {}).get("Platform") or {}).get(field) or "")
                for n in snapshot.nodes}  # fmt: skip
        return [Candidate(value) for value in sorted(seen) if value]
    for prefix in CONSTRAINT_PREFIXES:
        if key.startswith(prefix):
            values = _node_labels(snapshot, prefix).get(key, set())
            return [Candidate(value) for value in sorted(values)]
    return []


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
    if kind == "object":  # inspect: any named object (the swarm's only on a manager)
        return sorted([*containers(snapshot, "all"), *images(snapshot), *networks(snapshot),
                       *volumes(snapshot), *plugins(snapshot), *services(snapshot),
                       *tasks(snapshot),
                       *nodes(snapshot, "hostname"), *named_objects(snapshot.secrets, "secret"),
                       *named_objects(snapshot.configs, "config")],
                      key=lambda c: c.text)  # fmt: skip
    if kind == "service":
        return services(snapshot)
    if kind == "service-or-task":  # service logs
        return sorted([*services(snapshot), *tasks(snapshot)], key=lambda c: c.text)
    if kind == "task":
        return tasks(snapshot)
    if base == "node":
        return nodes(snapshot, detail)
    if kind == "secret":
        return named_objects(snapshot.secrets, "secret")
    if kind == "config":
        return named_objects(snapshot.configs, "config")
    if kind == "stack":
        return stacks(snapshot)
    if kind == "constraint":
        return constraint_keys(snapshot)
    if kind == "placement-pref":
        return placement_prefs(snapshot)
    if base == "constraint-value":
        return constraint_values(snapshot, detail)
    if kind == "network":
        return networks(snapshot)
    if kind == "volume":
        return volumes(snapshot)
    if base == "engine-plugin":
        return plugins(snapshot, detail)
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
