"""docker's CLI plugins (``docker-NAME`` executables), found, checked and run as docker 28's
cli-plugins manager does.

Discovery: ``cliPluginsExtraDirs`` from config.json, then ``$DOCKER_CONFIG/cli-plugins``, then
the system folders; the first ``docker-NAME`` of a name wins. A plugin's metadata comes from
running ``docker-NAME docker-cli-plugin-metadata``; it is kept for the process, keyed by the
file's path, modification time and size, so nothing runs a plugin twice and nothing runs one
at startup (only an unknown command, ``help`` and the REPL's completion ask for plugins).

Running ``NAME ARGS``: argv ``[path, GLOBAL-FLAGS…, NAME, ARGS…]`` (the global flags that pick
this session's engine now, so that after ``context use`` the plugin reads the same current
context from config.json), docker's environment (``DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND``,
``DOCKER_CLI_PLUGIN_SOCKET``, ``OTEL_RESOURCE_ATTRIBUTES``), the session's streams and the
terminal handed over; the plugin's exit status is the command's.

This module sits beside the command mixins: it imports nothing from the shell or the REPL,
and ``subprocess`` only when a plugin actually runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dshell.commands.declare import Registry
    from dshell.engine.config import ConfigFile
    from dshell.streams import Stream

NAME_PREFIX = "docker-"
METADATA_SUBCOMMAND = "docker-cli-plugin-metadata"
REEXEC_ENV = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"
SOCKET_ENV = "DOCKER_CLI_PLUGIN_SOCKET"
RESOURCE_ATTRIBUTES_ENV = "OTEL_RESOURCE_ATTRIBUTES"
SCHEMA_VERSION = "0.1.0"
NAME_PATTERN = "^[a-z][a-z0-9]*$"
_NAME_RE = re.compile(r"[a-z][a-z0-9]*\Z")
SYSTEM_PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)
#: How long a metadata request may take (docker waits for ever; a hung plugin would hang
#: ``help`` and the completion thread).
METADATA_TIMEOUT = 10.0
#: How long completion waits for a plugin's ``__complete`` answer.
COMPLETE_TIMEOUT = 2.0

BUILDER_PLUGIN = "buildx"
BUILDX_MISSING_WARNING = """\
DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            Install the buildx component to build images with BuildKit:
            https://docs.docker.com/go/buildx/"""
BUILDKIT_DISABLED_WARNING = """\
DEPRECATED: The legacy builder is deprecated and will be removed in a future release.
            BuildKit is currently disabled; enable it by removing the DOCKER_BUILDKIT=0
            environment-variable."""
BUILDX_MISSING_ERROR = """\
ERROR: BuildKit is enabled but the buildx component is missing or broken.
       Install the buildx component to build images with BuildKit:
       https://docs.docker.com/go/buildx/"""
BAKE_MISSING_ERROR = """\
ERROR: docker bake requires the buildx component but it is missing or broken.
       Install the buildx component to use bake:
       https://docs.docker.com/go/buildx/"""


@dataclass
class Plugin:
    """One candidate, valid or not (``error`` says why not, in docker's words)."""

    name: str
    path: str
    schema_version: str = ""
    vendor: str = ""
    version: str = ""
    short_description: str = ""
    url: str = ""
    error: str = ""
    shadowed_paths: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.error


# -- discovery ------------------------------------------------------------------------------
def plugin_dirs(config_directory: Path | str, config: ConfigFile | None) -> list[str]:
    """docker's getPluginDirs: the extra folders of config.json first, then the config
    folder's ``cli-plugins``, then the system ones."""
    dirs: list[str] = []
    if config is not None:
        extra = config.get("cliPluginsExtraDirs")
        if isinstance(extra, list):
            dirs.extend(d for d in extra if isinstance(d, str))
    dirs.append(os.path.join(os.fspath(config_directory), "cli-plugins"))
    dirs.extend(SYSTEM_PLUGIN_DIRS)
    return dirs


