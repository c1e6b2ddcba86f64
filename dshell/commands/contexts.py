"""Context commands: docker's context store."""

from __future__ import annotations

from dshell.commands.base import CommandBase


class ContextCommands(CommandBase):
    pass
