"""``container stats``: a live (or one-shot) table of container resource usage."""

from __future__ import annotations

from dshell.commands.base import CommandBase
from dshell.commands.declare import FORMAT_HELP, Arg, Flag, command


class StatsCommands(CommandBase):
    @command(
        "Display a live stream of container(s) resource usage statistics",
        aliases=["stats"],
        flags=[
            Flag("all", "Show all containers (default shows just running)", short="a"),
            Flag("format", FORMAT_HELP, type="string", kind="format:stats"),
            Flag("no-stream", "Disable streaming stats and only pull the first result"),
            Flag("no-trunc", "Do not truncate output"),
        ],
        args=[Arg("CONTAINER", kind="container:running|paused", many=True, optional=True)],
    )  # fmt: skip
    def cmd_container_stats(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.streams import UnexpectedEOF
        from dshell.render.container_views import render_stats, stats_format, stats_frame
        from dshell.render.stats import StatsCollector

        named = list(dict.fromkeys(opts.args))
        collector = StatsCollector(self.client, stream=not opts.no_stream)
        try:
            if named:
                for reference in named:
                    collector.add(reference)
                collector.wait_first()
                errors = collector.errors()
                if errors:
                    for line in errors:
                        self.err(line)
                    return 1
            else:
                collector.follow_list(show_all=opts.all)
                collector.wait_first()
            os_type = collector.os_type()
            fmt = stats_format(opts.format, self.config.get("statsFormat"), os_type)
            if opts.no_stream:
                entries = collector.snapshot()
                if entries:
                    self.stdout.write(render_stats(entries, fmt, os_type, not opts.no_trunc))
                return 0
            while True:
                collector.sleep(0.5)  # in slices: Ctrl-C is seen at once
                entries = collector.snapshot()
                table = render_stats(entries, fmt, os_type, not opts.no_trunc)
                self.stdout.write(stats_frame(table))
                self.stdout.flush()
                if not entries and named:
                    return 0
                if collector.events_error is not None:
                    # docker's words: "Suppress unexpected EOF errors so that it shuts down
                    # cleanly when the daemon restarts"; any other end is an error.
                    if isinstance(collector.events_error, UnexpectedEOF):
                        return 0
                    self.err(str(collector.events_error))
                    return 1
        finally:
            collector.close()
