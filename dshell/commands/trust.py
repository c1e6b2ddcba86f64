"""``trust …``: content trust with a Notary server (docker/cli's cli/command/trust)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, management


class TrustCommands(CommandBase):
    cmd_trust = management("trust", "Manage trust on Docker images")
