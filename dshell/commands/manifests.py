"""``manifest …``: local manifest lists and the registry's manifests (docker/cli's
cli/command/manifest)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, management


class ManifestCommands(CommandBase):
    cmd_manifest = management("manifest", "Manage Docker image manifests and manifest lists")
