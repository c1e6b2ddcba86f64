"""``plugin …``: the Engine's managed plugins (docker/cli's cli/command/plugin)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, management


class PluginCommands(CommandBase):
    cmd_plugin = management("plugin", "Manage plugins")
