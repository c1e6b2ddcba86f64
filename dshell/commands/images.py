"""Image commands (``image …`` and their top-level shortcuts)."""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import FORMAT_HELP, FORMAT_HELP_NO_TABLE, Arg, Flag, command


class ImageCommands(CommandBase):
    cmd_image = management("image", "Manage images")

    @command(
        "List images",
        aliases=["image list", "images"],
        group="Common Commands",
        usage="[OPTIONS] [REPOSITORY[:TAG]]",
        args=[Arg("REPOSITORY[:TAG]", kind="image", optional=True)],
        flags=[
            Flag("all", "Show all images (default hides intermediate images)", short="a"),
            Flag("digests", "Show digests"),
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:image"),
            Flag("format", FORMAT_HELP, type="string", kind="format:image"),
            Flag("no-trunc", "Don't truncate output"),
            Flag("quiet", "Only show image IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_image_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.images import image_format, render_images

        fmt = image_format(opts.format, self.config.images_format, opts.quiet, opts.digests)
        filters = list(opts.filter)
        if opts.args:
            filters.append(f"reference={opts.args[0]}")
        params = {"all": opts.all, "filters": filters_param(filters)}
        images = self.client.get_json("/images/json", params)
        self.stdout.write(render_images(images, fmt, trunc=not opts.no_trunc, digests=opts.digests))
        return 0

    @command(
        "Display detailed information on one or more images",
        flags=[Flag("format", FORMAT_HELP_NO_TABLE, short="f", type="string", kind="format")],
        args=[Arg("IMAGE", kind="image", many=True)],
    )
    def cmd_image_inspect(self, opts) -> int:  # noqa: ANN001
        return self.print_inspect(opts.args, opts.format, self.raw_getter("image"))
