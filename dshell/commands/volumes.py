"""``volume …``: list, create, inspect, remove, prune."""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param, key_values, management, path_segment
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.commands.pruning import confirm, deleted_list, prune_filters

ANONYMOUS_WARNING = (
    "WARNING! This will remove anonymous local volumes not used by at least one container.\n"
    "Are you sure you want to continue?"
)
ALL_WARNING = (
    "WARNING! This will remove all local volumes not used by at least one container.\n"
    "Are you sure you want to continue?"
)


#: docker's annotations on the cluster-volume flags and on ``volume update``.
CLUSTER = {"min_api": "1.42", "swarm": "manager"}
AVAILABILITY_FLAG = Flag("availability", 'Cluster Volume availability ("active", "pause", '
                         '"drain")', type="string", default="active",
                         kind="choice:active|pause|drain", **CLUSTER)  # fmt: skip
CLUSTER_FLAGS = (
    AVAILABILITY_FLAG,
    Flag("group", "Cluster Volume group (cluster volumes)", type="string", **CLUSTER),
    Flag("limit-bytes", "Minimum size of the Cluster Volume in bytes", type="bytes",
         **CLUSTER),
    Flag("required-bytes", "Maximum size of the Cluster Volume in bytes", type="bytes",
         **CLUSTER),
    Flag("scope", 'Cluster Volume access scope ("single", "multi")', type="string",
         default="single", kind="choice:single|multi", **CLUSTER),
    Flag("secret", "Cluster Volume secrets", type="map", shown_default="map[]", **CLUSTER),
    Flag("sharing", 'Cluster Volume access sharing ("none", "readonly", "onewriter", "all")',
         type="string", default="none", kind="choice:none|readonly|onewriter|all", **CLUSTER),
    Flag("topology-preferred", "A topology that the Cluster Volume would be preferred in",
         type="list", **CLUSTER),
    Flag("topology-required", "A topology that the Cluster Volume must be accessible from",
         type="list", **CLUSTER),
    Flag("type", 'Cluster Volume access type ("mount", "block")', type="string",
         default="block", kind="choice:mount|block", **CLUSTER),
)  # fmt: skip
#: What makes ``volume create`` a cluster volume (docker's hasClusterVolumeOptionSet; its
#: "secrets" names no flag, and the topologies alone do not count).
CLUSTER_MARKERS = ("group", "scope", "sharing", "availability", "type", "limit_bytes",
                   "required_bytes")  # fmt: skip


def _topologies(values: list[str]) -> list[dict]:
    """``segment=value,segment=value`` per flag, as docker splits them (unchecked)."""
    return [{"Segments": dict((*item.split("=", 1), "")[:2] for item in value.split(","))}
            for value in values]  # fmt: skip


def cluster_volume_spec(opts) -> dict:  # noqa: ANN001
    """docker's ClusterVolumeSpec for ``volume create`` (runCreate), as Go encodes it."""
    from dshell.commands.run_options import parse_bytes

    access: dict = {"Scope": opts.scope, "Sharing": opts.sharing}
    if opts.type == "mount":
        access["MountVolume"] = {}
    elif opts.type == "block":
        access["BlockVolume"] = {}
    capacity = {"RequiredBytes": parse_bytes(opts.required_bytes or "0"),
                "LimitBytes": parse_bytes(opts.limit_bytes or "0")}  # fmt: skip
    spec: dict = {"Group": opts.group, "AccessMode": access} if opts.group else \
        {"AccessMode": access}
    requirements = {"Requisite": _topologies(opts.topology_required),
                    "Preferred": _topologies(opts.topology_preferred)}  # fmt: skip
    spec["AccessibilityRequirements"] = {k: v for k, v in requirements.items() if v}
    spec["CapacityRange"] = capacity
    secrets = sorted(key_values(opts.secret).items())
    if secrets:
        spec["Secrets"] = [{"Key": key, "Secret": value} for key, value in secrets]
    spec["Availability"] = opts.availability
    return spec


