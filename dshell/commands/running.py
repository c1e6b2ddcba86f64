"""Run, create, exec, attach and start: the commands that connect a terminal to a container."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class RunCommands(CommandBase):
    pass
