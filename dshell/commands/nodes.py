"""``node …``: ls, inspect, ps, update, promote, demote, rm (docker/cli's cli/command/node),
over ``/nodes`` and ``/tasks``."""

from __future__ import annotations

from dshell.commands.base import CommandBase, filters_param, key_values, path_segment
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.commands.swarm import AVAILABILITY_KIND, SwarmError, swarm_group
from dshell.engine.errors import EngineError

NO_ROLE_CHANGE = object()


class NodeCommands(CommandBase):
    cmd_node = swarm_group("node", "Manage Swarm nodes")

    def node_reference(self, reference: str) -> str:
        """docker's node.Reference: ``self`` is this engine's node ID."""
        if reference != "self":
            return reference
        info = self.client.get_json("/info") or {}
        node_id = (info.get("Swarm") or {}).get("NodeID") or ""
        if not node_id:
            self.client.get_json("/nodes")
            raise SwarmError("node ID not found in /info")
        return node_id

    def get_node(self, reference: str) -> dict:
        return self.client.get_json(f"/nodes/{path_segment(self.node_reference(reference))}")

    @command(
        "List nodes in the swarm",
        aliases=["node list"],
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:node"),
            Flag("format", FORMAT_HELP, type="string", kind="format:node"),
            Flag("quiet", "Only display IDs", short="q"),
        ],
    )  # fmt: skip
    def cmd_node_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.swarm import node_format, render_nodes

        nodes = self.client.get_json("/nodes", {"filters": filters_param(opts.filter)}) or []
        info = self.client.get_json("/info") or {} if nodes and not opts.quiet else {}
        fmt = node_format(opts.format, str(self.config.get("nodesFormat") or ""), opts.quiet)
        self.stdout.write(render_nodes(nodes, fmt, info))
        return 0

    @command(
        "Display detailed information on one or more nodes",
        usage="[OPTIONS] self|NODE [NODE...]",
        flags=[
            INSPECT_FORMAT_FLAG,
            Flag("pretty", "Print the information in a human friendly format"),
        ],
        args=[Arg("NODE", kind="node", many=True)],
    )  # fmt: skip
    def cmd_node_inspect(self, opts) -> int:  # noqa: ANN001
        from dshell.render.swarm import PRETTY_FORMAT_KEY, pretty_node

        fmt = PRETTY_FORMAT_KEY if opts.pretty else opts.format
        if fmt != PRETTY_FORMAT_KEY:
            if fmt and fmt.startswith(PRETTY_FORMAT_KEY):
                self.err("cannot supply extra formatting options to the pretty template")
                return 1

            def get(reference: str) -> bytes:
                try:
                    ident = self.node_reference(reference)
                except SwarmError as exc:
                    raise EngineError(str(exc)) from None
                return self.client.get_raw(f"/nodes/{path_segment(ident)}")

            return self.print_swarm_inspect(opts.args, fmt, get, "node")
        return self.print_pretty_nodes(opts.args, self.get_node, pretty_node)

    def print_pretty_nodes(self, references: list[str], get, show) -> int:  # noqa: ANN001
        """docker's pretty inspect (formatter.Context.Write): each object's view and a
        newline, printed only when every reference was found; else only the first error."""
        views = []
        for reference in references:
            try:
                views.append(show(get(reference)) + "\n")
            except (EngineError, SwarmError) as exc:
                self.err(str(exc))
                return 1
        self.stdout.write("".join(views))
        return 0

    @command(
        "List tasks running on one or more nodes, defaults to current node",
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:task"),
            Flag("format", "Pretty-print tasks using a Go template", type="string",
                 kind="format:task"),
            Flag("no-resolve", "Do not map IDs to Names"),
            Flag("no-trunc", "Do not truncate output"),
            Flag("quiet", "Only display task IDs", short="q"),
        ],
        args=[Arg("NODE", kind="node", many=True, optional=True)],
        args_rule="RequiresMinArgs(0)",
    )  # fmt: skip
    def cmd_node_ps(self, opts) -> int:  # noqa: ANN001
        errors: list[str] = []
        tasks: list[dict] = []
        # docker adds each node to the same filter, so later nodes list the earlier ones'
        # tasks again.
        filters = list(opts.filter)
        for reference in opts.args or ["self"]:
            try:
                node = self.get_node(reference)
                filters.append(f"node={node.get('ID', '')}")
                tasks += self.client.get_json("/tasks", {"filters": filters_param(filters)}) or []
            except (EngineError, SwarmError) as exc:
                errors.append(str(exc))
        if not errors or tasks:
            try:
                self.print_tasks(
                    tasks, opts.format, opts.quiet, not opts.no_resolve, not opts.no_trunc
                )
            except EngineError as exc:
                errors.append(str(exc))
        self.stdout.flush()
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    def print_tasks(
        self, tasks: list[dict], fmt: str | None, quiet: bool, resolve: bool, trunc: bool
    ) -> None:
        """docker's task.Print: services and nodes by name unless ``resolve`` is off."""
        from dshell.render.swarm import node_name, render_tasks, task_format

        services: dict[str, str] = {}
        nodes: dict[str, str] = {}
        if resolve:
            for ident in {t.get("ServiceID", "") for t in tasks} - {""}:
                try:
                    service = self.client.get_json(f"/services/{path_segment(ident)}")
                    services[ident] = (service.get("Spec") or {}).get("Name") or ident
                except EngineError:
                    services[ident] = ident
            for ident in {t.get("NodeID", "") for t in tasks} - {""}:
                try:
                    nodes[ident] = node_name(self.client.get_json(f"/nodes/{path_segment(ident)}"))
                except EngineError:
                    nodes[ident] = ident
        fmt = task_format(fmt, str(self.config.get("tasksFormat") or ""), quiet)
        self.stdout.write(render_tasks(tasks, fmt, services, nodes, trunc))

    def update_nodes(self, references: list[str], merge, success) -> int:  # noqa: ANN001
        """docker's updateNodes: inspect, merge, ``POST /nodes/{id}/update``; the first
        failure ends the command."""
        try:
            for reference in references:
                node = self.client.get_json(f"/nodes/{path_segment(reference)}")
                if merge(node) is NO_ROLE_CHANGE:
                    continue
                version = (node.get("Version") or {}).get("Index", 0)
                self.client.request(
                    "POST",
                    f"/nodes/{path_segment(node.get('ID', ''))}/update",
                    params={"version": version},
                    json_body=node.get("Spec"),
                )
                success(reference)
        except (EngineError, SwarmError) as exc:
            self.stdout.flush()
            self.err(str(exc))
            return 1
        return 0

    @command(
        "Update a node",
        flags=[
            Flag("availability", 'Availability of the node ("active", "pause", "drain")',
                 type="string", kind=AVAILABILITY_KIND),
            Flag("label-add", 'Add or update a node label ("key=value")', type="list"),
            Flag("label-rm", "Remove a node label if exists", type="list"),
            Flag("role", 'Role of the node ("worker", "manager")', type="string",
                 kind="choice:worker|manager"),
        ],
        args=[Arg("NODE", kind="node")],
    )  # fmt: skip
    def cmd_node_update(self, opts) -> int:  # noqa: ANN001
        def merge(node: dict) -> None:
            spec = node.setdefault("Spec", {})
            if "role" in opts.given:
                spec["Role"] = opts.role
            if "availability" in opts.given:
                spec["Availability"] = opts.availability
            labels = spec.get("Labels") or {}
            labels.update(key_values(opts.label_add))
            for key in opts.label_rm:
                if key not in labels:
                    raise SwarmError(f"key {key} doesn't exist in node's labels")
                del labels[key]
            spec["Labels"] = labels

        return self.update_nodes(opts.args, merge, lambda _ref: self.out(opts.args[0]))

    @command(
        "Promote one or more nodes to manager in the swarm",
        args=[Arg("NODE", kind="node", many=True)],
    )
    def cmd_node_promote(self, opts) -> int:  # noqa: ANN001
        def merge(node: dict) -> object:
            spec = node.setdefault("Spec", {})
            if spec.get("Role") == "manager":
                self.out(f"Node {node.get('ID', '')} is already a manager.")
                return NO_ROLE_CHANGE
            spec["Role"] = "manager"
            return None

        return self.update_nodes(
            opts.args,
            merge,
            lambda ref: self.out(f"Node {ref} promoted to a manager in the swarm."),
        )

    @command(
        "Demote one or more nodes from manager in the swarm",
        args=[Arg("NODE", kind="node", many=True)],
    )
    def cmd_node_demote(self, opts) -> int:  # noqa: ANN001
        def merge(node: dict) -> object:
            spec = node.setdefault("Spec", {})
            if spec.get("Role") == "worker":
                self.out(f"Node {node.get('ID', '')} is already a worker.")
                return NO_ROLE_CHANGE
            spec["Role"] = "worker"
            return None

        return self.update_nodes(
            opts.args, merge, lambda ref: self.out(f"Manager {ref} demoted in the swarm.")
        )

    @command(
        "Remove one or more nodes from the swarm",
        aliases=["node remove"],
        flags=[Flag("force", "Force remove a node from the swarm", short="f")],
        args=[Arg("NODE", kind="node", many=True)],
    )
    def cmd_node_rm(self, opts) -> int:  # noqa: ANN001
        def remove(reference: str) -> None:
            self.client.request(
                "DELETE",
                f"/nodes/{path_segment(reference)}",
                params={"force": "true" if opts.force else "false"},
            )

        return self.for_each(opts.args, remove)
