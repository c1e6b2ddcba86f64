"""``checkpoint …``: container checkpoints (docker/cli's cli/command/checkpoint;
experimental daemons with CRIU)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, management


class CheckpointCommands(CommandBase):
    cmd_checkpoint = management("checkpoint", "Manage checkpoints")
