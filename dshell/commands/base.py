"""What every command mixin may rely on from the session it is mixed into."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from dshell.commands.declare import Command, command
from dshell.engine.errors import EngineError
from dshell.engine.urls import quote

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

    def write_binary(self, chunks: Iterable[bytes]) -> None:
        """Raw bytes (an archive) on stdout's binary side, after the text written so far."""
        self.stdout.flush()
        sink = self.stdout.buffer
        for chunk in chunks:
            sink.write(chunk)
        sink.flush()

    def for_each(
        self,
        names: list[str],
        action: Callable[[str], str | None],
        failures: tuple[type[Exception], ...] = (EngineError,),
    ) -> int:
        """docker's pattern for a command on several objects: each success on stdout as it
        happens (what ``action`` returns, else the name as given), then every failure on
        stderr; status 1 if any failed."""
        errors = []
        for name in names:
            try:
                shown = action(name)
            except failures as exc:
                errors.append(str(exc))
                continue
            self.out(name if shown is None else shown)
            self.stdout.flush()
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def print_group_help(self, cmd: Command) -> None:
        """Implemented by the session (it owns the registry)."""
        raise NotImplementedError

    def print_help(self, cmd: Command, invoked: tuple[str, ...] | None = None) -> None:
        """Implemented by the session: docker's help for ``cmd`` as ``invoked``."""
        raise NotImplementedError


def management(words: str, summary: str, usage: str | None = None,  # noqa: ANN201
               group: str = "Management Commands"):  # fmt: skip
    """A management command (``container``, ``image``...; ``group`` "Swarm Commands" for
    ``swarm``, ``node``…): alone it prints its subcommands (on standard error, as docker);
    with an unknown subcommand it is an unknown command. ``usage``: what docker's ``Use``
    has after the name (``volume COMMAND``, ``stack [OPTIONS]``), for usage errors."""

    def run(self: CommandBase, opts) -> int:  # noqa: ANN001
        if opts.args:
            raise UnknownCommand(f"{opts.command.name} {opts.args[0]}")
        self.print_group_help(opts.command)
        return 0

    run.__name__ = "cmd_" + words.replace(" ", "_")
    return command(summary, group=group, usage=usage)(run)


class SessionExit(Exception):
    """``exit``/``quit``: leave the shell with ``status``. (Here, not in ``shell``, so the
    modes can catch it without importing a command module.)"""

    def __init__(self, status: int = 0) -> None:
        super().__init__(status)
        self.status = status


class UnknownCommand(Exception):
    """Raised for words that name no command; the session prints docker-shell's message."""


def path_segment(name: str) -> str:
    """A user-given name or ID as one segment of an API path (``/`` quoted too). Bytes that
    are not UTF-8 (surrogate escapes from argv or a script) go out as themselves, %-encoded,
    as Go's url.PathEscape sends them."""
    return quote(name, safe="")


def key_values(values: list[str]) -> dict[str, str]:
    """``k=v`` flags as a map; a bare ``k`` maps to "" (docker's MapOpts/ConvertKVStrings)."""
    result: dict[str, str] = {}
    for value in values:
        key, _, val = value.partition("=")
        result[key] = val
    return result


def filters_param(values: list[str]) -> str | None:
    """``-f key=value`` flags as the API's ``filters`` JSON (``{"key": {"value": true}}``)."""
    if not values:
        return None
    grouped: dict[str, dict[str, bool]] = {}
    for value in values:
        key, _, val = value.partition("=")
        grouped.setdefault(key.strip().lower(), {})[val] = True
    return json.dumps(grouped, separators=(",", ":"))
