"""``checkpoint …``: container checkpoints (docker/cli's cli/command/checkpoint;
experimental daemons with CRIU).

docker annotates the whole group experimental, Linux-only and API 1.25: against any other
daemon its help leaves it out and every use of it is refused (declare.ServerFeatures).
"""

from __future__ import annotations

from dshell.commands.base import CommandBase, management, path_segment
from dshell.commands.declare import Arg, Flag, command
from dshell.records import replace

#: docker's annotations on the checkpoint command, repeated on each subcommand so that the
#: refusal names the command typed, as areSubcommandsSupported's walk up to the group does.
ANNOTATIONS = {"experimental": True, "os_type": "linux", "min_api": "1.25"}
DIR_FLAG = Flag("checkpoint-dir", "Use a custom checkpoint storage directory", type="string",
                kind="path:dir")  # fmt: skip


def _annotated_group():  # noqa: ANN202
    run = management("checkpoint", "Manage checkpoints")
    run.__command__ = replace(run.__command__, **ANNOTATIONS)
    return run


class CheckpointCommands(CommandBase):
    cmd_checkpoint = _annotated_group()

    @command(
        "Create a checkpoint from a running container",
        flags=[DIR_FLAG,
               Flag("leave-running", "Leave the container running after checkpoint")],
        args=[Arg("CONTAINER", kind="container:running"), Arg("CHECKPOINT")],
        **ANNOTATIONS,
    )  # fmt: skip
    def cmd_checkpoint_create(self, opts) -> int:  # noqa: ANN001
        container, checkpoint = opts.args
        self.client.post_json(
            f"/containers/{path_segment(container)}/checkpoints",
            body={"CheckpointID": checkpoint, "CheckpointDir": opts.checkpoint_dir or "",
                  "Exit": not opts.leave_running})  # fmt: skip
        self.out(checkpoint)
        return 0

    @command(
        "List checkpoints for a container",
        aliases=["checkpoint list"],
        flags=[DIR_FLAG],
        args=[Arg("CONTAINER", kind="container")],
        **ANNOTATIONS,
    )
    def cmd_checkpoint_ls(self, opts) -> int:  # noqa: ANN001
        """docker's ``table {{.Name}}``: one column, so the rows are the names as they are."""
        listed = self.client.get_json(
            f"/containers/{path_segment(opts.args[0])}/checkpoints",
            params={"dir": opts.checkpoint_dir or None}) or []  # fmt: skip
        self.out("CHECKPOINT NAME")
        for checkpoint in listed:
            self.out(checkpoint.get("Name", ""))
        return 0

    @command(
        "Remove a checkpoint",
        aliases=["checkpoint remove"],
        flags=[DIR_FLAG],
        args=[Arg("CONTAINER", kind="container"), Arg("CHECKPOINT")],
        **ANNOTATIONS,
    )
    def cmd_checkpoint_rm(self, opts) -> int:  # noqa: ANN001
        container, checkpoint = opts.args
        self.client.request(
            "DELETE",
            f"/containers/{path_segment(container)}/checkpoints/{path_segment(checkpoint)}",
            params={"dir": opts.checkpoint_dir or None})  # fmt: skip
        return 0
