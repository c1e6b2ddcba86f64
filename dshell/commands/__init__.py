"""The ``cmd_*`` methods, one mixin per resource group, mixed into ``DockerSession``.

A command module is imported the first time one of its names is looked up (``ps`` imports
``containers`` and no other command module), so a short command line starts fast. Which module
provides which name is read from ``index.py``, generated from the mixins themselves.

To add a command module: write ``dshell/commands/NAME.py`` with a ``CommandBase`` subclass,
add its line to ``MIXINS`` below, and run ``python -m dshell.commands.make_index`` (also after
adding or renaming a command or a helper method; tests/unit/test_command_index.py fails until
the index is regenerated).
"""

#: (module, class) of every command mixin, in the order the session's MRO takes them: a name
#: two mixins define resolves to the earlier one.
MIXINS: tuple[tuple[str, str], ...] = (
    ("dshell.commands.shell", "ShellCommands"),
    ("dshell.commands.system", "SystemCommands"),
    ("dshell.commands.running", "RunCommands"),
    ("dshell.commands.containers", "ContainerCommands"),
    ("dshell.commands.logs", "LogsCommands"),
    ("dshell.commands.stats", "StatsCommands"),
    ("dshell.commands.copying", "CopyCommands"),
    ("dshell.commands.images", "ImageCommands"),
    ("dshell.commands.build", "BuildCommands"),
    ("dshell.commands.registry", "RegistryCommands"),
    ("dshell.commands.networks", "NetworkCommands"),
    ("dshell.commands.volumes", "VolumeCommands"),
    ("dshell.commands.contexts", "ContextCommands"),
    ("dshell.commands.services", "ServiceCommands"),
    ("dshell.commands.swarm", "SwarmCommands"),
    ("dshell.commands.nodes", "NodeCommands"),
    ("dshell.commands.secrets", "SecretCommands"),
    ("dshell.commands.stacks", "StackCommands"),
    ("dshell.commands.manifests", "ManifestCommands"),
    ("dshell.commands.plugins", "PluginCommands"),
    ("dshell.commands.checkpoints", "CheckpointCommands"),
    ("dshell.commands.trust", "TrustCommands"),
)
