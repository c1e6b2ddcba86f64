"""What every command mixin may rely on from the session it is mixed into."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from dshell.commands.declare import Command, command

if TYPE_CHECKING:
    from dshell.engine.client import EngineClient
    from dshell.engine.config import ConfigFile
    from dshell.engine.endpoint import Endpoint
    from dshell.streams import Stream


class CommandBase:
    """Attributes the session provides; helpers shared by the command modules."""

    stdin: Stream
    stdout: Stream
    stderr: Stream
    config: ConfigFile
    endpoint: Endpoint
    client: EngineClient

    def out(self, text: str = "", end: str = "\n") -> None:
        self.stdout.write(text + end)

    def err(self, text: str = "", end: str = "\n") -> None:
        self.stderr.write(text + end)

    def print_group_help(self, cmd: Command) -> None:
        """Implemented by the session (it owns the registry)."""
        raise NotImplementedError


def management(words: str, summary: str):  # noqa: ANN201 - returns a declared method
    """A management command (``container``, ``image``...): alone it prints its subcommands;
    with an unknown subcommand it is an unknown command."""

    def run(self: CommandBase, opts) -> int:  # noqa: ANN001
        if opts.args:
            raise UnknownCommand(f"{opts.command.name} {opts.args[0]}")
        self.print_group_help(opts.command)
        return 0

    run.__name__ = "cmd_" + words.replace(" ", "_")
    return command(summary, group="Management Commands", usage="COMMAND")(run)


class UnknownCommand(Exception):
    """Raised for words that name no command; the session prints docker-shell's message."""


def filters_param(values: list[str]) -> str | None:
    """``-f key=value`` flags as the API's ``filters`` JSON (``{"key": {"value": true}}``)."""
    if not values:
        return None
    grouped: dict[str, dict[str, bool]] = {}
    for value in values:
        key, _, val = value.partition("=")
        grouped.setdefault(key.strip().lower(), {})[val] = True
    return json.dumps(grouped, separators=(",", ":"))
