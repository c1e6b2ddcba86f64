"""Container commands (``container …`` and their top-level shortcuts)."""

from __future__ import annotations

import re

from dshell.commands.base import CommandBase, filters_param, management, path_segment
from dshell.commands.declare import FORMAT_HELP, INSPECT_FORMAT_FLAG, Arg, Flag, command
from dshell.commands.parse import UsageError
from dshell.engine.errors import EngineError
from dshell.engine.urls import urlencode

SIGNAL_FLAG = Flag("signal", "Signal to send to the container", short="s", type="string",
                   kind="signal")  # fmt: skip
STOP_FLAGS = (
    SIGNAL_FLAG,
    Flag("timeout", "Seconds to wait before killing the container", short="t", type="int"),
    Flag("time", "Seconds to wait before killing the container (deprecated: use --timeout)",
         type="int", hidden=True),
)  # fmt: skip
PRUNE_WARNING = (
    "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?"
)


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
            INSPECT_FORMAT_FLAG,
            Flag("size", "Display total file sizes", short="s"),
        ],
        args=[Arg("CONTAINER", kind="container:all", many=True)],
    )
    def cmd_container_inspect(self, opts) -> int:  # noqa: ANN001
        return self.print_inspect(opts.args, opts.format, self.raw_getter("container", opts.size),
                                  "container")  # fmt: skip

    # -- lifecycle of many containers at once ----------------------------------------------
    @command(
        "Stop one or more running containers",
        aliases=["stop"],
        flags=list(STOP_FLAGS),
        args=[Arg("CONTAINER", kind="container:running|paused", many=True)],
    )  # fmt: skip
    def cmd_container_stop(self, opts) -> int:  # noqa: ANN001
        params = self._stop_params(opts)
        return self.for_each(opts.args, lambda ref: self._post(ref, "stop", params))

    @command(
        "Restart one or more containers",
        aliases=["restart"],
        flags=list(STOP_FLAGS),
        args=[Arg("CONTAINER", kind="container:all", many=True)],
    )  # fmt: skip
    def cmd_container_restart(self, opts) -> int:  # noqa: ANN001
        params = self._stop_params(opts)
        return self.for_each(opts.args, lambda ref: self._post(ref, "restart", params))

    def _stop_params(self, opts) -> dict:  # noqa: ANN001
        """``-t`` only when given (the daemon's default otherwise); ``-s`` when not empty."""
        timeout = None
        if "timeout" in opts.given:
            timeout = opts.timeout
        elif "time" in opts.given:
            timeout = opts.time
        return {"t": timeout, "signal": opts.signal or None}

    @command(
        "Kill one or more running containers",
        aliases=["kill"],
        flags=[SIGNAL_FLAG],
        args=[Arg("CONTAINER", kind="container:running|paused", many=True)],
    )  # fmt: skip
    def cmd_container_kill(self, opts) -> int:  # noqa: ANN001
        params = {"signal": opts.signal or None}
        return self.for_each(opts.args, lambda ref: self._post(ref, "kill", params))

    @command(
        "Pause all processes within one or more containers",
        aliases=["pause"],
        args=[Arg("CONTAINER", kind="container:running", many=True)],
    )
    def cmd_container_pause(self, opts) -> int:  # noqa: ANN001
        return self.for_each(opts.args, lambda ref: self._post(ref, "pause"))

    @command(
        "Unpause all processes within one or more containers",
        aliases=["unpause"],
        args=[Arg("CONTAINER", kind="container:paused", many=True)],
    )
    def cmd_container_unpause(self, opts) -> int:  # noqa: ANN001
        return self.for_each(opts.args, lambda ref: self._post(ref, "unpause"))

    @command(
        "Remove one or more containers",
        aliases=["container remove", "rm"],
        flags=[
            Flag("force", "Force the removal of a running container (uses SIGKILL)", short="f"),
            Flag("link", "Remove the specified link", short="l"),
            Flag("volumes", "Remove anonymous volumes associated with the container",
                 short="v"),
        ],
        args=[Arg("CONTAINER", kind="container:stopped", many=True)],
    )  # fmt: skip
    def cmd_container_rm(self, opts) -> int:  # noqa: ANN001
        params = {"v": opts.volumes, "link": opts.link, "force": opts.force}

        def remove(reference: str) -> None:
            name = reference.strip("/")
            if not name:
                raise EngineError("container name cannot be empty")
            self.client.request("DELETE", f"/containers/{path_segment(name)}", params=params)

        status = self.for_each(opts.args, remove)
        # docker reports the failures of ``rm -f`` but does not fail.
        return 0 if opts.force else status

    @command(
        "Block until one or more containers stop, then print their exit codes",
        aliases=["wait"],
        args=[Arg("CONTAINER", kind="container:running|paused", many=True)],
    )
    def cmd_container_wait(self, opts) -> int:  # noqa: ANN001
        return self.for_each(opts.args, lambda ref: str(self._wait_for(ref).get("StatusCode", 0)))

    def _wait_for(self, reference: str) -> dict:
        """POST /wait with no read timeout; Ctrl-C closes the connection and propagates."""
        from dshell.commands.logs import interruptible
        from dshell.render.stats import close_streaming

        path = f"/containers/{path_segment(reference)}/wait"
        response = self.client.request("POST", path, stream=True)
        try:
            body = interruptible(lambda: _json_or_empty(response),
                                 lambda: close_streaming(response))  # fmt: skip
        finally:
            response.close()
        error = (body.get("Error") or {}).get("Message") if isinstance(body, dict) else None
        if error:
            raise EngineError(error)
        return body if isinstance(body, dict) else {}

    def _post(self, reference: str, verb: str, params: dict | None = None) -> None:
        self.client.request("POST", f"/containers/{path_segment(reference)}/{verb}", params=params,
                            timeout=None)  # fmt: skip

    # -- one container ---------------------------------------------------------------------
    @command(
        "Rename a container",
        aliases=["rename"],
        args=[Arg("CONTAINER", kind="container:all"), Arg("NEW_NAME")],
        usage="CONTAINER NEW_NAME",
    )
    def cmd_container_rename(self, opts) -> int:  # noqa: ANN001
        old, new = (name.strip() for name in opts.args)
        if not old or not new:
            self.err("Error: Neither old nor new names may be empty")
            return 1
        try:
            self.client.request("POST", f"/containers/{path_segment(old)}/rename",
                                params={"name": new})  # fmt: skip
        except EngineError as exc:
            self.err(str(exc))
            self.err(f"Error: failed to rename container named {old}")
            return 1
        return 0

    @command(
        "Display the running processes of a container",
        aliases=["top"],
        args=[Arg("CONTAINER", kind="container:running|paused")],
        rest_kind="ps-option",
        usage="CONTAINER [ps OPTIONS]",
        interspersed=False,
    )
    def cmd_container_top(self, opts) -> int:  # noqa: ANN001
        from dshell.render.container_views import render_top

        reference, ps_args = opts.args[0], opts.args[1:]
        params = {"ps_args": " ".join(ps_args) if ps_args else None}
        top = self.client.get_json(f"/containers/{path_segment(reference)}/top", params)
        self.stdout.write(render_top(top.get("Titles") or [], top.get("Processes") or []))
        return 0

    @command(
        "List port mappings or a specific mapping for the container",
        aliases=["port"],
        args=[Arg("CONTAINER", kind="container:running|paused"),
              Arg("PRIVATE_PORT[/PROTO]", optional=True)],
        usage="CONTAINER [PRIVATE_PORT[/PROTO]]",
    )  # fmt: skip
    def cmd_container_port(self, opts) -> int:  # noqa: ANN001
        from dshell.render.container_views import port_lines

        reference = opts.args[0]
        info = self.client.get_json(f"/containers/{path_segment(reference)}/json")
        ports = (info.get("NetworkSettings") or {}).get("Ports") or {}
        if len(opts.args) == 1:
            for line in port_lines(ports):
                self.out(line)
            return 0
        wanted = opts.args[1]
        number, _, proto = wanted.partition("/")
        if not number.isdigit() or int(number) > 65535:
            self.err(f'Error: invalid port ({number}): strconv.ParseUint: parsing "{number}": '
                     + ("value out of range" if number.isdigit() else "invalid syntax"))
            return 1
        lines = port_lines(ports, f"{int(number)}/{proto or 'tcp'}")
        if not lines:
            self.err(f"Error: No public port '{wanted}' published for {reference}")
            return 1
        for line in lines:
            self.out(line)
        return 0

    @command(
        "Inspect changes to files or directories on a container's filesystem",
        aliases=["diff"],
        args=[Arg("CONTAINER", kind="container:running|paused")],
    )
    def cmd_container_diff(self, opts) -> int:  # noqa: ANN001
        from dshell.render.container_views import render_diff

        changes = self.client.get_json(f"/containers/{path_segment(opts.args[0])}/changes")
        self.stdout.write(render_diff(changes or []))
        return 0

    @command(
        "Export a container's filesystem as a tar archive",
        shown_aliases=["export"],
        flags=[Flag("output", "Write to a file, instead of STDOUT", short="o", type="string",
                    kind="path")],
        args=[Arg("CONTAINER", kind="container:all")],
    )  # fmt: skip
    def cmd_container_export(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.output_files import SAVE_TO_TERMINAL, write_output

        if not opts.output and self.stdout.is_terminal:
            self.err(SAVE_TO_TERMINAL)
            return 1
        path = f"/containers/{path_segment(opts.args[0])}/export"
        if opts.output:
            return write_output(self.err, opts.output, "failed to export container",
                                lambda: self.client.request("GET", path, stream=True))
        from dshell.commands.output_files import copy_body

        copy_body(self.client.request("GET", path, stream=True), self.stdout)
        return 0

    @command(
        "Create a new image from a container's changes",
        aliases=["commit"],
        flags=[
            Flag("author", 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
                 short="a", type="string"),
            Flag("change", "Apply Dockerfile instruction to the created image", short="c",
                 type="list"),
            Flag("message", "Commit message", short="m", type="string"),
            Flag("pause", "Pause container during commit", short="p", default=True),
        ],
        args=[Arg("CONTAINER", kind="container:running|paused"),
              Arg("REPOSITORY[:TAG]", kind="image", optional=True)],
        interspersed=False,
    )  # fmt: skip
    def cmd_container_commit(self, opts) -> int:  # noqa: ANN001
        repository = tag = None
        if len(opts.args) > 1 and opts.args[1]:
            try:
                repository, tag = parse_commit_reference(opts.args[1])
            except ValueError as exc:
                self.err(str(exc))
                return 1
        query = [("container", opts.args[0])]
        query += [(k, v) for k, v in (("repo", repository), ("tag", tag),
                                      ("comment", opts.message), ("author", opts.author)) if v]
        query.append(("pause", "1" if opts.pause else "0"))
        query += [("changes", change) for change in opts.change]
        result = self.client.post_json("/commit?" + urlencode(query))
        self.out((result or {}).get("Id", ""))
        return 0

    @command(
        "Update configuration of one or more containers",
        aliases=["update"],
        flags=[
            Flag("blkio-weight", "Block IO (relative weight), between 10 and 1000, or 0 to "
                 "disable (default 0)", type="uint16"),
            Flag("cpu-period", "Limit CPU CFS (Completely Fair Scheduler) period", type="int"),
            Flag("cpu-quota", "Limit CPU CFS (Completely Fair Scheduler) quota", type="int"),
            Flag("cpu-rt-period", "Limit the CPU real-time period in microseconds", type="int"),
            Flag("cpu-rt-runtime", "Limit the CPU real-time runtime in microseconds",
                 type="int"),
            Flag("cpu-shares", "CPU shares (relative weight)", short="c", type="int"),
            Flag("cpus", "Number of CPUs", type="decimal"),
            Flag("cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)", type="string"),
            Flag("cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)", type="string"),
            Flag("memory", "Memory limit", short="m", type="bytes"),
            Flag("memory-reservation", "Memory soft limit", type="bytes"),
            Flag("memory-swap", "Swap limit equal to memory plus swap: -1 to enable unlimited "
                 "swap", type="bytes", check="swap_bytes"),
            Flag("pids-limit", "Tune container pids limit (set -1 for unlimited)", type="int"),
            Flag("restart", "Restart policy to apply when a container exits", type="string",
                 kind="choice:no|always|unless-stopped|on-failure"),
        ],
        args=[Arg("CONTAINER", kind="container:all", many=True)],
    )  # fmt: skip
    def cmd_container_update(self, opts) -> int:  # noqa: ANN001
        try:
            body = update_body(opts)
        except UsageError as exc:
            self.err(str(exc))
            return exc.status
        except ValueError as exc:
            self.err(str(exc))
            return 1
        if not opts.given:
            self.err("you must provide one or more flags when using this command")
            return 1
        warnings: list[str] = []
        errors = []
        for reference in opts.args:
            try:
                path = f"/containers/{path_segment(reference)}/update"
                result = self.client.post_json(path, body=body)
            except EngineError as exc:
                errors.append(str(exc))
                continue
            self.out(reference)
            warnings.extend((result or {}).get("Warnings") or [])
        if warnings:
            self.out("\n".join(warnings))
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    @command(
        "Remove all stopped containers",
        flags=[
            Flag("filter", 'Provide filter values (e.g. "until=<timestamp>")', type="filter",
                 kind="filter:container"),
            Flag("force", "Do not prompt for confirmation", short="f"),
        ],
    )  # fmt: skip
    def cmd_container_prune(self, opts) -> int:  # noqa: ANN001
        from dshell.render.units import human_size

        if not opts.force and not self.confirm(PRUNE_WARNING):
            return 0
        report = self.client.post_json("/containers/prune",
                                       params={"filters": filters_param(opts.filter)})  # fmt: skip
        report = report or {}
        deleted = report.get("ContainersDeleted") or []
        reclaimed = report.get("SpaceReclaimed") or 0 if deleted else 0
        if deleted:
            self.out("Deleted Containers:\n" + "".join(f"{ident}\n" for ident in deleted))
        self.out(f"Total reclaimed space: {human_size(reclaimed)}")
        return 0

    def confirm(self, question: str) -> bool:
        """docker's prompt.Confirm: ``QUESTION [y/N] `` on stdout; only y/Y goes on."""
        self.stdout.write(f"{question} [y/N] ")
        self.stdout.flush()
        try:
            answer = self.stdin.handle.readline()
        except (OSError, ValueError):
            answer = ""
        return answer.strip().lower() == "y"


def _json_or_empty(response) -> object:  # noqa: ANN001
    try:
        return response.json()
    except ValueError:
        return {}


# -- parsing the values docker's flags and arguments take ------------------------------------
_DOMAIN = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_FULL = rf"(?:{_DOMAIN}(?:\.{_DOMAIN})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^((?:{_DOMAIN_FULL}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::([\w][\w.-]{{0,127}}))?"
    r"(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$"
)


