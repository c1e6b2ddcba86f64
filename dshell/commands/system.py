"""version, info, and the generic inspect."""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param, management
from dshell.commands.declare import (
    FORMAT_HELP,
    FORMAT_HELP_NO_TABLE,
    INSPECT_FORMAT_FLAG,
    Arg,
    Flag,
    command,
)
from dshell.engine.errors import APIError, EngineError, NotFound

INSPECT_TYPES = (
    "config", "container", "image", "network", "node", "plugin", "secret", "service", "task",
    "volume",
)  # fmt: skip


class SystemCommands(CommandBase):
    cmd_system = management("system", "Manage Docker")

    @command(
        "Show the Docker version information",
        flags=[INSPECT_FORMAT_FLAG],
        group="Common Commands",
    )
    def cmd_version(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.client import NEWEST_API_VERSION
        from dshell.render import gotemplate
        from dshell.render.version import render_version, version_data

        server, error = None, None
        try:
            server = self.client.get_json("/version")
            api_version = self.client.api_version
        except EngineError as exc:
            error = exc
            api_version = self.client.pinned_version or NEWEST_API_VERSION
        data = version_data(
            server,
            api_version=api_version,
            default_api_version=NEWEST_API_VERSION,
            context=self.endpoint.context,
        )
        try:
            self.stdout.write(render_version(data, opts.format))
        except gotemplate.TemplateError as exc:
            if error is None or getattr(exc, "exit_status", 1) == 64:
                return self.template_error(exc)
            # docker: the daemon's error wins over the template's (which ran on no Server)
            self.stdout.write(getattr(exc, "output", ""))
        if error is not None:
            self.err(str(error))
            return 1
        return 0

    @command(
        "Display system-wide information",
        flags=[INSPECT_FORMAT_FLAG],
        aliases=["system info"],
        group="Common Commands",
    )
    def cmd_info(self, opts) -> int:  # noqa: ANN001
        from dshell.engine.client import NEWEST_API_VERSION
        from dshell.render import gotemplate
        from dshell.render.info import info_client, render_info

        info, error = None, None
        try:
            info = self.client.get_json("/info")
        except EngineError as exc:
            error = exc
        client = info_client(
            context=self.endpoint.context,
            debug=bool(getattr(self, "debug", False)),
            default_api_version=NEWEST_API_VERSION,
        )
        try:
            out, err = render_info(info, client, opts.format, username=self.config.index_username)
        except gotemplate.TemplateError as exc:
            return self.template_error(exc)
        self.stdout.write(out)
        self.stderr.write(err)
        if error is not None:
            self.err(str(error))
            return 1
        return 0

    @command(
        "Show docker disk usage",
        name="system df",
        flags=[
            Flag("format", FORMAT_HELP, type="string", kind="format:df"),
            Flag("verbose", "Show detailed information on space usage", short="v"),
        ],
    )  # fmt: skip
    def cmd_system_df(self, opts) -> int:  # noqa: ANN001
        from dshell.render.df import render_disk_usage

        usage = self.client.get_json("/system/df")
        self.stdout.write(render_disk_usage(usage, opts.format, opts.verbose))
        return 0

    @command(
        "Get real time events from the server",
        aliases=["system events"],
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:event"),
            Flag("format", FORMAT_HELP_NO_TABLE, type="string", kind="format:event"),
            Flag("since", "Show all events created since timestamp", type="string"),
            Flag("until", "Stream events until this timestamp", type="string"),
        ],
    )  # fmt: skip
    def cmd_events(self, opts) -> int:  # noqa: ANN001
        """Streams until ``--until`` passes or Ctrl-C, which ends only this command."""
        from dshell.engine.streams import body_chunks, iter_json_objects
        from dshell.render.events import EventFormatParseError, EventPrinter, timestamp_param

        try:
            printer = EventPrinter(opts.format)
        except EventFormatParseError as exc:
            self.err(str(exc))
            return 64
        params = {
            "since": timestamp_param(opts.since) if opts.since else None,
            "until": timestamp_param(opts.until) if opts.until else None,
            "filters": filters_param(opts.filter),
        }
        response = self.client.request("GET", "/events", params=params, stream=True)
        try:
            for event in iter_json_objects(body_chunks(response)):
                self.stdout.write(printer.render(event))
                self.stdout.flush()
        except KeyboardInterrupt:
            return 130
        finally:
            response.close()
        return 0

    @command(
        "Remove unused data",
        name="system prune",
        flags=[
            Flag("all", "Remove all unused images not just dangling ones", short="a"),
            Flag("filter", 'Provide filter values (e.g. "label=<key>=<value>")', type="filter",
                 kind="filter:prune"),
            Flag("force", "Do not prompt for confirmation", short="f"),
            Flag("volumes", "Prune anonymous volumes"),
        ],
    )  # fmt: skip
    def cmd_system_prune(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.pruning import confirm, deleted_list, prune_filters
        from dshell.render.units import human_size

        if opts.volumes and any(f.partition("=")[0].strip().lower() == "until"
                                for f in opts.filter):
            self.err('ERROR: The "until" filter is not supported with "--volumes"')
            return 1
        merged = prune_filters(opts.filter, self.config.get("pruneFilters"))
        if not opts.force and not confirm(self.stdin, self.stdout,
                                          system_prune_warning(opts, merged)):
            return 0
        filters = filters_param(merged)
        reclaimed = 0
        report = self.client.post_json("/containers/prune", params={"filters": filters}) or {}
        reclaimed += report.get("SpaceReclaimed") or 0
        self._print_report(deleted_list("Deleted Containers", report.get("ContainersDeleted")))
        self._print_report(self.prune_networks(opts.filter))
        if opts.volumes:
            volume_reclaimed, output = self.prune_volumes(opts.filter)
            reclaimed += volume_reclaimed
            self._print_report(output)
        image_filters = list(merged) + [f"dangling={'false' if opts.all else 'true'}"]
        report = self.client.post_json(
            "/images/prune", params={"filters": filters_param(image_filters)}) or {}
        reclaimed += report.get("SpaceReclaimed") or 0
        lines = []
        for item in report.get("ImagesDeleted") or []:
            if item.get("Untagged"):
                lines.append(f"untagged: {item['Untagged']}")
            if item.get("Deleted"):
                lines.append(f"deleted: {item['Deleted']}")
        self._print_report(deleted_list("Deleted Images", lines))
        cache_params = {"filters": filters, "all": opts.all}
        report = self.client.post_json("/build/prune", params=cache_params) or {}
        reclaimed += report.get("SpaceReclaimed") or 0
        self._print_report(deleted_list("Deleted build cache objects",
                                        report.get("CachesDeleted")))
        self.out(f"Total reclaimed space: {human_size(reclaimed)}")
        return 0

    def _print_report(self, output: str) -> None:
        if output:
            self.out(output)

    def template_error(self, exc: Exception) -> int:
        """version/info: what docker printed before the failure, the message, its status."""
        self.stdout.write(getattr(exc, "output", ""))
        self.err(str(exc))
        return getattr(exc, "exit_status", 1)

    @command(
        "Return low-level information on Docker objects",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("size", "Display total file sizes if the type is container", short="s"),
            Flag("type", "Only inspect objects of the given type", type="string",
                 kind="choice:" + "|".join(INSPECT_TYPES)),
        ],
        args=[Arg("NAME|ID", kind="object", many=True)],
    )  # fmt: skip
    def cmd_inspect(self, opts) -> int:  # noqa: ANN001
        if opts.type and opts.type not in INSPECT_TYPES:
            quoted = ", ".join(f'"{t}"' for t in INSPECT_TYPES)
            self.err(f'unknown type: "{opts.type}": must be one of {quoted}')
            return 1
        found: list[str] = []
        getter = self._typed_getter(opts.type, opts.size, found) if opts.type else \
            self._any_getter(opts.size, found)  # fmt: skip
        if opts.format and opts.format != "json":
            return print_typed_inspect(self, opts.args, opts.format, getter, found)
        return self.print_inspect(opts.args, opts.format, getter)

    def print_inspect(self, references: list[str], fmt: str | None, getter,  # noqa: ANN001
                      kind: str = "") -> int:  # fmt: skip
        """Shared by every ``X inspect``: docker's output, errors and statuses. ``kind``: the
        objects' type, for templates that run on the typed value first."""
        from dshell.commands.inspecting import TemplateParseError, inspect_references

        try:
            out, errors = inspect_references(references, fmt, getter, kind)
        except TemplateParseError as exc:
            self.err(str(exc))
            return 64
        self.stdout.write(out)
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def raw_getter(self, kind: str, size: bool = False):  # noqa: ANN201
        """A function fetching one object of ``kind`` as the daemon's raw JSON."""
        from dshell.engine.urls import quote

        paths = {
            "container": ("/containers/{}/json", {"size": size}),
            "image": ("/images/{}/json", None),
            "network": ("/networks/{}", None),
            "volume": ("/volumes/{}", None),
            "plugin": ("/plugins/{}/json", None),
            "config": ("/configs/{}", None),
            "secret": ("/secrets/{}", None),
            "service": ("/services/{}", {"insertDefaults": "true"}),  # as docker's inspect
            "task": ("/tasks/{}", None),
            "node": ("/nodes/{}", None),
        }
        template, params = paths[kind]

        def get(reference: str) -> bytes:
            return self.client.get_raw(template.format(quote(reference, safe="")), params)

        return get

    def _typed_getter(self, kind: str, size: bool, found: list[str] | None = None):  # noqa: ANN202
        """``--type``: that type only, its errors as they come. The kind of each object got
        is appended to ``found``."""
        fetch = self.raw_getter(kind, size)

        def get(reference: str) -> bytes:
            raw = fetch(reference)
            if size and kind != "container":
                self.err(f"WARNING: --size ignored for {kind}")
            if found is not None:
                found.append(kind)
            return raw

        return get

    def _any_getter(self, size: bool, found: list[str] | None = None):  # noqa: ANN202
        """docker's inspectAll: each type in its order; the swarm's only when ``/info`` says
        this Engine is a swarm manager (asked once per reference, when a swarm type is
        next); a missing object moves on to the next type."""
        from dshell.commands.inspecting import ObjectNotFound

        def get(reference: str) -> bytes:
            manager = None
            for kind in AUTODETECT_ORDER:
                if kind in SWARM_TYPES:
                    if manager is None:
                        manager = swarm_manager(self)
                    if not manager:
                        continue
                try:
                    raw = self.raw_getter(kind, size and kind == "container")(reference)
                except APIError as exc:
                    if skippable(exc):
                        continue
                    raise
                if size and kind != "container":
                    self.err(f"WARNING: --size ignored for {kind}")
                if found is not None:
                    found.append(kind)
                return raw
            raise ObjectNotFound(reference)

        return get


