"""Image build (classic builder)."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class BuildCommands(CommandBase):
    pass
