"""The shell's own commands: help and exit."""

from __future__ import annotations

from dshell.commands.base import CommandBase
from dshell.commands.declare import Arg, command
from dshell.commands.helptext import command_help, overview


class SessionExit(Exception):
    """``exit``/``quit``: leave the shell with ``status``."""

    def __init__(self, status: int = 0) -> None:
        super().__init__(status)
        self.status = status


class ShellCommands(CommandBase):
    @command(
        "Show the commands, or the help of one command",
        args=[Arg("COMMAND", kind="command", many=True, optional=True)],
        group="Shell Commands",
    )
    def cmd_help(self, opts) -> int:  # noqa: ANN001
        if not opts.args:
            self.stdout.write(overview(self.registry))
            return 0
        cmd, used = self.registry.lookup(opts.args)
        if cmd is None or used < len(opts.args):
            self.err(f"Error: Command not found: {' '.join(opts.args)}")
            return 1
        self.stdout.write(command_help(cmd))
        return 0

    @command(
        "Leave the shell",
        aliases=["quit"],
        args=[Arg("STATUS", optional=True)],
        group="Shell Commands",
    )
    def cmd_exit(self, opts) -> int:  # noqa: ANN001
        status = 0
        if opts.args:
            try:
                status = int(opts.args[0]) & 0xFF
            except ValueError:
                self.err(f"exit: {opts.args[0]}: numeric argument required")
                status = 2
        raise SessionExit(status)
