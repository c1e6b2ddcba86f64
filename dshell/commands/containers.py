"""Container commands (``container …`` and their top-level shortcuts)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import FORMAT_HELP, FORMAT_HELP_NO_TABLE, Arg, Flag, command


class ContainerCommands(CommandBase):
    cmd_container = management("container", "Manage containers")

    @command(
        "List containers",
        aliases=["container list", "container ps", "ps"],
        group="Common Commands",
        flags=[
            Flag("all", "Show all containers (default shows just running)", short="a"),
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:container"),
            Flag("format", FORMAT_HELP, type="string", kind="format:container"),
            Flag("last", "Show n last created containers (includes all states)", short="n",
                 type="int", default=-1),
            Flag("latest", "Show the latest created container (includes all states)",
                 short="l"),
            Flag("no-trunc", "Don't truncate output"),
            Flag("quiet", "Only display container IDs", short="q"),
            Flag("size", "Display total file sizes", short="s"),
        ],
    )  # fmt: skip
    def cmd_container_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.containers import (
            IGNORED_FORMAT_WARNING,
            container_format,
            container_list_size,
            render_containers,
        )

        if opts.quiet and opts.format:
            self.err(IGNORED_FORMAT_WARNING)
        config_format = self.config.ps_format
        size = container_list_size(
            opts.format, config_format, opts.quiet, opts.size if "size" in opts.given else None
        )
        fmt = container_format(opts.format, config_format, opts.quiet, size)
        limit = 1 if opts.latest else opts.last
        params = {
            "all": opts.all or limit > 0,
            "limit": limit if limit > 0 else None,
            "size": size,
            "filters": filters_param(opts.filter),
        }
        containers = self.client.get_json("/containers/json", params)
        self.stdout.write(render_containers(containers, fmt, trunc=not opts.no_trunc))
        return 0

    @command(
        "Display detailed information on one or more containers",
        flags=[
            Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string", kind="format"),
            Flag("size", "Display total file sizes", short="s"),
        ],
        args=[Arg("CONTAINER", kind="container:all", many=True)],
    )
    def cmd_container_inspect(self, opts) -> int:  # noqa: ANN001
        return self.print_inspect(opts.args, opts.format, self.raw_getter("container", opts.size))
