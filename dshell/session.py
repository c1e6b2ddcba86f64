"""DockerSession: the analogue of the Go client's DockerCli.

One object holds the endpoint (protocol, address, scheme, TLS), the config file, the standard
streams with their TTY state and the Engine client; ``cmd()`` resolves a typed line to a
``cmd_*`` method by name, two words before one.

The command mixins are mixed in lazily: the first lookup of a name that a mixin provides
(``cmd_ps``, a helper) imports its module and adds it to the class's bases, in the order of
``dshell.commands.MIXINS``; ``registry`` (help, completion) imports them all. The Engine client,
and with it the HTTP stack, is made when a command first needs the Engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dshell.commands import MIXINS
from dshell.commands.base import CommandBase, SessionExit, UnknownCommand
from dshell.commands.declare import Registry, ServerFeatures, annotated, collect, method_name
from dshell.commands.index import PROVIDERS
from dshell.commands.parse import HelpRequested, UsageError, check_arguments, parse_args
from dshell.engine.config import ConfigFile
from dshell.engine.endpoint import (
    ConflictingOptions,
    ConnectionOptions,
    Endpoint,
    resolve_endpoint,
)
from dshell.engine.errors import EndpointError, EngineError
from dshell.render import RenderError
from dshell.shellstate import ShellState
from dshell.streams import Stream, standard_streams

if TYPE_CHECKING:
    from dshell.engine.client import EngineClient

__all__ = ["DockerSession", "SessionExit"]

#: Management commands (``container``, ``image``): their subcommands, which help and usage
#: errors list, are known once every mixin is loaded (the registry).
MANAGEMENT = "Management Commands"
#: Groups whose commands have subcommands: docker's management commands and its swarm ones.
GROUPS = (MANAGEMENT, "Swarm Commands")
#: First words docker's processBuilder may hand to the buildx plugin (``image`` for ``image
#: build``): a line starting with one goes through ``forward_builder``.
_BUILDER_WORDS = frozenset({"build", "builder", "bake", "image"})


class _LazyMixins(type):
    """The session's metaclass: a name missing on the class loads the mixin that provides it."""

    _lock = threading.RLock()

    def __getattr__(cls, name: str) -> Any:
        if name == "registry":
            return cls._build_registry()
        position = PROVIDERS.get(name)
        if position is not None:
            cls._load(position)
            try:  # (another thread may have loaded it since this lookup missed)
                return type.__getattribute__(cls, name)
            except AttributeError:
                pass
        raise AttributeError(f"type object {cls.__name__!r} has no attribute {name!r}")

    def _load(cls, position: int) -> bool:
        """Import mixin ``position`` and put it among the bases; False if it already was."""
        with cls._lock:
            root = next(c for c in cls.__mro__ if "_loaded" in c.__dict__)
            loaded: dict[int, type] = root._loaded
            if position in loaded:
                return False
            module, name = MIXINS[position]
            mixin = getattr(import_module(module), name)
            loaded[position] = mixin
            root.__bases__ = tuple(loaded[p] for p in sorted(loaded))
            for declared in collect(mixin):
                if PROVIDERS.get(declared.method) != position:
                    continue
                method = getattr(mixin, declared.method)
                for words in declared.aliases:
                    setattr(root, method_name(words), method)
            return True

    def _build_registry(cls) -> Registry:
        """Every mixin loaded, every declaration in one registry (kept on the class)."""
        with cls._lock:
            registry = cls.__dict__.get("registry")
            if registry is None:
                for position in range(len(MIXINS)):
                    cls._load(position)
                registry = Registry(collect(cls))
                cls.registry = registry
            return registry