#: The order docker's ``inspect`` tries the types in (cli/command/system/inspect.go).
AUTODETECT_ORDER = ("container", "image", "network", "volume", "service", "task", "node",
                    "plugin", "secret", "config")  # fmt: skip
SWARM_TYPES = frozenset({"service", "task", "node", "secret", "config"})


def swarm_manager(session: CommandBase) -> bool:
    """docker's isSwarmManager: ``/info``'s Swarm.ControlAvailable; a failure is printed and
    counts as no."""
    import json

    try:
        info = json.loads(session.client.get_raw("/info"))
    except (EngineError, ValueError) as exc:
        session.err(str(exc))
        return False
    return bool(((info or {}).get("Swarm") or {}).get("ControlAvailable"))


#: The top-level fields of the Go structs docker decodes a service and a task into (their
#: embedded Meta and Annotations flattened), for templates that run on the typed value.
SWARM_STRUCTS = {
    "service": ("swarm.Service", ("ID", "Version", "CreatedAt", "UpdatedAt", "Spec",
                                  "PreviousSpec", "Endpoint", "UpdateStatus", "ServiceStatus",
                                  "JobStatus")),
    "task": ("swarm.Task", ("ID", "Version", "CreatedAt", "UpdatedAt", "Name", "Labels", "Spec",
                            "ServiceID", "Slot", "NodeID", "Status", "DesiredState",
                            "NetworksAttachments", "GenericResources", "JobIteration",
                            "Volumes")),
}  # fmt: skip


