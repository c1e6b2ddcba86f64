"""DockerSession: the analogue of the Go client's DockerCli.

One object holds the endpoint (protocol, address, scheme, TLS), the config file, the standard
streams with their TTY state and the Engine client; ``cmd()`` resolves a typed line to a
``cmd_*`` method by name, two words before one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dshell.commands.base import UnknownCommand
from dshell.commands.build import BuildCommands
from dshell.commands.containers import ContainerCommands
from dshell.commands.contexts import ContextCommands
from dshell.commands.declare import Registry, collect, method_name
from dshell.commands.helptext import command_help
from dshell.commands.images import ImageCommands
from dshell.commands.networks import NetworkCommands
from dshell.commands.parse import HelpRequested, UsageError, parse_args
from dshell.commands.registry import RegistryCommands
from dshell.commands.running import RunCommands
from dshell.commands.shell import SessionExit, ShellCommands
from dshell.commands.system import SystemCommands
from dshell.commands.volumes import VolumeCommands
from dshell.engine.client import EngineClient
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

__all__ = ["DockerSession", "SessionExit"]


class DockerSession(
    ShellCommands,
    SystemCommands,
    RunCommands,
    ContainerCommands,
    ImageCommands,
    BuildCommands,
    RegistryCommands,
    NetworkCommands,
    VolumeCommands,
    ContextCommands,
):
    """A persistent session with one Engine."""

    registry: Registry

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
        self._client: EngineClient | None = None
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
            self._endpoint, self._client = endpoint, EngineClient(endpoint)

    @property
    def endpoint(self) -> Endpoint:
        if self._endpoint is None:
            raise self.endpoint_error or EndpointError("no endpoint")
        return self._endpoint

    @property
    def client(self) -> EngineClient:
        if self._client is None:
            raise self.endpoint_error or EndpointError("no endpoint")
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
        for size in (2, 1):
            if len(words) >= size:
                method = getattr(self, method_name(words[:size]), None)
                if method is not None and hasattr(method, "__command__"):
                    return method, size
        return None, 0

    def cmd(self, argv: list[str]) -> int:
        """Run one command line (already split into words); return its exit status.

        Raises SessionExit for ``exit``; everything else ends as a message and a status.
        """
        if not argv:
            return 0
        method, used = self.get_method(argv)
        if method is None:
            return self.unknown_command(argv[0])
        declared = method.__command__
        try:
            opts = parse_args(declared, argv[used:])
        except HelpRequested as request:
            self.stdout.write(command_help(request.command))
            return 0
        except UsageError as exc:
            self.err(str(exc))
            return exc.status
        try:
            status = method(opts)
        except UnknownCommand as exc:
            return self.unknown_command(str(exc))
        except (EngineError, RenderError) as exc:
            self.err(str(exc))
            return 1
        finally:
            self.stdout.flush()
        return 0 if status is None else status

    def unknown_command(self, name: str) -> int:
        self.err(f"Error: Command not found: {name}")
        self.err("Type 'help' for the list of commands, 'COMMAND --help' for one command.")
        return 1

    def print_group_help(self, cmd) -> None:  # noqa: ANN001
        self.stdout.write(command_help(cmd))

    def switch_endpoint(self, endpoint: Endpoint) -> None:
        """Talk to another Engine from now on (``context use``): a new client with its own
        transport and TLS settings replaces the old one, which is closed; listeners follow."""
        old = self._client
        self._endpoint, self._client = endpoint, EngineClient(endpoint)
        self.endpoint_error = None
        if old is not None:
            old.close()
        for listener in list(self.endpoint_listeners):
            listener(endpoint)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _install_aliases(cls: type) -> None:
    """Make every declared alias reachable by name too (``cmd_ps`` is ``cmd_container_ls``)."""
    commands = collect(cls)
    for declared in commands:
        method = getattr(cls, declared.method)
        for words in declared.aliases:
            setattr(cls, method_name(words), method)
    cls.registry = Registry(commands)


_install_aliases(DockerSession)
