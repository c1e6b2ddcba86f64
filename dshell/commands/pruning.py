"""docker's yes/no confirmation and the shape of every ``X prune`` report; ``builder
prune`` (mixed into build.py's BuildCommands, which has ``builder build``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import Flag, command
from dshell.commands.parse import UsageError
from dshell.records import replace

if TYPE_CHECKING:
    from dshell.streams import Stream

DANGLING_CACHE_WARNING = (
    "WARNING! This will remove all dangling build cache. Are you sure you want to continue?"
)
ALL_CACHE_WARNING = "WARNING! This will remove all build cache. Are you sure you want to continue?"


def confirm(stdin: Stream, stdout: Stream, message: str) -> bool:
    """docker's ``prompt.Confirm``: ``message [y/N] `` on stdout, one line from stdin; only
    ``y``/``Y`` agree. End of input or Ctrl-C is a no."""
    stdout.write(f"{message} [y/N] ")
    stdout.flush()
    try:
        answer = stdin.handle.readline()
    except (KeyboardInterrupt, OSError, ValueError):
        return False
    return answer.strip().lower() == "y"


def deleted_list(title: str, names: list[str] | None) -> str:
    """``Deleted Networks:\\nname\\n`` (empty when nothing was deleted)."""
    if not names:
        return ""
    return f"{title}:\n" + "".join(f"{name}\n" for name in names)


def prune_filters(values: list[str], config_filters: list[str] | None = None) -> list[str]:
    """``--filter`` values plus config.json's ``pruneFilters`` (docker's ``PruneFilters``)."""
    merged = list(values)
    for item in config_filters or []:
        key = item.partition("=")[0]
        if key in ("label", "label!"):
            merged.append(item)
        elif not any(v.partition("=")[0] == key for v in values):
            merged.append(item)
    return merged


def _builder_group():  # noqa: ANN202
    run = management("builder", "Manage builds")
    run.__command__ = replace(run.__command__, min_api="1.31")  # docker's annotation
    return run


class BuilderCommands(CommandBase):
    """``builder`` and ``builder prune`` (docker/cli's cli/command/builder)."""

    cmd_builder = _builder_group()

    @command(
        "Remove build cache",
        usage="",
        flags=[
            Flag("all", "Remove all unused build cache, not just dangling ones", short="a"),
            Flag("filter", 'Provide filter values (e.g. "until=24h")', type="filter"),
            Flag("force", "Do not prompt for confirmation", short="f"),
            Flag("keep-storage", "Amount of disk space to keep for cache", type="bytes"),
        ],
        min_api="1.39",
    )
    def cmd_builder_prune(self, opts) -> int:  # noqa: ANN001
        """docker's runPrune: confirm (a no ends quietly with status 0), then
        ``POST /build/prune`` with config.json's pruneFilters merged in."""
        from dshell.commands.run_options import parse_bytes
        from dshell.render.units import human_size

        keep = 0
        if opts.keep_storage is not None:
            try:
                keep = parse_bytes(opts.keep_storage)
            except ValueError as exc:
                message = f'invalid argument "{opts.keep_storage}" for "--keep-storage" flag'
                raise UsageError(f"{message}: {exc}", opts.command) from None
        warning = ALL_CACHE_WARNING if opts.all else DANGLING_CACHE_WARNING
        if not opts.force and not confirm(self.stdin, self.stdout, warning):
            return 0
        merged = prune_filters(opts.filter, self.config.get("pruneFilters"))
        params = {"all": opts.all, "keep-storage": keep or None,
                  "filters": filters_param(merged)}  # fmt: skip
        report = self.client.post_json("/build/prune", params=params) or {}
        output = deleted_list("Deleted build cache objects", report.get("CachesDeleted"))
        if output:
            self.out(output)
        self.out(f"Total reclaimed space: {human_size(report.get('SpaceReclaimed') or 0)}")
        return 0