def swarm_typed(obj: dict, kind: str):  # noqa: ANN201
    """A swarm object as docker's ``inspect`` hands it to a template first: the Go struct
    (times as Go times, the version as its index, an unknown field an error)."""
    from dshell.render.swarm import TYPED_FIELDS, TypedObject

    type_name, fields = SWARM_STRUCTS.get(kind) or TYPED_FIELDS[kind]
    return TypedObject(obj, type_name, fields)


def print_typed_inspect(session: CommandBase, references: list[str], fmt: str, getter,  # noqa: ANN001
                        found: list[str]) -> int:  # fmt: skip
    """docker's TemplateInspector: the template runs on the typed object first, then on the
    raw JSON with missingkey=error. Only swarm objects differ typed (Go times, versions);
    the others run on their JSON as every inspect does."""
    import json

    from dshell.commands.inspecting import (
        InspectElementError,
        ObjectNotFound,
        TemplateParseError,
        make_inspector,
        typed_name,
    )
    from dshell.render import gotemplate

    try:
        inspector = make_inspector(fmt)
    except TemplateParseError as exc:
        session.err(str(exc))
        return 64
    errors = []
    for reference in references:
        try:
            raw = getter(reference)
            kind = found[-1] if found else ""
            if kind in SWARM_TYPES:
                try:
                    text = inspector.typed_template.execute(swarm_typed(json.loads(raw), kind))
                except gotemplate.TemplateError:
                    pass
                else:
                    inspector.chunks.append(text + "\n")
                    continue
            inspector.typed = typed_name(fmt, kind)
            inspector.add(raw)
        except (EngineError, InspectElementError, ObjectNotFound) as exc:
            errors.append(str(exc))
    session.stdout.write(inspector.flush())
    for line in errors:
        session.err(line)
    return 1 if errors else 0


