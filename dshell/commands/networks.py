"""Network commands."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class NetworkCommands(CommandBase):
    pass