def list_candidates(dirs: Iterable[str]) -> dict[str, list[str]]:
    """Every ``docker-NAME`` file or symlink in ``dirs``, by NAME, in folder order."""
    found: dict[str, list[str]] = {}
    for directory in dirs:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue  # docker skips folders it cannot list
        for entry in entries:
            name = entry.name
            if not name.startswith(NAME_PREFIX):
                continue
            try:
                if not (entry.is_symlink() or entry.is_file(follow_symlinks=False)):
                    continue
            except OSError:
                continue
            found.setdefault(name[len(NAME_PREFIX) :], []).append(os.path.join(directory, name))
    return found


def builtin_names(registry: Registry) -> dict[str, str]:
    """Top-level words a plugin may not take: each mapped to "" (a command's own name) or to
    the command it is an alias of (``quit`` → ``exit``)."""
    names: dict[str, str] = {}
    for words, cmd in registry.by_words.items():
        if len(words) != 1:
            continue
        word = words[0]
        alias_of = cmd.words[0] if len(cmd.words) == 1 and cmd.words[0] != word else ""
        if names.get(word, None) != "":
            names[word] = alias_of
    return names


_METADATA: dict[tuple[str, int, int], tuple[bytes | None, str]] = {}
_METADATA_LOCK = threading.Lock()


def _metadata(path: str) -> tuple[bytes | None, str]:
    """The plugin's metadata output, or None and docker's reason; kept per (path, mtime, size)
    of the file a symlink leads to."""
    try:
        info = os.stat(path)
        key = (path, info.st_mtime_ns, info.st_size)
    except OSError:
        key = None
    if key is not None:
        with _METADATA_LOCK:
            known = _METADATA.get(key)
        if known is not None:
            return known
    found = _fetch_metadata(path)
    if key is not None:
        with _METADATA_LOCK:
            _METADATA[key] = found
    return found


def _fetch_metadata(path: str) -> tuple[bytes | None, str]:
    import subprocess

    try:
        done = subprocess.run([path, METADATA_SUBCOMMAND], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=METADATA_TIMEOUT,
                              env=_plugin_environment({}), check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None, "signal: killed"
    except OSError as exc:
        return None, f"fork/exec {path}: {_errno_text(exc)}"
    if done.returncode < 0:
        return None, f"signal: {_signal_name(-done.returncode)}"
    if done.returncode:
        return None, f"exit status {done.returncode}"
    return done.stdout, ""


def load_plugin(name: str, path: str, builtins: Mapping[str, str] | None = None) -> Plugin:
    """docker's newPlugin: the name's form, a clash with a builtin, then the metadata."""
    plugin = Plugin(name, path)
    if not _NAME_RE.match(name):
        plugin.error = f'plugin candidate "{name}" did not match "{NAME_PATTERN}"'
        return plugin
    if builtins is not None and name in builtins:
        alias_of = builtins[name]
        plugin.error = (
            f'plugin "{name}" duplicates an alias of builtin command "{alias_of}"'
            if alias_of
            else f'plugin "{name}" duplicates builtin command'
        )
        return plugin
    raw, problem = _metadata(path)
    if raw is None:
        plugin.error = f"failed to fetch metadata: {problem}"
        return plugin
    fields, problem = decode_metadata(raw)
    if problem:
        plugin.error = f"invalid metadata: {problem}"
        return plugin
    plugin.schema_version = fields.get("SchemaVersion", "")
    plugin.vendor = fields.get("Vendor", "")
    plugin.version = fields.get("Version", "")
    plugin.short_description = fields.get("ShortDescription", "")
    plugin.url = fields.get("URL", "")
    if plugin.schema_version != SCHEMA_VERSION:
        plugin.error = (
            f'plugin SchemaVersion "{plugin.schema_version}" is not valid, must be {SCHEMA_VERSION}'
        )
    elif not plugin.vendor:
        plugin.error = "plugin metadata does not define a vendor"
    return plugin


def list_plugins(dirs: list[str], builtins: Mapping[str, str] | None) -> list[Plugin]:
    """docker's ListPlugins: the first candidate of each name, checked (metadata fetched in
    parallel, as docker's errgroup does), in natural order of their names."""
    candidates = list_candidates(dirs)
    if not candidates:
        return []

    def check(item: tuple[str, list[str]]) -> Plugin:
        name, paths = item
        plugin = load_plugin(name, paths[0], builtins)
        plugin.shadowed_paths = paths[1:]
        return plugin

    items = list(candidates.items())
    if len(items) == 1:
        plugins = [check(items[0])]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(items))) as pool:
            plugins = list(pool.map(check, items))
    return sorted(plugins, key=lambda p: natural_key(p.name))