def parse_commit_reference(text: str) -> tuple[str, str]:
    """docker's ParseNormalizedNamed + TagNameOnly: (full repository name, tag)."""
    if re.fullmatch(r"[a-f0-9]{64}", text):
        raise ValueError(
            f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings")
    slash = text.find("/")
    if slash == -1 or (not any(c in text[:slash] for c in ".:") and text[:slash] != "localhost"
                       and text[:slash].lower() == text[:slash]):  # fmt: skip
        domain, remainder = "docker.io", text
    else:
        domain, remainder = text[:slash], text[slash + 1 :]
    if domain == "index.docker.io":
        domain = "docker.io"
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise ValueError(f"invalid reference format: repository name ({remote}) must be lowercase")
    match = _REFERENCE.match(f"{domain}/{remainder}")
    if not match:
        raise ValueError("invalid reference format")
    if len(match.group(1)) > 255:
        raise ValueError("invalid reference format: repository name must not be more than 255 "
                         "characters")  # fmt: skip
    if match.group(3):
        raise ValueError("refusing to create a tag with a digest reference")
    return match.group(1), match.group(2) or "latest"


def update_body(opts) -> dict:  # noqa: ANN001
    """The /update body for the flags given; flag value errors as docker's (status 125)."""
    from fractions import Fraction

    from dshell.commands.run_options import parse_bytes

    def bad(flag: str, value: str, reason: str) -> UsageError:
        declared = opts.command.find_flag(flag)
        label = f"-{declared.short}, --{declared.long}" if declared.short else f"--{declared.long}"
        return UsageError(f'invalid argument "{value}" for "{label}" flag: {reason}',
                          opts.command)  # fmt: skip

    body: dict = {}
    for flag, key in (("memory", "Memory"), ("memory-reservation", "MemoryReservation"),
                      ("memory-swap", "MemorySwap")):  # fmt: skip
        dest = flag.replace("-", "_")
        if dest in opts.given:
            value = getattr(opts, dest)
            try:
                body[key] = -1 if (flag == "memory-swap" and value == "-1") else parse_bytes(
                    value)
            except ValueError as exc:
                raise bad("--" + flag, value, str(exc)) from None
    if "cpus" in opts.given:
        try:
            nano = Fraction(opts.cpus) * 1_000_000_000
        except (ValueError, ZeroDivisionError):
            raise bad("--cpus", opts.cpus,
                      f"failed to parse {opts.cpus} as a rational number") from None
        if nano.denominator != 1:
            raise bad("--cpus", opts.cpus, "value is too precise")
        body["NanoCpus"] = int(nano)
    if "blkio_weight" in opts.given:
        value = opts.blkio_weight
        if not value.isdigit() or int(value) > 65535:
            reason = "value out of range" if value.isdigit() else "invalid syntax"
            raise bad("--blkio-weight", value, f'strconv.ParseUint: parsing "{value}": {reason}')
        body["BlkioWeight"] = int(value)
    for dest, key in (("cpu_period", "CpuPeriod"), ("cpu_quota", "CpuQuota"),
                      ("cpu_rt_period", "CpuRealtimePeriod"),
                      ("cpu_rt_runtime", "CpuRealtimeRuntime"), ("cpu_shares", "CpuShares"),
                      ("cpuset_cpus", "CpusetCpus"), ("cpuset_mems", "CpusetMems"),
                      ("pids_limit", "PidsLimit")):  # fmt: skip
        if dest in opts.given:
            body[key] = getattr(opts, dest)
    if "restart" in opts.given and opts.restart:
        name, colon, count = opts.restart.partition(":")
        if colon and not name:
            raise ValueError("invalid restart policy format: no policy provided before colon")
        policy = {"Name": name}
        if count:
            if not re.fullmatch(r"[+-]?\d+", count):
                raise ValueError(
                    "invalid restart policy format: maximum retry count must be an integer")
            policy["MaximumRetryCount"] = int(count)
        body["RestartPolicy"] = policy
    return body