def skippable(exc: APIError) -> bool:
    """docker's isErrSkippable: not found, not supported, an invalid reference."""
    message = str(exc)
    return (isinstance(exc, NotFound) or exc.status == 400 or "not supported" in message
            or "invalid reference format" in message)  # fmt: skip


def system_prune_warning(opts, filters: list[str]) -> str:  # noqa: ANN001
    """docker's confirmation text for ``system prune`` and these options."""
    from dshell.render.listing import natural_less_key

    warnings = ["all stopped containers", "all networks not used by at least one container"]
    if opts.volumes:
        warnings.append("all anonymous volumes not used by at least one container")
    warnings.append("all images without at least one container associated to them"
                    if opts.all else "all dangling images")
    warnings.append("all build cache" if opts.all else "unused build cache")
    text = "WARNING! This will remove:" + "".join(f"\n  - {w}" for w in warnings) + "\n"
    shown = []
    for name in ("label", "label!", "until"):
        shown += [f"{name}={value.partition('=')[2]}" for value in filters
                  if value.partition("=")[0].strip().lower() == name]
    if shown:
        shown.sort(key=natural_less_key)
        text += "\n  Items to be pruned will be filtered with:"
        text += "".join(f"\n  - {item}" for item in shown) + "\n"
    return text + "\nAre you sure you want to continue?"
