"""``stack …`` (docker/cli's cli/command/stack): deploy, ls, ps, rm, services, config. The
compose file is read and converted on the client (dshell/compose), then its objects are
created or updated over the Engine API as docker's deployCompose does."""

from __future__ import annotations

import os
from typing import Any

from dshell.commands.base import CommandBase, filters_param, path_segment
from dshell.commands.declare import FORMAT_HELP, Arg, Flag, command
from dshell.commands.swarm import swarm_group
from dshell.engine.errors import EngineError, NotFound

LABEL_NAMESPACE = "com.docker.stack.namespace"
RESOLVE_CHOICES = ("always", "changed", "never")
#: ``stack config``'s (docker gives it no API version: it never asks the daemon anything).
COMPOSE_FLAG = Flag("compose-file", 'Path to a Compose file, or "-" to read from stdin',
                    short="c", type="stringSlice", kind="path")  # fmt: skip
DEPLOY_COMPOSE_FLAG = Flag("compose-file", 'Path to a Compose file, or "-" to read from stdin',
                           short="c", type="stringSlice", kind="path", min_api="1.25")  # fmt: skip
DETACH_HINT = (
    "Since --detach=false was not specified, tasks will be created in the background.\n"
    "In a future release, --detach=false will become the default."
)
NOT_MANAGER = (
    'this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to '
    "connect this node to swarm and try again"
)


def _files(values: list[str]) -> list[str]:
    """pflag's StringSlice: each value split on commas."""
    return [part for value in values for part in value.split(",")]


def _stack_filter(namespace: str, extra: list[str] | None = None) -> str | None:
    return filters_param([*(extra or []), f"label={LABEL_NAMESPACE}={namespace}"])


def _tag_image(spec: dict) -> None:
    """The client library's ServiceCreate/ServiceUpdate tag an untagged image (``latest``)
    whether or not the registry is asked."""
    from dshell.commands.services import _image_with_tag

    container = spec["TaskTemplate"]["ContainerSpec"]
    container["Image"] = _image_with_tag(container.get("Image") or "")