class VolumeCommands(CommandBase):
    cmd_volume = management("volume", "Manage volumes", usage="COMMAND")

    @command(
        "List volumes",
        aliases=["volume list"],
        flags=[
            Flag("cluster", "Display only cluster volumes, and use cluster volume list "
                 "formatting", **CLUSTER),
            Flag("filter", 'Provide filter values (e.g. "dangling=true")', short="f",
                 type="filter", kind="filter:volume"),
            Flag("format", FORMAT_HELP, type="string", kind="format:volume"),
            Flag("quiet", "Only display volume names", short="q"),
        ],
    )  # fmt: skip
    def cmd_volume_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.volumes import render_volumes, volume_format

        if opts.cluster and not self.flag_supported("--cluster", "1.42"):
            return 1
        answer = self.client.get_json("/volumes", {"filters": filters_param(opts.filter)})
        volumes = answer.get("Volumes") or []
        if opts.cluster:
            volumes = [v for v in volumes if v.get("ClusterVolume") is not None]
            fmt = ("{{.Name}}" if opts.quiet else
                   "table {{.Name}}\t{{.Group}}\t{{.Driver}}\t{{.Availability}}\t{{.Status}}")
        else:
            fmt = volume_format(opts.format, str(self.config.get("volumesFormat") or ""),
                                opts.quiet)
        self.stdout.write(render_volumes(volumes, fmt))
        return 0

    @command(
        "Create a volume",
        flags=[
            Flag("driver", "Specify volume driver name", short="d", type="string",
                 default="local", kind="choice:local"),
            Flag("label", "Set metadata for a volume", type="list"),
            Flag("name", "Specify volume name", type="string", hidden=True),
            Flag("opt", "Set driver specific options", short="o", type="map",
                 shown_default="map[]"),
            *CLUSTER_FLAGS,
        ],
        args=[Arg("VOLUME", optional=True)],
    )  # fmt: skip
    def cmd_volume_create(self, opts) -> int:  # noqa: ANN001
        name = opts.name or ""
        if opts.args:
            if name:
                self.err("conflicting options: cannot specify a volume-name through both "
                         "--name and as a positional arg")
                return 1
            name = opts.args[0]
        for label in opts.label:
            if not label.partition("=")[0].strip():
                self.err(f'invalid argument "{label}" for "--label" flag: '
                         f"invalid label '{label}': empty name")
                return 125
        body = {  # docker's CreateOptions: every field omitted when empty
            "Name": name,
            "Driver": opts.driver,
            "DriverOpts": key_values(opts.opt),
            "Labels": key_values(opts.label),
        }
        body = {key: value for key, value in body.items() if value}
        if any(dest in opts.given for dest in CLUSTER_MARKERS):
            body["ClusterVolumeSpec"] = cluster_volume_spec(opts)
        created = self.client.post_json("/volumes/create", body=body) or {}
        self.out(created.get("Name", ""))
        return 0

    @command(
        "Update a volume (cluster volumes only)",
        flags=[AVAILABILITY_FLAG],
        args=[Arg("VOLUME", kind="volume", optional=True)],
        args_rule="ExactArgs(1)",
        **CLUSTER,
    )
    def cmd_volume_update(self, opts) -> int:  # noqa: ANN001
        """docker's runUpdate: only a cluster volume's availability can change, sent back
        with the rest of its spec at the version read."""
        volume = self.client.get_json(f"/volumes/{path_segment(opts.args[0])}")
        cluster = volume.get("ClusterVolume")
        if cluster is None:
            self.err("can only update cluster volumes")
            return 1
        spec = dict(cluster.get("Spec") or {})
        if "availability" in opts.given:
            spec["Availability"] = opts.availability
        self.client.request(
            "PUT", f"/volumes/{path_segment(cluster.get('ID', ''))}",
            params={"version": (cluster.get("Version") or {}).get("Index", 0)},
            json_body={"Spec": spec})  # fmt: skip
        return 0

    @command(
        "Display detailed information on one or more volumes",
        flags=[INSPECT_FORMAT_FLAG],
        args=[Arg("VOLUME", kind="volume", many=True)],
    )
    def cmd_volume_inspect(self, opts) -> int:  # noqa: ANN001
        return self.print_inspect(opts.args, opts.format, self.raw_getter("volume"))

    @command(
        "Remove one or more volumes",
        description="Remove one or more volumes. You cannot remove a volume that is in use by "
                    "a container.",
        aliases=["volume remove"],
        usage="[OPTIONS] VOLUME [VOLUME...]",
        flags=[Flag("force", "Force the removal of one or more volumes", short="f")],
        args=[Arg("VOLUME", kind="volume", many=True)],
    )
    def cmd_volume_rm(self, opts) -> int:  # noqa: ANN001
        def remove(name: str) -> None:
            self.client.request("DELETE", f"/volumes/{path_segment(name)}",
                                params={"force": opts.force})

        return self.for_each(opts.args, remove)

    @command(
        "Remove unused local volumes",
        flags=[
            Flag("all", "Remove all unused volumes, not just anonymous ones", short="a",
                 min_api="1.42"),
            Flag("filter", 'Provide filter values (e.g. "label=<label>")', type="filter",
                 kind="filter:volume"),
            Flag("force", "Do not prompt for confirmation", short="f"),
        ],
    )  # fmt: skip
    def cmd_volume_prune(self, opts) -> int:  # noqa: ANN001
        from dshell.render.units import human_size

        filters = list(opts.filter)
        if opts.all:
            if not self.flag_supported("--all", "1.42"):
                return 1
            if any(f.partition("=")[0].strip().lower() == "all" for f in filters):
                self.err("conflicting options: cannot specify both --all and --filter all=1")
                return 1
            filters.append("all=true")
        # Before API 1.42 the daemon prunes named volumes too, and docker says so.
        from dshell.engine.client import _version_tuple

        old_api = _version_tuple(self.client.api_version) < (1, 42)
        warning = ALL_WARNING if opts.all or old_api else ANONYMOUS_WARNING
        if not opts.force and not confirm(self.stdin, self.stdout, warning):
            return 0
        reclaimed, output = self.prune_volumes(filters)
        if output:
            self.out(output)
        self.out(f"Total reclaimed space: {human_size(reclaimed)}")
        return 0

    def flag_supported(self, flag: str, version: str) -> bool:
        """docker refuses a flag annotated with a newer API version than the daemon's."""
        from dshell.engine.client import _version_tuple

        current = self.client.api_version
        if _version_tuple(current) >= _version_tuple(version):
            return True
        self.err(f'"{flag}" requires API version {version}, but the Docker daemon API '
                 f"version is {current}")
        return False

    def prune_volumes(self, filters: list[str]) -> tuple[int, str]:
        """``POST /volumes/prune``: (bytes reclaimed, the "Deleted Volumes:" report)."""
        merged = prune_filters(filters, self.config.get("pruneFilters"))
        report = self.client.post_json("/volumes/prune",
                                       params={"filters": filters_param(merged)}) or {}
        deleted = report.get("VolumesDeleted")
        return (report.get("SpaceReclaimed") or 0) if deleted else 0, deleted_list(
            "Deleted Volumes", deleted)
