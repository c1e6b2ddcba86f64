"""Volume commands."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class VolumeCommands(CommandBase):
    pass
