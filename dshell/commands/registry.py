"""Login, logout and search: talking to registries."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class RegistryCommands(CommandBase):
    pass