class DockerSession(CommandBase, metaclass=_LazyMixins):
    """A persistent session with one Engine."""

    registry: Registry
    _loaded: dict[int, type] = {}

    def __getattr__(self, name: str) -> Any:
        """A name no loaded mixin has: load the one that provides it (see ``_LazyMixins``)."""
        if name == "registry" or name in PROVIDERS:
            getattr(type(self), name)
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __init__(
        self,
        connection: ConnectionOptions,
        config_directory: Path,
        config: ConfigFile,
        streams: tuple[Stream, Stream, Stream] | None = None,
        debug: bool = False,
    ) -> None:
        self.stdin, self.stdout, self.stderr = streams or standard_streams()
        self.connection = connection
        self.config_directory = config_directory
        self.config = config
        self.debug = debug
        #: Variables, aliases, working directory and ``$?`` of the shell language.
        self.shell_state = ShellState()
        #: Called with the new endpoint after ``switch_endpoint`` (the REPL's cache, toolbar).
        self.endpoint_listeners: list[Callable[[Endpoint], None]] = []
        self._endpoint: Endpoint | None = None
        #: Made on first use (``client``), so commands that never reach the Engine (``help``,
        #: ``context ls``, a syntax error) never import the HTTP stack.
        self._client: EngineClient | None = None
        self._features: ServerFeatures | None = None
        #: Why no endpoint could be resolved (a missing context): like docker, commands that
        #: need the Engine fail with it, and ``context ls``/``use`` still work.
        self.endpoint_error: EndpointError | None = None
        try:
            endpoint = resolve_endpoint(connection, config_directory, config)
        except ConflictingOptions:
            raise
        except EndpointError as exc:
            self.endpoint_error = exc
        else:
            self._endpoint = endpoint

    @property
    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            raise self.endpoint_error or EndpointError("no endpoint")
        return self._endpoint

    @property
    def client(self) -> EngineClient:
        if self._client is None:
            if self.endpoint_error is not None:
                # A failed ``context use`` leaves a placeholder endpoint naming the context
                # for the prompt; Engine commands fail with the resolution error, as docker's.
                raise self.endpoint_error
            from dshell.engine.client import EngineClient

            self._client = EngineClient(self.endpoint)
        return self._client

    # -- the DockerCli fields --------------------------------------------------------------
    @property
    def proto(self) -> str:
        return self.endpoint.proto

    @property
    def addr(self) -> str:
        return self.endpoint.addr

    @property
    def scheme(self) -> str:
        return self.endpoint.scheme

    @property
    def tls_config(self):  # noqa: ANN201
        return self.endpoint.tls

    # -- dispatch --------------------------------------------------------------------------
    def get_method(self, words: list[str]):  # noqa: ANN201
        """The bound ``cmd_*`` method for the leading words and how many words it used."""
        if len(words) >= 3 and method_name(words[:3]) in PROVIDERS:  # ``trust key generate``
            method = getattr(self, method_name(words[:3]), None)
            if getattr(method, "__command__", None) is not None and \
                    method.__command__.words == tuple(w.lower() for w in words[:3]):
                return method, 3
        for size in (2, 1):
            if len(words) >= size:
                method = getattr(self, method_name(words[:size]), None)
                if method is not None and hasattr(method, "__command__"):
                    return method, size
        return None, 0

    def cmd(self, argv: list[str], invoked: tuple[str, ...] | None = None) -> int:
        """Run one command line (already split into words); return its exit status.
        ``invoked``: the words to name the command by in messages, when not the typed ones.

        Raises SessionExit for ``exit``; everything else ends as a message and a status.
        """
        if not argv:
            return 0
        method, used = self.get_method(argv)
        if (method is None or method.__command__.group != "Shell Commands") and (
                argv[0] in _BUILDER_WORDS or "DOCKER_BUILDKIT" in os.environ
                or self.config.get("aliases")):
            forwarded = self.forward_builder(argv)  # docker's processAliases, before lookup
            if forwarded is not None:
                return forwarded
        if method is None:
            from dshell import cliplugins

            status = cliplugins.run(self, argv)  # a ``docker-NAME`` CLI plugin, as docker's
            return self.unknown_command(argv[0]) if status is None else status
        declared = method.__command__
        chosen = getattr(method, "__declaration_for__", None)
        if chosen is not None:  # flags that depend on the session (build's builder)
            declared = chosen(self, declared)
        if declared.group in GROUPS:
            self.registry  # noqa: B018 - a group's usage errors list its subcommands
        if declared.preamble is not None:
            status = getattr(self, declared.preamble)()
            if status is not None:
                return status
        # docker's isSupported comes before its flag and argument errors (and --help).
        refused = self.unsupported_command(declared, invoked or tuple(argv[:used]))
        try:
            opts = parse_args(declared, argv[used:], invoked or tuple(argv[:used]),
                              check_args=False)
            refusals = [refused] if refused else self.unsupported_flags(opts)
            if not refusals:
                check_arguments(opts)
        except HelpRequested as request:
            self.stdout.write("".join(f"{line}\n" for line in request.notices))
            self.print_help(request.command)
            return 0
        except UsageError as exc:
            if refused:
                self.err(refused)
                return 1
            self.stdout.write("".join(f"{line}\n" for line in exc.notices))
            self.stdout.flush()
            self.err(str(exc))
            return exc.status
        if opts.notices:
            self.stdout.write("".join(f"{line}\n" for line in opts.notices))
        if refusals:
            self.stdout.flush()
            self.err("\n".join(refusals))
            return 1
        try:
            status = method(opts)
        except UnknownCommand as exc:
            return self.unknown_command(str(exc))
        except UsageError as exc:
            # A flag value only the command itself can judge (pflag checks it while parsing):
            # the same words and status as a parse-time refusal.
            self.stdout.flush()
            self.err(str(exc))
            return exc.status
        except (EngineError, RenderError) as exc:
            self.stdout.flush()  # what the command printed comes before its error
            self.err(str(exc))
            return 1
        finally:
            self.stdout.flush()
        return 0 if status is None else status

    def forward_builder(self, argv: list[str]) -> int | None:
        """docker's processBuilder: ``build``, ``builder …``, ``image build`` and ``bake`` run
        the buildx plugin when it is installed (a status), else dshell's own command after
        docker's notice (None); a bad DOCKER_BUILDKIT or config.json alias refuses any
        command (status 1)."""
        from dshell import cliplugins

        outcome = cliplugins.forward_builder(self, argv)
        if outcome is None or isinstance(outcome, int):
            return outcome
        return cliplugins.run_builder(self, outcome)

    def unknown_command(self, name: str) -> int:
        self.err(f"Error: Command not found: {name}")
        self.err("Type 'help' for the list of commands, 'COMMAND --help' for one command.")
        return 1

    def print_group_help(self, cmd) -> None:  # noqa: ANN001
        """A management command typed alone: docker prints its help on standard error."""
        self.stdout.flush()
        self.print_help(cmd, stream=self.stderr)

    def print_help(self, cmd, invoked: tuple[str, ...] | None = None,  # noqa: ANN001
                   stream: Stream | None = None) -> None:  # fmt: skip
        """docker's help for a command, with the flags this daemon lacks left out."""
        from dshell.commands.helptext import command_help

        refused = self.unsupported_command(cmd, invoked or cmd.invoked)
        if refused:
            (stream or self.stdout).write(refused + "\n")  # docker's help prints it, status 0
            return
        registry = self.registry if cmd.group in GROUPS else None
        features = self.server_features() if any(
            map(annotated, (*cmd.flags, *cmd.subcommands))) else None
        (stream or self.stdout).write(command_help(cmd, invoked, registry=registry,
                                                   features=features))  # fmt: skip

    def server_features(self) -> ServerFeatures:
        """The daemon's API version, OS type and experimental setting, as docker's help and
        flag checks see them (its defaults when the daemon cannot be reached)."""
        if self._features is None:
            try:
                client = self.client
                headers = {key.lower(): value for key, value in client.ping().items()}
            except (EngineError, EndpointError, OSError):
                return ServerFeatures(api_version=self._client.pinned_version or "1.50"
                                      if self._client else "1.50")  # fmt: skip
            server = headers.get("api-version") or "1.24"
            version = client.pinned_version or min(
                server, "1.50", key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
            self._features = ServerFeatures(
                api_version=version, os_type=headers.get("ostype", ""),
                experimental=headers.get("docker-experimental", "").lower() == "true",
                swarm=headers.get("swarm"))
        return self._features

    def unsupported_command(self, cmd, invoked: tuple[str, ...] | None) -> str | None:  # noqa: ANN001
        """docker's areSubcommandsSupported: the refusal for a command annotated with what
        the daemon lacks (asked only of annotated commands, as docker pings lazily)."""
        if not (cmd.min_api or cmd.os_type or cmd.experimental):  # "swarm" only hides
            return None
        return self.server_features().command_refusal(cmd, cmd.command_path(invoked))

    def unsupported_flags(self, opts) -> list[str]:  # noqa: ANN001
        """docker's areFlagsSupported: a flag used that the daemon lacks is refused."""
        used = [f for f in sorted(opts.command.flags, key=lambda f: f.long)
                if f.dest in opts.given and annotated(f)]
        if not used:
            return []
        features = self.server_features()
        return [text for text in map(features.refusal, used) if text]

    def switch_endpoint(self, endpoint: Endpoint) -> None:
        """Talk to another Engine from now on (``context use``): a new client with its own
        transport and TLS settings replaces the old one, which is closed; listeners follow."""
        from dshell.engine.client import EngineClient

        old = self._client
        self._endpoint, self._client = endpoint, EngineClient(endpoint)
        self.endpoint_error = None
        self._features = None
        if old is not None:
            old.close()
        for listener in list(self.endpoint_listeners):
            listener(endpoint)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