class StackCommands(CommandBase):
    cmd_stack = swarm_group("stack", "Manage Swarm stacks", usage="[OPTIONS]")

    def _stack_load(self, files: list[str], interpolate: bool = True,
                    deploying: bool = False) -> dict:  # fmt: skip
        """The merged config; for ``deploy`` also docker's warnings about keys swarm
        ignores and its wording of forbidden ones."""
        from dshell.compose import ComposeError, loader

        stdin = None
        if "-" in files:
            handle = self.stdin.handle
            stdin = getattr(handle, "buffer", handle)
        working_dir, dicts = loader.read_files(files, stdin)
        logged: list[str] = []
        try:
            config = loader.load(dicts, working_dir, dict(os.environ), interpolate, logged)
        except loader.ForbiddenProperties as exc:
            if not deploying:
                raise
            warnings = loader.property_warnings(exc.properties)
            message = f"Compose file contains unsupported options:\n\n{warnings}\n"
            raise ComposeError(message) from None
        finally:
            for message in logged:
                self._stack_log_warning(message)
        if deploying:
            unsupported = loader.unsupported_properties(dicts)
            if unsupported:
                self.err(f"Ignoring unsupported options: {', '.join(unsupported)}\n")
            deprecated = loader.service_properties(dicts, loader.DEPRECATED)
            if deprecated:
                warnings = loader.property_warnings(deprecated)
                self.err(f"Ignoring deprecated options:\n\n{warnings}\n")
        return config

    def _stack_log_warning(self, message: str) -> None:
        """A warning as docker's logrus prints it on standard error."""
        import time

        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.err(f'time="{stamp}" level=warning msg="{message}"')

    # -- deploy --------------------------------------------------------------------------
    @command(
        "Deploy a new stack or update an existing stack",
        aliases=["stack up"],
        usage="[OPTIONS] STACK",
        flags=[
            DEPLOY_COMPOSE_FLAG,
            Flag("detach", "Exit immediately instead of waiting for the stack services to "
                 "converge", short="d", default=True),
            Flag("prune", "Prune services that are no longer referenced", min_api="1.27"),
            Flag("quiet", "Suppress progress output", short="q"),
            Flag("resolve-image", 'Query the registry to resolve image digest and supported '
                 'platforms ("always", "changed", "never")', type="string", default="always",
                 kind="choice:always|changed|never", min_api="1.30"),
            Flag("with-registry-auth", "Send registry authentication details to Swarm agents"),
        ],
        args=[Arg("STACK", kind="stack")],
    )  # fmt: skip
    def cmd_stack_deploy(self, opts) -> int:  # noqa: ANN001
        from dshell.compose import ComposeError

        namespace = opts.args[0]
        if not namespace.strip():
            from dshell.render.formatter import go_quote

            self.err(f"invalid stack name: {go_quote(namespace)}")
            return 1
        try:
            config = self._stack_load(_files(opts.compose_file), deploying=True)
            for name, service in config["services"].items():
                if not service.get("image"):
                    raise ComposeError(
                        f"invalid image reference for service {name}: no image specified"
                    )
            if opts.resolve_image not in RESOLVE_CHOICES:
                raise ComposeError(f"Invalid option {opts.resolve_image} for flag --resolve-image")
            if opts.detach and "detach" not in opts.given:
                self.stdout.flush()
                self.err(DETACH_HINT)
            ids = self._stack_deploy(opts, namespace, config)
        except (ComposeError, EngineError) as exc:
            self.stdout.flush()
            self.err(str(exc))
            return 1
        if opts.detach:
            return 0
        status = 0
        for ident in ids:
            status = self.wait_on_service(ident, opts.quiet) or status
        return status

    def _stack_deploy(self, opts, namespace: str, config: dict) -> list[str]:  # noqa: ANN001
        from dshell.commands.swarm import SwarmError
        from dshell.compose import convert

        info = self.client.get_json("/info") or {}
        if not (info.get("Swarm") or {}).get("ControlAvailable"):
            raise SwarmError(NOT_MANAGER)
        existing = self.client.get_json("/services", {"filters": _stack_filter(namespace)}) or []
        if opts.prune:
            wanted = {convert.scoped(namespace, name) for name in config["services"]}
            self._stack_remove_services([s for s in existing if s["Spec"]["Name"] not in wanted])
            existing = [s for s in existing if s["Spec"]["Name"] in wanted]
        networks, external = convert.networks(namespace, config)
        for name in external:
            self._stack_check_external_network(name)
        present = {
            n.get("Name")
            for n in self.client.get_json("/networks", {"filters": _stack_filter(namespace)}) or []
        }
        for name, body in networks.items():
            if name in present:
                continue
            self.out(f"Creating network {name}")
            try:
                self.client.post_json("/networks/create", body={"Name": name, **body})
            except EngineError as exc:
                raise SwarmError(f"failed to create network {name}: {exc}") from None
        for kind in ("secret", "config"):
            for spec in convert.file_objects(namespace, config, f"{kind}s"):
                self._stack_put_object(kind, spec)
        specs = {}
        for name, service in config["services"].items():
            spec = convert.service_spec(namespace, name, service, config)
            container = spec["TaskTemplate"]["ContainerSpec"]
            for kind in ("Secret", "Config"):
                refs = container.get(f"{kind}s")
                if refs:
                    self._stack_reference_ids(kind, refs, name)
            specs[name] = spec
        by_name = {s["Spec"]["Name"]: s for s in existing}
        return [self._stack_put_service(opts, spec, by_name.get(spec["Name"]))
                for _name, spec in sorted(specs.items())]  # fmt: skip

    def _stack_check_external_network(self, name: str) -> None:
        from dshell.commands.swarm import SwarmError

        if name in ("host", "bridge", "none", "default") or name.startswith("container:"):
            return
        try:
            network = self.client.get_json(f"/networks/{path_segment(name)}")
        except NotFound:
            raise SwarmError(
                f'network "{name}" is declared as external, but could not be found. You need '
                "to create a swarm-scoped network before the stack is deployed"
            ) from None
        if network.get("Scope") != "swarm":
            raise SwarmError(
                f'network "{name}" is declared as external, but it is not in the right scope: '
                f'"{network.get("Scope")}" instead of "swarm"'
            )

    def _stack_put_object(self, kind: str, spec: dict) -> None:
        """createSecrets/createConfigs: update in place (keeping the version), else create."""
        from dshell.commands.swarm import SwarmError

        try:
            current = self.client.get_json(f"/{kind}s/{path_segment(spec['Name'])}")
        except NotFound:
            current = None
        if current is not None:
            version = (current.get("Version") or {}).get("Index", 0)
            try:
                self.client.post_json(f"/{kind}s/{current['ID']}/update",
                                      params={"version": version}, body=spec)  # fmt: skip
            except EngineError as exc:
                raise SwarmError(f"failed to update {kind} {spec['Name']}: {exc}") from None
            return
        self.out(f"Creating {kind} {spec['Name']}")
        try:
            self.client.post_json(f"/{kind}s/create", body=spec)
        except EngineError as exc:
            raise SwarmError(f"failed to create {kind} {spec['Name']}: {exc}") from None

    def _stack_reference_ids(self, kind: str, refs: list[dict], service: str) -> None:
        """ParseSecrets/ParseConfigs: each reference gets its object's ID."""
        from dshell.commands.swarm import SwarmError

        names = [ref[f"{kind}Name"] for ref in refs]
        found = self.client.get_json(
            f"/{kind.lower()}s", {"filters": filters_param([f"name={n}" for n in names])}
        ) or []  # fmt: skip
        ids = {o["Spec"]["Name"]: o["ID"] for o in found}
        for ref, name in zip(refs, names, strict=True):
            if name not in ids:
                raise SwarmError(f"service {service}: {kind.lower()} not found: {name}")
            # (docker looks IDs up before converting the rest of the service)
            ref[f"{kind}ID"] = ids[name]
            # The API's field order: File, <Kind>ID, <Kind>Name.
            ref[f"{kind}Name"] = ref.pop(f"{kind}Name")

    def _stack_put_service(self, opts, spec: dict, current: dict | None) -> str:  # noqa: ANN001
        from dshell.commands.swarm import SwarmError
        from dshell.compose.convert import LABEL_IMAGE

        name = spec["Name"]
        image = spec["TaskTemplate"]["ContainerSpec"]["Image"]
        headers = self._svc_auth_headers(image) if opts.with_registry_auth else None
        warnings: list[str] = []
        if current is not None:
            self.out(f"Updating service {name} (id: {current['ID']})")
            old = current.get("Spec") or {}
            same_image = image == (old.get("Labels") or {}).get(LABEL_IMAGE)
            query = opts.resolve_image == "always" or (
                opts.resolve_image == "changed" and not same_image
            )
            if not query and same_image:
                old_image = ((old.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get(
                    "Image"
                )
                spec["TaskTemplate"]["ContainerSpec"]["Image"] = old_image
            elif query:
                self._svc_resolve_image(spec, opts, warnings)
            _tag_image(spec)
            force = (old.get("TaskTemplate") or {}).get("ForceUpdate")
            if force:
                spec["TaskTemplate"]["ForceUpdate"] = force
            version = (current.get("Version") or {}).get("Index", 0)
            try:
                answer = self.client.request(
                    "POST", f"/services/{current['ID']}/update", params={"version": version},
                    json_body=spec, headers=headers,
                ).json()  # fmt: skip
            except EngineError as exc:
                raise SwarmError(f"failed to update service {name}: {exc}") from None
            for warning in [*warnings, *((answer or {}).get("Warnings") or [])]:
                self.stdout.flush()
                self.err(warning)
            return current["ID"]
        self.out(f"Creating service {name}")
        _tag_image(spec)
        if opts.resolve_image in ("always", "changed"):
            self._svc_resolve_image(spec, opts, warnings)
        try:
            answer = self.client.request(
                "POST", "/services/create", json_body=spec, headers=headers
            ).json()
        except EngineError as exc:
            raise SwarmError(f"failed to create service {name}: {exc}") from None
        return (answer or {}).get("ID", "")

    # -- config --------------------------------------------------------------------------
    @command(
        "Outputs the final config file, after doing merges and interpolations",
        flags=[
            COMPOSE_FLAG,
            Flag("skip-interpolation", "Skip interpolation and output only merged config"),
        ],
    )  # fmt: skip
    def cmd_stack_config(self, opts) -> int:  # noqa: ANN001
        from dshell.compose import ComposeError
        from dshell.compose.dump import dump

        try:
            config = self._stack_load(_files(opts.compose_file), not opts.skip_interpolation)
        except ComposeError as exc:
            self.err(str(exc))
            return 1
        self.stdout.write(dump(config))
        return 0

    # -- ls ------------------------------------------------------------------------------
    @command(
        "List stacks",
        aliases=["stack list"],
        flags=[Flag("format", FORMAT_HELP, type="string", kind="format:stack")],
    )
    def cmd_stack_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.stacks import render_stacks

        services = self.client.get_json(
            "/services", {"filters": filters_param([f"label={LABEL_NAMESPACE}"])}
        ) or []  # fmt: skip
        counts: dict[str, int] = {}
        for service in services:
            labels = (service.get("Spec") or {}).get("Labels") or {}
            name = labels.get(LABEL_NAMESPACE)
            if name is None:
                continue
            counts[name] = counts.get(name, 0) + 1
        self.stdout.write(render_stacks(counts, opts.format))
        return 0

    # -- ps ------------------------------------------------------------------------------
    @command(
        "List the tasks in the stack",
        usage="[OPTIONS] STACK",
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:task"),
            Flag("format", FORMAT_HELP, type="string", kind="format:task"),
            Flag("no-resolve", "Do not map IDs to Names"),
            Flag("no-trunc", "Do not truncate output"),
            Flag("quiet", "Only display task IDs", short="q"),
        ],
        args=[Arg("STACK", kind="stack")],
    )  # fmt: skip
    def cmd_stack_ps(self, opts) -> int:  # noqa: ANN001
        namespace = opts.args[0]
        filters = _stack_filter(namespace, opts.filter)
        tasks = self.client.get_json("/tasks", {"filters": filters}) or []
        if not tasks:
            self.err(f"nothing found in stack: {namespace}")
            return 1
        self.print_tasks(tasks, opts.format, opts.quiet, not opts.no_resolve,
                         not opts.no_trunc)  # fmt: skip
        return 0

    # -- services ------------------------------------------------------------------------
    @command(
        "List the services in the stack",
        usage="[OPTIONS] STACK",
        flags=[
            Flag("filter", "Filter output based on conditions provided", short="f",
                 type="filter", kind="filter:service"),
            Flag("format", FORMAT_HELP, type="string", kind="format:service"),
            Flag("quiet", "Only display IDs", short="q"),
        ],
        args=[Arg("STACK", kind="stack")],
    )  # fmt: skip
    def cmd_stack_services(self, opts) -> int:  # noqa: ANN001
        from dshell.render.services import render_services, service_format

        namespace = opts.args[0]
        params: dict[str, Any] = {"filters": _stack_filter(namespace, opts.filter)}
        if not opts.quiet:
            params["status"] = "true"
        services = self.client.get_json("/services", params) or []
        if not services and not opts.quiet:
            self.err(f"Nothing found in stack: {namespace}")
            return 0
        fmt = service_format(opts.format, str(self.config.get("servicesFormat") or ""),
                             opts.quiet)  # fmt: skip
        self.stdout.write(render_services(services, fmt))
        return 0

    # -- rm ------------------------------------------------------------------------------
    @command(
        "Remove one or more stacks",
        aliases=["stack remove", "stack down"],
        usage="[OPTIONS] STACK [STACK...]",
        flags=[Flag("detach", "Do not wait for stack removal", short="d", default=True)],
        args=[Arg("STACK", kind="stack", many=True)],
    )  # fmt: skip
    def cmd_stack_rm(self, opts) -> int:  # noqa: ANN001
        errors: list[str] = []
        for namespace in opts.args:
            found = {
                kind: self.client.get_json(f"/{kind}", {"filters": _stack_filter(namespace)}) or []
                for kind in ("services", "networks", "secrets", "configs")
            }
            if not any(found.values()):
                self.stdout.flush()
                self.err(f"Nothing found in stack: {namespace}")
                continue
            failed = self._stack_remove_services(found["services"])
            for kind, key in (("secret", "secrets"), ("config", "configs"),
                              ("network", "networks")):  # fmt: skip
                for obj in found[key]:
                    name = obj.get("Name") or (obj.get("Spec") or {}).get("Name", "")
                    ident = obj.get("ID") or obj.get("Id") or ""
                    failed = self._stack_remove(kind, name, ident) or failed
            if failed:
                errors.append(f"failed to remove some resources from stack: {namespace}")
                continue
            if not opts.detach:
                self._stack_wait_tasks(namespace)
        for line in errors:
            self.stdout.flush()
            self.err(line)
        return 1 if errors else 0

    def _stack_remove_services(self, services: list[dict]) -> bool:
        from dshell.render.listing import natural_less_key

        failed = False
        for service in sorted(services, key=lambda s: natural_less_key(s["Spec"]["Name"])):
            failed = self._stack_remove("service", service["Spec"]["Name"], service["ID"]) or failed
        return failed

    def _stack_remove(self, kind: str, name: str, ident: str) -> bool:
        """One ``Removing KIND NAME`` line; a failure on stderr as docker words it."""
        self.out(f"Removing {kind} {name}")
        try:
            self.client.request("DELETE", f"/{kind}s/{path_segment(ident)}")
        except EngineError as exc:
            self.stdout.flush()
            self.err(f"Failed to remove {kind} {ident}: {exc}", end="")
            return True
        return False

    def _stack_wait_tasks(self, namespace: str) -> None:
        """waitOnTasks as docker runs it: each listing that shows a task in a terminal state
        counts once, until the count reaches the number of tasks listed (a short pause
        between listings where docker spins)."""
        import time

        terminal = {"complete", "shutdown", "failed", "rejected", "orphaned", "remove"}
        reached = 0
        while True:
            tasks = self.client.get_json("/tasks", {"filters": _stack_filter(namespace)}) or []
            if any((t.get("Status") or {}).get("State") in terminal for t in tasks):
                reached += 1
            if reached == len(tasks):
                return
            time.sleep(0.05)