def find_plugin(name: str, dirs: list[str]) -> Plugin | None:
    """docker's PluginRunCommand lookup: the first folder holding ``docker-NAME``; None when
    there is none or the plugin there is invalid (docker's "not found" either way)."""
    if not _NAME_RE.match(name):
        return None
    for directory in dirs:
        path = os.path.join(directory, NAME_PREFIX + name)
        try:
            os.stat(path)
        except FileNotFoundError:
            continue
        except OSError:
            pass  # docker goes on with anything but "does not exist"
        plugin = load_plugin(name, path)
        return plugin if plugin.valid else None
    return None


def natural_key(text: str) -> list[tuple[int, int | str]]:
    """fvbommel/sortorder's NaturalLess as a key: digit runs compare as numbers."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", text) if part]  # fmt: skip


# -- the session's view ---------------------------------------------------------------------
def session_dirs(session: Any) -> list[str]:
    return plugin_dirs(session.config_directory, session.config)


def session_plugins(session: Any) -> list[Plugin]:
    """Every plugin, valid or not, as ``help`` lists them (loads every command module)."""
    return list_plugins(session_dirs(session), builtin_names(session.registry))


def global_args(session: Any) -> list[str]:
    """The global flags docker would have on its command line for this session's engine now
    (docker passes its own ``os.Args[1:]``): ``--config``, ``--context``, ``-D``, ``-H``, TLS.
    ``context use`` clears ``--context``, so the plugin then reads the new current context."""
    from dshell.engine.config import config_dir

    args: list[str] = []
    try:
        default_config = os.fspath(config_dir(None))
    except (OSError, RuntimeError):
        default_config = ""
    directory = os.fspath(session.config_directory)
    if directory != default_config:
        args += ["--config", directory]
    connection = session.connection
    if connection.context:
        args += ["--context", connection.context]
    if getattr(session, "debug", False):
        args.append("-D")
    for host in connection.hosts:
        args += ["-H", host]
    if connection.tls:
        args.append("--tls")
    for flag, value in (
        ("--tlscacert", connection.tlscacert),
        ("--tlscert", connection.tlscert),
        ("--tlskey", connection.tlskey),
    ):
        if value:
            args += [flag, value]
    if connection.tlsverify is not None:
        args.append("--tlsverify" if connection.tlsverify else "--tlsverify=false")
    return args


def original_cli_command() -> str:
    """``DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND``: how this program was started (docker's
    ``os.Args[0]``); ``dshell`` when it runs as ``python -m dshell``."""
    first = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if not first or first.endswith(("__main__.py", "-c")) or first == "-m":
        return "dshell"
    return first


def _plugin_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "\0" not in k and "\0" not in v}
    env[REEXEC_ENV] = original_cli_command()
    env.update(extra)
    return env


def _resource_attributes(command_path: str) -> str:
    """docker's appendPluginResourceAttributesEnvvar: the user's attributes, then the command
    path as a W3C baggage member."""
    from urllib.parse import quote

    ours = "docker.cli.cobra.command_path=" + quote(command_path, safe="!#$&'()*+-./:<>?@[]^_`{|}~")
    theirs = os.environ.get(RESOURCE_ATTRIBUTES_ENV, "").strip()
    return f"{theirs},{ours}" if theirs else ours


def run(
    session: Any,
    argv: list[str],
    extra_env: Mapping[str, str] | None = None,
    command_path: str | None = None,
) -> int | None:
    """Run the plugin ``argv[0]`` with ``argv`` after the global flags; its exit status, or
    None when no valid plugin has that name (docker's "not found")."""
    plugin = find_plugin(argv[0], session_dirs(session))
    if plugin is None:
        return None
    return execute(session, plugin, [*global_args(session), *argv], extra_env, command_path)


def execute(
    session: Any,
    plugin: Plugin,
    args: list[str],
    extra_env: Mapping[str, str] | None = None,
    command_path: str | None = None,
    socket: bool = True,
) -> int:
    """docker's tryPluginRun: the plugin with the session's streams and the terminal, a
    plugin socket it can watch (not for ``help NAME``, which docker runs without one), and
    its exit status as the command's."""
    import subprocess

    server = PluginServer.start() if socket else None
    env = {
        RESOURCE_ATTRIBUTES_ENV: _resource_attributes(
            command_path if command_path is not None else f"docker {plugin.name}"
        )
    }
    if server is not None:
        env[SOCKET_ENV] = server.address
    env.update(extra_env or {})
    streams = (session.stdin, session.stdout, session.stderr)
    for stream in streams[1:]:
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    handles: list[Any] = []
    readers: list[tuple[int, Stream]] = []
    for index, stream in enumerate(streams):
        fd = getattr(stream, "fd", None)
        if fd is not None:
            handles.append(fd)
        elif index == 0:
            handles.append(subprocess.DEVNULL)
        else:
            handles.append(subprocess.PIPE)
            readers.append((index, stream))
    try:
        from dshell.terminal import terminal_handed_over

        # Without a terminal on stdout, docker closes the plugin socket at the first SIGINT
        # (the plugin's signal to cancel); with one, Ctrl-C is the plugin's alone.
        cancel = None
        if server is not None and not getattr(session.stdout, "is_terminal", False):
            cancel = server.close
        with terminal_handed_over(session.stdin, cancel):
            try:
                process = subprocess.Popen([plugin.path, *args], stdin=handles[0],
                                           stdout=handles[1], stderr=handles[2],
                                           env=_plugin_environment(env))  # fmt: skip
            except OSError as exc:
                session.err(f"fork/exec {plugin.path}: {_errno_text(exc)}")
                return 1
            pumps = [threading.Thread(target=_pump, daemon=True, args=(
                process.stdout if index == 1 else process.stderr, stream))
                for index, stream in readers]  # fmt: skip
            for pump in pumps:
                pump.start()
            status = _wait(process)
            for pump in pumps:
                pump.join()
    finally:
        if server is not None:
            server.close()
    return status


def _wait(process: Any) -> int:
    """The plugin's exit status; killed by a signal, docker's -1 (255)."""
    while True:
        try:
            code = process.wait()
            break
        except KeyboardInterrupt:
            continue
    return 255 if code < 0 else code


def _pump(pipe: Any, stream: Stream) -> None:
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    try:
        while chunk := pipe.read1(65536):
            stream.write(decoder.decode(chunk))
        stream.write(decoder.decode(b"", final=True))
        stream.flush()
    except (OSError, ValueError):
        pass
    finally:
        pipe.close()


class PluginServer:
    """docker's plugin socket: an abstract unix socket the plugin connects to; closing it
    (the command ends, or Ctrl-C without a terminal) tells the plugin to stop."""

    def __init__(self, listener: Any, address: str) -> None:
        self.listener = listener
        self.address = address
        self.connections: list[Any] = []
        self.closed = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    @classmethod
    def start(cls) -> PluginServer | None:
        import socket

        name = "docker_cli_" + os.urandom(16).hex()
        try:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind("\0" + name)
            listener.listen(16)
        except OSError:
            return None
        return cls(listener, "@" + name)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.closed:
                    connection.close()
                    return
                self.connections.append(connection)

    def close(self) -> None:
        import socket

        with self.lock:
            if self.closed:
                return
            self.closed = True
            connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()


# -- help -----------------------------------------------------------------------------------
def run_help(session: Any, words: list[str]) -> int | None:
    """``help NAME`` for a plugin: docker runs the plugin with ``help NAME…`` (its own argv);
    a failing plugin is docker's one-line error (``exit status 3``) and status 1."""
    plugin = find_plugin(words[0], session_dirs(session))
    if plugin is None:
        return None
    status = execute(session, plugin, [*global_args(session), "help", *words], socket=False)
    if status:
        session.err(f"exit status {status}" if status != 255 else "signal: killed")
        return 1
    return 0


# -- completion -----------------------------------------------------------------------------
#: cobra's ShellCompDirective bits.
DIRECTIVE_ERROR = 1
DIRECTIVE_NO_SPACE = 2
DIRECTIVE_NO_FILE = 4
DIRECTIVE_FILTER_EXT = 8
DIRECTIVE_FILTER_DIRS = 16
DIRECTIVE_KEEP_ORDER = 32


@dataclass(frozen=True)
class Completions:
    """A plugin's answer to ``__complete``: (value, description) pairs and the directive."""

    values: tuple[tuple[str, str], ...] = ()
    directive: int = DIRECTIVE_ERROR


def parse_completions(output: str) -> Completions:
    """cobra's protocol: one candidate a line (``value<TAB>description``), then ``:N``."""
    lines = output.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    directive = 0
    if lines and lines[-1].startswith(":"):
        try:
            directive = int(lines.pop()[1:])
        except ValueError:
            return Completions()
    else:
        return Completions()
    values = []
    for line in lines:
        if not line:
            continue
        value, _, description = line.partition("\t")
        values.append((value, description.strip()))
    return Completions(tuple(values), directive)


def complete(
    plugin: Plugin,
    args: list[str],
    current: str,
    global_flags: list[str],
    timeout: float = COMPLETE_TIMEOUT,
) -> Completions:
    """Ask the plugin, as docker's ValidArgsFunction does: ``docker-NAME [FLAGS] __complete
    NAME ARGS… CURRENT``; a plugin that fails or is slower than ``timeout`` offers nothing."""
    import subprocess

    try:
        done = subprocess.run([plugin.path, *global_flags, "__complete", plugin.name, *args,
                               current], stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=timeout, check=False,
                              env=_plugin_environment({RESOURCE_ATTRIBUTES_ENV:
                                  _resource_attributes(f"docker {plugin.name}")}))  # fmt: skip
    except (subprocess.TimeoutExpired, OSError):
        return Completions()
    if done.returncode:
        return Completions()
    return parse_completions(done.stdout.decode("utf-8", "replace"))


class Catalog:
    """The plugins the REPL knows, refreshed in a background thread: asking never runs a
    plugin on the caller's thread (the first answer may be empty, the next one has them).
    The folders are looked at again at most every ``interval`` seconds."""

    def __init__(self, dirs: Callable[[], list[str]], builtins: Callable[[], Mapping[str, str]],
                 interval: float = 2.0) -> None:  # fmt: skip
        self._dirs = dirs
        self._builtins = builtins
        self.interval = interval
        self.plugins: list[Plugin] = []
        self._stamp: object = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._running = False
        #: Called after a refresh changed the list (the REPL redraws an open menu).
        self.listeners: list[Callable[[], None]] = []

    def current(self) -> list[Plugin]:
        """The plugins known now; a refresh starts in the background when due."""
        now = time.monotonic()
        if now - self._checked >= self.interval:
            self._checked = now
            self._start()
        return self.plugins

    def valid(self) -> list[Plugin]:
        return [p for p in self.current() if p.valid]

    def get(self, name: str) -> Plugin | None:
        return next((p for p in self.plugins if p.name == name and p.valid), None)

    def refresh(self) -> None:
        """Look again now, on this thread (the background thread's work)."""
        dirs = self._dirs()
        stamp = _stamp(dirs)
        if stamp == self._stamp:
            return
        plugins = list_plugins(dirs, self._builtins())
        self._stamp = stamp
        if plugins != self.plugins:
            self.plugins = plugins
            for listener in list(self.listeners):
                listener()

    def _start(self) -> None:
        with self._lock:
            if self._running:
                return
            self._running = True

        def work() -> None:
            try:
                self.refresh()
            finally:
                self._running = False

        threading.Thread(target=work, daemon=True, name="cli-plugins").start()


def _stamp(dirs: list[str]) -> tuple:
    """What changes when a plugin is added, removed or replaced in ``dirs``."""
    found = []
    for directory in dirs:
        try:
            info = os.stat(directory)
        except OSError:
            found.append(None)
            continue
        entries = []
        for name, paths in sorted(list_candidates([directory]).items()):
            try:
                target = os.stat(paths[0])
                entries.append((name, target.st_mtime_ns, target.st_size))
            except OSError:
                entries.append((name, None, None))
        found.append((info.st_mtime_ns, tuple(entries)))
    return tuple(found)


# -- the builder: docker's processBuilder ---------------------------------------------------
def _go_parse_bool(text: str) -> bool | None:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    return None


class BuilderError(Exception):
    """docker refuses the command line before running anything (status 1)."""


def buildkit_setting() -> bool | None:
    """DOCKER_BUILDKIT as docker reads it for every command line: None when unset; raises
    BuilderError on a value strconv.ParseBool refuses."""
    value = os.environ.get("DOCKER_BUILDKIT", "")
    if not value:
        return None
    parsed = _go_parse_bool(value)
    if parsed is None:
        raise BuilderError(
            "DOCKER_BUILDKIT environment variable expects boolean value: "
            f'strconv.ParseBool: parsing "{value}": invalid syntax'
        )
    return parsed


#: (words typed, words sent to the builder plugin after its name, the command path docker
#: records for the plugin), from docker's forwardBuilder.
_FORWARDS = (
    (("bake",), ("bake",), ()),
    (("builder",), (), ("builder",)),
    (("build",), ("build",), ()),
    (("image", "build"), ("build",), ("image",)),
)


def forward_builder(
    session: Any, argv: list[str]
) -> tuple[list[str], dict[str, str], str] | int | None:
    """docker's processBuilder for a line that starts with ``build``, ``builder``, ``image
    build`` or ``bake``: None to run dshell's own command (after docker's deprecation
    notice), a status when docker refuses, or the builder plugin's argv (``buildx build …``),
    extra environment and command path to run it with."""
    session.own_buildkit = False
    problem = alias_problem(session)
    if problem:
        session.err(problem)
        return 1
    try:
        setting = buildkit_setting()
    except BuilderError as exc:
        session.err(str(exc))
        return 1
    forward = next((f for f in _FORWARDS if tuple(argv[: len(f[0])]) == f[0]), None)
    if forward is None:
        return None
    typed, sent, path_words = forward
    disabled = setting is False and typed != ("bake",)
    use_builder = setting is True
    alias = BUILDER_PLUGIN
    aliases = session.config.get("aliases")
    use_alias = isinstance(aliases, dict) and isinstance(aliases.get("builder"), str)
    if use_alias:
        alias, use_builder = aliases["builder"], True
    if disabled:
        session.err(BUILDKIT_DISABLED_WARNING, end="\n\n")
        return None
    plugin, problem = _builder_plugin(session, alias)
    if plugin is None:
        if typed == ("bake",):
            session.err(_builder_error(BAKE_MISSING_ERROR, problem))
            return 1
        own = any(tuple(argv[: len(words)]) == words for words in OWN_BUILDKIT)
        if own and not use_alias and not problem:
            session.own_buildkit = True  # dshell's own BuildKit client (commands/buildkit_build)
            return None
        if use_builder:
            session.err(_builder_error(BUILDX_MISSING_ERROR, problem))
            return 1
        session.err(_builder_error(BUILDX_MISSING_WARNING, problem), end="\n\n")
        return None
    args = [alias, *sent, *argv[len(typed) :]]
    env = {}
    if not use_alias and not _has_builder_name(args[1:]):
        env["BUILDX_BUILDER"] = session.current_context_name()
    return args, env, " ".join(("docker", *path_words))


#: the builds dshell runs with BuildKit through the Engine itself when buildx is absent
OWN_BUILDKIT = (("build",), ("builder", "build"), ("image", "build"))


def alias_problem(session: Any) -> str:
    """docker's check of config.json ``aliases`` before any command: only ``builder`` may be
    aliased, and not to a builtin command."""
    aliases = session.config.get("aliases")
    if not isinstance(aliases, dict):
        return ""
    for key, value in aliases.items():
        if key != "builder":
            return (f'not allowed to alias "{key}" (allowed: map[string]struct {{}}'
                    '{"builder":struct {}{}})')  # fmt: skip
        words = str(value).split(" ")
        if words[0] and session.get_method(words[:1])[0] is not None:
            return f'not allowed to alias with builtin "{value}" as target'
    return ""


def _builder_plugin(session: Any, name: str) -> tuple[Plugin | None, str]:
    """docker's GetPlugin for the builder: the first candidate, checked against the builtins
    (docker's "not found" carries no text of its own in the builder's messages)."""
    paths = list_candidates(session_dirs(session)).get(name)
    if not paths:
        return None, ""
    plugin = load_plugin(name, paths[0], builtin_names(session.registry) if name != BUILDER_PLUGIN
                         else None)  # fmt: skip
    return (plugin, "") if plugin.valid else (None, plugin.error)


def _builder_error(message: str, problem: str) -> str:
    return f"{problem}\n\n{message}" if problem else message


def _has_builder_name(args: list[str]) -> bool:
    """docker's hasBuilderName: ``--builder`` among the arguments, or BUILDX_BUILDER set."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--builder" and index + 1 < len(args) and args[index + 1]:
            return True
        if arg.startswith("--builder=") and arg != "--builder=":
            return True
    return bool(os.environ.get("BUILDX_BUILDER"))


def run_builder(session: Any, forwarded: tuple[list[str], dict[str, str], str]) -> int:
    """Run the builder plugin for a forwarded ``build`` line."""
    args, env, command_path = forwarded
    plugin = find_plugin(args[0], session_dirs(session))
    if plugin is None:  # vanished between the check and the run
        session.err(BUILDX_MISSING_ERROR)
        return 1
    return execute(session, plugin, [*global_args(session), *args], env, command_path)


# -- Go's words ------------------------------------------------------------------------------
def _errno_text(exc: OSError) -> str:
    """An OSError as Go's syscall.Errno prints it (lower-case strerror)."""
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _signal_name(number: int) -> str:
    import signal

    names = {signal.SIGKILL: "killed", signal.SIGTERM: "terminated", signal.SIGINT:
             "interrupt", signal.SIGSEGV: "segmentation fault", signal.SIGABRT: "aborted",
             signal.SIGHUP: "hangup", signal.SIGPIPE: "broken pipe"}  # fmt: skip
    return names.get(number, f"signal {number}")


def decode_metadata(raw: bytes) -> tuple[dict[str, str], str]:
    """json.Unmarshal of the metadata into docker's Metadata struct: the fields and Go's
    error text, or "" when it decodes."""
    from dshell.engine.config import GO_STRING, GoJSONError, go_struct, go_unmarshal

    metadata_type = go_struct(
        "metadata.Metadata",
        *(
            (name, GO_STRING)
            for name in ("SchemaVersion", "Vendor", "Version", "ShortDescription", "URL")
        ),
    )
    try:
        value, problem = go_unmarshal(raw, metadata_type)
    except GoJSONError as exc:
        return {}, str(exc)
    fields = value if isinstance(value, dict) else {}
    return fields, str(problem) if problem is not None else ""
