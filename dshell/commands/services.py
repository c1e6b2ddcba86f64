"""``service …``: create, inspect, logs, ls, ps, rm, rollback, scale, update (docker/cli's
cli/command/service), over ``/services``, ``/tasks`` and ``/services/{id}/logs``.

Flags become a swarm ServiceSpec as opts.go and update.go build it; without ``--detach`` the
command waits for convergence and shows progress.go's messages through the JSON progress
display (in place on a terminal, one line each elsewhere)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from dshell.commands.base import CommandBase, filters_param, key_values, path_segment
from dshell.commands.declare import FORMAT_HELP, Arg, Flag, command
from dshell.commands.swarm import invalid_flag, swarm_group
from dshell.engine.errors import EngineError
from dshell.records import replace

POLL_SECONDS = 0.2
DEFAULT_MONITOR = 5 * 10**9
DIGEST_WARNING = (
    "image {0} could not be accessed on a registry to record\n"
    "its digest. Each node will access {0} independently,\n"
    "possibly leading to different nodes running different\n"
    "versions of the image.\n"
)


class ArgsFlag(Flag):
    """``update --args``: stored apart from the positional arguments (``opts.args``)."""

    DEST = "command_args"

    @property
    def dest(self) -> str:
        return self.DEST


class ListFlag(Flag):
    """A repeatable flag of one of docker's own value types (``port``, ``secret``,
    ``config``, ``network``, ``pref``): each use adds a value, help shows the type."""

    @property
    def repeatable(self) -> bool:
        return True


#: The flags ``service create`` and ``service update`` both have, declared once.
SHARED_FLAGS = [
    Flag("cap-add", "Add Linux capabilities", type="list"),
    Flag("cap-drop", "Drop Linux capabilities", type="list"),
    Flag(
        "credential-spec",
        "Credential spec for managed service account (Windows only)",
        type="credential-spec",
    ),
    Flag("detach", "Exit immediately instead of waiting for the service to converge", short="d"),
    Flag("entrypoint", "Overwrite the default ENTRYPOINT of the image", type="command"),
    Flag("health-cmd", "Command to run to check health", type="string"),
    Flag("health-interval", "Time between running the check (ms|s|m|h)", type="duration"),
    Flag("health-retries", "Consecutive failures needed to report unhealthy", type="int"),
    Flag(
        "health-start-interval",
        "Time between running the check during the start period (ms|s|m|h)",
        type="duration",
    ),
    Flag(
        "health-start-period",
        "Start period for the container to initialize before counting retries towards "
        "unstable (ms|s|m|h)",
        type="duration",
    ),
    Flag("health-timeout", "Maximum time to allow one check to run (ms|s|m|h)", type="duration"),
    Flag("hostname", "Container hostname", type="string"),
    Flag("init", "Use an init inside each service container to forward signals and reap processes"),
    Flag(
        "isolation",
        "Service container isolation mode",
        type="string",
        kind="choice:default|process|hyperv",
    ),
    Flag("limit-cpu", "Limit CPUs", type="decimal"),
    Flag("limit-memory", "Limit Memory", type="bytes"),
    Flag("limit-pids", "Limit maximum number of processes (default 0 = unlimited)", type="int"),
    Flag(
        "log-driver",
        "Logging driver for service",
        type="string",
        kind="choice:json-file|local|journald|syslog|none",
    ),
    Flag("log-opt", "Logging driver options", type="list"),
    Flag(
        "max-concurrent",
        "Number of job tasks to run concurrently (default equal to --replicas)",
        type="uint",
    ),
    Flag("no-healthcheck", "Disable any container-specified HEALTHCHECK"),
    Flag(
        "no-resolve-image",
        "Do not query the registry to resolve image digest and supported platforms",
    ),
    Flag("oom-score-adj", "Tune host's OOM preferences (-1000 to 1000) ", type="int"),
    Flag("quiet", "Suppress progress output", short="q"),
    Flag("read-only", "Mount the container's root filesystem as read only"),
    Flag("replicas", "Number of tasks", type="uint"),
    Flag(
        "replicas-max-per-node",
        "Maximum number of tasks per node (default 0 = unlimited)",
        type="uint",
    ),
    Flag("reserve-cpu", "Reserve CPUs", type="decimal"),
    Flag("reserve-memory", "Reserve Memory", type="bytes"),
    Flag("restart-max-attempts", "Maximum number of restarts before giving up", type="uint"),
    Flag(
        "restart-window",
        "Window used to evaluate the restart policy (ns|us|ms|s|m|h)",
        type="duration",
    ),
    Flag("stop-signal", "Signal to stop the container", type="string", kind="signal"),
    Flag("tty", "Allocate a pseudo-TTY", short="t"),
    Flag("user", "Username or UID (format: <name|uid>[:<group|gid>])", short="u", type="string"),
    Flag("with-registry-auth", "Send registry authentication details to swarm agents"),
    Flag("workdir", "Working directory inside the container", short="w", type="string"),
    Flag("endpoint-mode", "Endpoint mode (vip or dnsrr)", type="string", kind="choice:vip|dnsrr"),
    Flag(
        "restart-condition",
        'Restart when condition is met ("none", "on-failure", "any")',
        type="string",
        kind="choice:none|on-failure|any",
    ),
    Flag("restart-delay", "Delay between restart attempts (ns|us|ms|s|m|h)", type="duration"),
    Flag("rollback-delay", "Delay between task rollbacks (ns|us|ms|s|m|h)", type="duration"),
    Flag(
        "rollback-failure-action",
        'Action on rollback failure ("pause", "continue")',
        type="string",
        kind="choice:pause|continue",
    ),
    Flag("rollback-max-failure-ratio", "Failure rate to tolerate during a rollback", type="float"),
    Flag(
        "rollback-monitor",
        "Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)",
        type="duration",
    ),
    Flag(
        "rollback-order",
        'Rollback order ("start-first", "stop-first")',
        type="string",
        kind="choice:start-first|stop-first",
    ),
    Flag(
        "rollback-parallelism",
        "Maximum number of tasks rolled back simultaneously (0 to roll back all at once)",
        type="uint",
    ),
    Flag(
        "stop-grace-period",
        "Time to wait before force killing a container (ns|us|ms|s|m|h)",
        type="duration",
    ),
    Flag("update-delay", "Delay between updates (ns|us|ms|s|m|h)", type="duration"),
    Flag(
        "update-failure-action",
        'Action on update failure ("pause", "continue", "rollback")',
        type="string",
        kind="choice:pause|continue|rollback",
    ),
    Flag("update-max-failure-ratio", "Failure rate to tolerate during an update", type="float"),
    Flag(
        "update-monitor",
        "Duration after each task update to monitor for failure (ns|us|ms|s|m|h)",
        type="duration",
    ),
    Flag(
        "update-order",
        'Update order ("start-first", "stop-first")',
        type="string",
        kind="choice:start-first|stop-first",
    ),
    Flag(
        "update-parallelism",
        "Maximum number of tasks updated simultaneously (0 to update all at once)",
        type="uint",
    ),
]

#: What ``service create``'s help shows as the default of a flag ``update`` has without one
#: (docker fills create's spec with these; update keeps what the service has).
_CREATE_DEFAULT_NOTES = {
    "restart-condition": '"any"',
    "restart-delay": "5s",
    "rollback-delay": "0s",
    "rollback-failure-action": '"pause"',
    "rollback-max-failure-ratio": "0",
    "rollback-monitor": "5s",
    "rollback-order": '"stop-first"',
    "stop-grace-period": "10s",
    "update-delay": "0s",
    "update-failure-action": '"pause"',
    "update-max-failure-ratio": "0",
    "update-monitor": "5s",
    "update-order": '"stop-first"',
}
#: Shared flags whose create form has a real default value.
_CREATE_DEFAULTS = {
    "endpoint-mode": "vip",
    "rollback-parallelism": 1,
    "update-parallelism": 1,
}


def _create_form(flag: Flag) -> Flag:
    """``service create``'s form of a shared flag: its default shown, or set."""
    if flag.long in _CREATE_DEFAULT_NOTES:
        flag = replace(flag, help=f"{flag.help} (default {_CREATE_DEFAULT_NOTES[flag.long]})")
    if flag.long in _CREATE_DEFAULTS:
        flag = replace(flag, default=_CREATE_DEFAULTS[flag.long])
    return flag


CREATE_FLAGS = [
    *map(_create_form, SHARED_FLAGS),
    ListFlag(
        "config", "Specify configurations to expose to the service", type="config", kind="config"
    ),
    Flag("constraint", "Placement constraints", type="list", kind="constraint"),
    Flag("container-label", "Container labels", type="list"),
    Flag("dns", "Set custom DNS servers", type="list", check="ip"),
    Flag("dns-option", "Set DNS options", type="list"),
    Flag("dns-search", "Set custom DNS search domains", type="list"),
    Flag("env", "Set environment variables", short="e", type="list", check="env"),
    Flag("env-file", "Read in a file of environment variables", type="list", kind="path"),
    Flag("generic-resource", "User defined resources", type="list"),
    Flag("group", "Set one or more supplementary user groups for the container", type="list"),
    Flag("host", "Set one or more custom host-to-IP mappings (host:ip)", type="list",
         check="extra_host"),
    Flag("label", "Service labels", short="l", type="list"),
    Flag(
        "mode",
        'Service mode ("replicated", "global", "replicated-job", "global-job")',
        type="string",
        kind="choice:replicated|global|replicated-job|global-job",
        default="replicated",
    ),
    Flag("mount", "Attach a filesystem mount to the service", type="mount"),
    Flag("name", "Service name", type="string"),
    ListFlag("network", "Network attachments", type="network", kind="network"),
    ListFlag("placement-pref", "Add a placement preference", type="pref",
             kind="placement-pref"),
    ListFlag("publish", "Publish a port as a node port", short="p", type="port"),
    ListFlag("secret", "Specify secrets to expose to the service", type="secret", kind="secret"),
    Flag("sysctl", "Sysctl options", type="list"),
    Flag("ulimit", "Ulimit options", type="ulimit", shown_default="[]"),
]
UPDATE_FLAGS = [
    *SHARED_FLAGS,
    ArgsFlag("args", "Service command args", type="command"),
    ListFlag(
        "config-add", "Add or update a config file on a service", type="config", kind="config"
    ),
    Flag("config-rm", "Remove a configuration file", type="list", kind="config"),
    Flag("constraint-add", "Add or update a placement constraint", type="list", kind="constraint"),
    Flag("constraint-rm", "Remove a constraint", type="list", kind="constraint"),
    Flag("container-label-add", "Add or update a container label", type="list"),
    Flag("container-label-rm", "Remove a container label by its key", type="list"),
    Flag("dns-add", "Add or update a custom DNS server", type="list", check="ip"),
    Flag("dns-option-add", "Add or update a DNS option", type="list"),
    Flag("dns-option-rm", "Remove a DNS option", type="list"),
    Flag("dns-rm", "Remove a custom DNS server", type="list"),
    Flag("dns-search-add", "Add or update a custom DNS search domain", type="list"),
    Flag("dns-search-rm", "Remove a DNS search domain", type="list"),
    Flag("env-add", "Add or update an environment variable", type="list", check="env"),
    Flag("env-rm", "Remove an environment variable", type="list"),
    Flag("force", "Force update even if no changes require it"),
    Flag("generic-resource-add", "Add a Generic resource", type="list"),
    Flag("generic-resource-rm", "Remove a Generic resource", type="list"),
    Flag("group-add", "Add an additional supplementary user group to the container", type="list"),
    Flag(
        "group-rm",
        "Remove a previously added supplementary user group from the container",
        type="list",
    ),
    Flag("host-add", 'Add a custom host-to-IP mapping ("host:ip")', type="list",
         check="extra_host"),
    Flag("host-rm", 'Remove a custom host-to-IP mapping ("host:ip")', type="list"),
    Flag("image", "Service image tag", type="string"),
    Flag("label-add", "Add or update a service label", type="list"),
    Flag("label-rm", "Remove a label by its key", type="list"),
    Flag("mount-add", "Add or update a mount on a service", type="mount"),
    Flag("mount-rm", "Remove a mount by its target path", type="list"),
    ListFlag("network-add", "Add a network", type="network", kind="network"),
    Flag("network-rm", "Remove a network", type="list", kind="network"),
    ListFlag("placement-pref-add", "Add a placement preference", type="pref",
             kind="placement-pref"),
    ListFlag("placement-pref-rm", "Remove a placement preference", type="pref"),
    ListFlag("publish-add", "Add or update a published port", type="port"),
    ListFlag("publish-rm", "Remove a published port by its target port", type="port"),
    Flag("rollback", "Rollback to previous specification"),
    ListFlag("secret-add", "Add or update a secret on a service", type="secret", kind="secret"),
    Flag("secret-rm", "Remove a secret", type="list", kind="secret"),
    Flag("sysctl-add", "Add or update a Sysctl option", type="list"),
    Flag("sysctl-rm", "Remove a Sysctl option", type="list"),
    Flag("ulimit-add", "Add or update a ulimit option", type="ulimit", shown_default="[]"),
    Flag("ulimit-rm", "Remove a ulimit option", type="list"),
]


LS_FLAGS = [
    Flag(
        "filter",
        "Filter output based on conditions provided",
        short="f",
        type="filter",
        kind="filter:service",
    ),
    Flag("format", FORMAT_HELP, type="string", kind="format:service"),
    Flag("quiet", "Only display IDs", short="q"),
]
PS_FLAGS = [
    Flag(
        "filter",
        "Filter output based on conditions provided",
        short="f",
        type="filter",
        kind="filter:task",
    ),
    Flag("format", "Pretty-print tasks using a Go template", type="string", kind="format:task"),
    Flag("no-resolve", "Do not map IDs to Names"),
    Flag("no-trunc", "Do not truncate output"),
    Flag("quiet", "Only display task IDs", short="q"),
]
LOGS_FLAGS = [
    Flag("details", "Show extra details provided to logs"),
    Flag("follow", "Follow log output", short="f"),
    Flag("no-resolve", "Do not map IDs to Names in output"),
    Flag("no-task-ids", "Do not include task IDs in output"),
    Flag("no-trunc", "Do not truncate output"),
    Flag("raw", "Do not neatly format logs"),
    Flag(
        "since",
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative '
        '(e.g. "42m" for 42 minutes)',
        type="string",
    ),
    Flag(
        "tail",
        "Number of lines to show from the end of the logs",
        short="n",
        type="string",
        default="all",
    ),
    Flag("timestamps", "Show timestamps", short="t"),
]
DETACH_FLAG = Flag("detach", "Exit immediately instead of waiting for the service to converge",
                   short="d")  # fmt: skip
QUIET_FLAG = Flag("quiet", "Suppress progress output", short="q")


#: docker's "version" annotations: the API version each flag needs (help hides it below that).
MIN_API = {
    "cap-add": "1.41",
    "cap-drop": "1.41",
    "config": "1.30",
    "config-add": "1.30",
    "config-rm": "1.30",
    "credential-spec": "1.29",
    "detach": "1.29",
    "details": "1.30",
    "dns": "1.25",
    "dns-add": "1.25",
    "dns-option": "1.25",
    "dns-option-add": "1.25",
    "dns-option-rm": "1.25",
    "dns-rm": "1.25",
    "dns-search": "1.25",
    "dns-search-add": "1.25",
    "dns-search-rm": "1.25",
    "force": "1.25",
    "group": "1.25",
    "group-add": "1.25",
    "group-rm": "1.25",
    "health-cmd": "1.25",
    "health-interval": "1.25",
    "health-retries": "1.25",
    "health-start-interval": "1.44",
    "health-start-period": "1.29",
    "health-timeout": "1.25",
    "host": "1.25",
    "host-add": "1.32",
    "host-rm": "1.25",
    "hostname": "1.25",
    "init": "1.37",
    "isolation": "1.35",
    "limit-pids": "1.41",
    "max-concurrent": "1.41",
    "network-add": "1.29",
    "network-rm": "1.29",
    "no-healthcheck": "1.25",
    "no-resolve-image": "1.30",
    "oom-score-adj": "1.46",
    "placement-pref": "1.28",
    "placement-pref-add": "1.28",
    "placement-pref-rm": "1.28",
    "raw": "1.30",
    "read-only": "1.28",
    "replicas-max-per-node": "1.40",
    "rollback": "1.25",
    "rollback-delay": "1.28",
    "rollback-failure-action": "1.28",
    "rollback-max-failure-ratio": "1.28",
    "rollback-monitor": "1.28",
    "rollback-order": "1.29",
    "rollback-parallelism": "1.28",
    "secret": "1.25",
    "secret-add": "1.25",
    "secret-rm": "1.25",
    "stop-signal": "1.28",
    "sysctl": "1.40",
    "sysctl-add": "1.40",
    "sysctl-rm": "1.40",
    "tty": "1.25",
    "ulimit": "1.41",
    "ulimit-add": "1.41",
    "ulimit-rm": "1.41",
    "update-max-failure-ratio": "1.25",
    "update-monitor": "1.25",
    "update-order": "1.29",
}


def _annotated(flags: list[Flag]) -> list[Flag]:
    """The flags with the API version docker annotates them with."""
    return [replace(f, min_api=MIN_API[f.long]) if f.long in MIN_API else f for f in flags]


CREATE_FLAGS = _annotated(CREATE_FLAGS)
UPDATE_FLAGS = _annotated(UPDATE_FLAGS)
LOGS_FLAGS = _annotated(LOGS_FLAGS)
DETACH_FLAG = replace(DETACH_FLAG, min_api="1.29")


# --- values docker parses itself -----------------------------------------------------------


class SpecError(Exception):
    """A refusal while building a spec, in docker's words (status 1)."""


def _int_flag(opts, long: str, bits: int = 64) -> int | None:  # noqa: ANN001
    """A ``uint`` value given as text (``Uint64Opt``: base 0)."""
    from dshell.commands.parse import NumError, go_parse_uint

    value = getattr(opts, long.replace("-", "_"))
    if value is None or isinstance(value, int):
        return value
    try:
        return go_parse_uint(str(value), bits)
    except NumError as exc:
        raise invalid_flag(opts, long, str(value), str(exc)) from None


def _duration(opts, long: str) -> int | None:  # noqa: ANN001
    from dshell.commands.run_options import parse_duration

    dest = long.replace("-", "_")
    if dest not in opts.given:
        return None
    value = getattr(opts, dest)
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise invalid_flag(opts, long, value, str(exc)) from None


def _positive_duration(opts, long: str) -> int | None:  # noqa: ANN001
    value = _duration(opts, long)
    if value is not None and value < 0:
        raise invalid_flag(opts, long, getattr(opts, long.replace("-", "_")),
                           "duration cannot be negative")  # fmt: skip
    return value


def _float(opts, long: str) -> float | None:  # noqa: ANN001
    dest = long.replace("-", "_")
    if dest not in opts.given:
        return None
    value = getattr(opts, dest)
    try:
        return float(value)
    except ValueError:
        raise invalid_flag(
            opts, long, value, f'strconv.ParseFloat: parsing "{value}": invalid syntax'
        ) from None


def _converted(opts, long: str, convert: Callable[[str], Any]) -> Any:  # noqa: ANN001
    """A flag's value through one of run_options' parsers, pflag's message on failure."""
    dest = long.replace("-", "_")
    value = getattr(opts, dest)
    if value is None:
        return None
    from dshell.commands.run_options import RunOptionError

    try:
        return convert(value)
    except (ValueError, RunOptionError) as exc:
        raise invalid_flag(opts, long, value, str(exc)) from None


def _each(opts, long: str, convert: Callable[[str], Any]) -> list[Any]:  # noqa: ANN001
    from dshell.commands.run_options import RunOptionError

    results = []
    for value in getattr(opts, long.replace("-", "_")):
        try:
            results.append(convert(value))
        except (ValueError, RunOptionError) as exc:
            raise invalid_flag(opts, long, value, str(exc)) from None
    return results


def _csv(value: str) -> list[str]:
    from dshell.commands.run_options import _csv_fields

    return _csv_fields(value)


def parse_port(value: str) -> list[dict]:
    """swarmopts.PortOpt: ``published=8080,target=80[,protocol=,mode=]`` or the short
    ``[published:]target[/protocol]`` (ranges too), always ingress for the short form."""
    if "=" in value:
        port: dict[str, Any] = {"Protocol": "tcp", "PublishMode": "ingress"}
        for field in _csv(value):
            key, has_value, val = field.partition("=")
            if not has_value:
                raise ValueError(f"invalid field {field}")
            key = key.lower()
            if key == "protocol":
                if val not in ("tcp", "udp", "sctp"):
                    raise ValueError(f"invalid protocol value '{val}'")
                port["Protocol"] = val
            elif key == "mode":
                if val not in ("ingress", "host"):
                    raise ValueError(f"invalid publish mode value ({val}): must be either "
                                     "'ingress' or 'host'")  # fmt: skip
                port["PublishMode"] = val
            elif key == "target":
                if not val.isdigit():
                    raise ValueError(
                        f"invalid target port ({val}): value must be an integer: invalid syntax"
                    )
                port["TargetPort"] = int(val)
            elif key == "published":
                if not val.isdigit():
                    raise ValueError(
                        f"invalid published port ({val}): value must be an integer: invalid syntax"
                    )
                port["PublishedPort"] = int(val)
            else:
                raise ValueError(f"invalid field key: {key}")
        if not port.get("TargetPort"):
            raise ValueError("missing mandatory field 'target'")
        return [port]
    from dshell.commands.run_options import RunOptionError, parse_port_spec

    try:
        specs = parse_port_spec(value)
    except RunOptionError as exc:
        raise ValueError(str(exc)) from None
    ports = []
    for proto_port, binding in specs:
        target, _, protocol = proto_port.partition("/")
        host_port = binding.get("HostPort") or ""
        if binding.get("HostIp"):
            raise ValueError("hostip is not supported")
        entry: dict[str, Any] = {"Protocol": protocol or "tcp", "TargetPort": int(target),
                                 "PublishMode": "ingress"}  # fmt: skip
        if host_port:
            entry["PublishedPort"] = int(host_port.split("-")[0])
        ports.append(entry)
    return ports


def parse_file_reference(value: str, kind: str) -> dict:
    """swarmopts.SecretOpt/ConfigOpt: a name, or ``source=,target=,uid=,gid=,mode=``."""
    ref: dict[str, Any] = {"File": {"Name": "", "UID": "0", "GID": "0", "Mode": 0o444}}
    name_key = "SecretName" if kind == "secret" else "ConfigName"
    fields = _csv(value)
    for field in fields:
        key, has_value, val = field.partition("=")
        if not has_value:
            if len(fields) == 1:
                ref[name_key] = field
                ref["File"]["Name"] = field
                return ref
            raise ValueError(f"invalid field '{field}' must be a key=value pair")
        key = key.lower()
        if key in ("source", "src"):
            ref[name_key] = val
        elif key == "target":
            ref["File"]["Name"] = val
        elif key == "uid":
            ref["File"]["UID"] = val
        elif key == "gid":
            ref["File"]["GID"] = val
        elif key == "mode":
            try:
                ref["File"]["Mode"] = int(val, 8)
            except ValueError:
                raise ValueError(f"invalid mode specified: {val}") from None
        else:
            raise ValueError(f"invalid field in {kind} request: {key}")
    if not ref.get(name_key):
        raise ValueError("source is required")
    if not ref["File"]["Name"]:
        ref["File"]["Name"] = ref[name_key]
    return ref


def parse_network(value: str) -> dict:
    """opts.NetworkOpt: a name, or ``name=,alias=,driver-opt=k=v``."""
    if "=" not in value:
        return {"Target": value}
    network: dict[str, Any] = {}
    for field in _csv(value):
        key, _, val = field.partition("=")
        key = key.lower()
        if key == "name":
            network["Target"] = val
        elif key == "alias":
            network.setdefault("Aliases", []).append(val)
        elif key == "driver-opt":
            opt_key, _, opt_value = val.partition("=")
            network.setdefault("DriverOpts", {})[opt_key] = opt_value
        elif key in ("ip", "ip6", "link-local-ip", "mac-address", "gw-priority"):
            continue
        else:
            raise ValueError(f"invalid field key {key}")
    return network


def parse_pref(value: str) -> dict:
    strategy, has_arg, arg = value.partition("=")
    if not has_arg or not strategy:
        raise ValueError('placement preference must be of the format "<strategy>=<arg>"')
    if strategy != "spread":
        raise ValueError(f"unsupported placement preference {strategy} (only spread is supported)")
    return {"Spread": {"SpreadDescriptor": arg}}


def _shlex(value: str) -> list[str]:
    import shlex

    try:
        return shlex.split(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def _port_key(port: dict) -> str:
    return (f"{port.get('PublishedPort', 0)}:{port.get('TargetPort', 0)}/"
            f"{port.get('Protocol', '')}/{port.get('PublishMode', '')}")  # fmt: skip


def _update_config_defaults() -> dict:
    return {"Parallelism": 1, "FailureAction": "pause", "Monitor": DEFAULT_MONITOR,
            "MaxFailureRatio": 0, "Order": "stop-first"}  # fmt: skip


def _restart_defaults() -> dict:
    return {"Condition": "any", "Delay": DEFAULT_MONITOR, "MaxAttempts": 0}


def _image_with_tag(image: str) -> str:
    """The image as docker records it when the registry cannot be asked: its familiar name
    with ``latest`` added when it has neither tag nor digest."""
    from dshell.engine.references import with_default_tag
    from dshell.render.images import parse_normalized_reference

    ref = parse_normalized_reference(image)
    if ref is None:
        return image
    return with_default_tag(ref).familiar_string()


class ServiceCommands(CommandBase):
    cmd_service = swarm_group("service", "Manage Swarm services")

    # --- building a spec -------------------------------------------------------------------

    def _svc_network_id(self, name: str) -> str:
        network = self.client.get_json(f"/networks/{path_segment(name)}", {"scope": "swarm"})
        return network.get("Id") or network.get("ID") or ""

    def _svc_references(self, kind: str, refs: list[dict]) -> list[dict]:
        """docker's ParseSecrets/ParseConfigs: the names looked up, their IDs filled in."""
        name_key = "SecretName" if kind == "secret" else "ConfigName"
        seen: set[str] = set()
        names = []
        for ref in refs:
            target = (ref.get("File") or {}).get("Name", "")
            if kind == "secret" and target in seen:
                raise SpecError(f"duplicate secret target for {ref[name_key]} not allowed")
            seen.add(target)
            names.append(ref[name_key])
        if not refs:
            return []
        path = "/secrets" if kind == "secret" else "/configs"
        found = self.client.get_json(path, {"filters": filters_param([f"name={n}" for n in names])})
        ids = {(o.get("Spec") or {}).get("Name"): o.get("ID") for o in found or []}
        result = []
        for ref in refs:
            ident = ids.get(ref[name_key])
            if ident is None:
                raise SpecError(f"{kind} not found: {ref[name_key]}")
            id_key = "SecretID" if kind == "secret" else "ConfigID"
            result.append({"File": ref["File"], id_key: ident, name_key: ref[name_key]})
        return result

    def _svc_health(self, opts) -> dict | None:  # noqa: ANN001
        interval = _positive_duration(opts, "health-interval")
        timeout = _positive_duration(opts, "health-timeout")
        start = _positive_duration(opts, "health-start-period")
        start_interval = _positive_duration(opts, "health-start-interval")
        retries = opts.health_retries or 0
        have = (
            bool(opts.health_cmd)
            or any(v is not None for v in (interval, timeout, start, start_interval))
            or retries != 0
        )
        if opts.no_healthcheck:
            if have:
                raise SpecError("--no-healthcheck conflicts with --health-* options")
            return {"Test": ["NONE"]}
        if not have:
            return None
        health: dict[str, Any] = {}
        if opts.health_cmd:
            health["Test"] = ["CMD-SHELL", opts.health_cmd]
        for key, value in (("Interval", interval), ("Timeout", timeout),
                           ("StartPeriod", start), ("StartInterval", start_interval)):  # fmt: skip
            if value:
                health[key] = value
        if retries:
            health["Retries"] = retries
        return health

    def _svc_update_config(self, opts, prefix: str) -> dict | None:  # noqa: ANN001
        names = ("parallelism", "delay", "monitor", "failure-action", "max-failure-ratio",
                 "order")  # fmt: skip
        if not any(f"{prefix}_{n}".replace("-", "_") in opts.given for n in names):
            return None
        config = _update_config_defaults()
        self._svc_merge_update_config(opts, prefix, config)
        return config

    def _svc_merge_update_config(self, opts, prefix: str, config: dict) -> None:  # noqa: ANN001
        dest = prefix.replace("-", "_")
        if f"{dest}_parallelism" in opts.given:
            config["Parallelism"] = _int_flag(opts, f"{prefix}-parallelism")
        for key, name in (("Delay", "delay"), ("Monitor", "monitor")):
            value = _duration(opts, f"{prefix}-{name}")
            if value is not None:
                config[key] = value
        if f"{dest}_failure_action" in opts.given:
            config["FailureAction"] = getattr(opts, f"{dest}_failure_action")
        ratio = _float(opts, f"{prefix}-max-failure-ratio")
        if ratio is not None:
            config["MaxFailureRatio"] = ratio
        if f"{dest}_order" in opts.given:
            config["Order"] = getattr(opts, f"{dest}_order")

    def _svc_mode(self, opts) -> dict:  # noqa: ANN001
        replicas = _int_flag(opts, "replicas") if "replicas" in opts.given else None
        concurrent = _int_flag(opts, "max-concurrent") if "max_concurrent" in opts.given else None
        most = _int_flag(opts, "replicas-max-per-node") or 0
        mode = opts.mode
        if mode in ("global", "global-job"):
            if mode == "global" and replicas is not None:
                raise SpecError("replicas can only be used with replicated or replicated-job mode")
            if most > 0:
                raise SpecError(
                    "replicas-max-per-node can only be used with replicated or replicated-job mode"
                )
            if concurrent is not None:
                raise SpecError("max-concurrent can only be used with replicated-job mode")
            if replicas is not None:
                raise SpecError("replicas can only be used with replicated or replicated-job mode")
            return {"Global": {}} if mode == "global" else {"GlobalJob": {}}
        if mode == "replicated":
            if concurrent is not None:
                raise SpecError("max-concurrent can only be used with replicated-job mode")
            return {"Replicated": {} if replicas is None else {"Replicas": replicas}}
        if mode == "replicated-job":
            job: dict[str, Any] = {}
            if (concurrent if concurrent is not None else replicas) is not None:
                job["MaxConcurrent"] = concurrent if concurrent is not None else replicas
            if replicas is not None:
                job["TotalCompletions"] = replicas
            return {"ReplicatedJob": job}
        raise SpecError(f"Unknown mode: {mode}, only replicated and global supported")

    def _svc_env(self, opts) -> list[str]:  # noqa: ANN001
        import os

        from dshell.commands.run_options import RunOptionError, parse_env_file

        values: list[str] = []
        for path in opts.env_file:
            try:
                values += parse_env_file(path, os.environ)
            except (OSError, ValueError, RunOptionError) as exc:
                raise SpecError(str(exc)) from None
        for value in opts.env:
            if "=" not in value and value in os.environ:
                value = f"{value}={os.environ[value]}"
            values.append(value)
        current: list[str] = []
        for env in values:
            key = env.partition("=")[0]
            current = [c for c in current if c == env or not c.startswith(key + "=")]
            current.append(env)
        return current

    def service_build_spec(self, opts, image: str, args: list[str]) -> dict:  # noqa: ANN001
        """opts.go's ToService: the flags of ``service create`` as a ServiceSpec."""
        from dshell.commands.run_options import (
            normalized_capabilities,
            parse_bytes,
            parse_cpus,
            parse_mount,
            parse_ulimit,
        )

        env = self._svc_env(opts)
        health = self._svc_health(opts)
        mode = self._svc_mode(opts)
        update = self._svc_update_config(opts, "update")
        rollback = self._svc_update_config(opts, "rollback")
        if ("ReplicatedJob" in mode or "GlobalJob" in mode) and (update or rollback):
            raise SpecError("update and rollback configuration is not supported for jobs")
        networks = _each(opts, "network", parse_network)
        for network in networks:
            network["Target"] = self._svc_network_id(network["Target"])
        networks.sort(key=lambda n: n["Target"])
        container: dict[str, Any] = {"Image": image, "Labels": key_values(opts.container_label),
                                     "Init": bool(opts.init), "DNSConfig": {}}  # fmt: skip
        if args:
            container["Args"] = args
        entrypoint = _converted(opts, "entrypoint", _shlex)
        if entrypoint:
            container["Command"] = entrypoint
        for key, value in (("Env", env), ("Hostname", opts.hostname), ("Dir", opts.workdir),
                           ("User", opts.user), ("Groups", opts.group),
                           ("StopSignal", opts.stop_signal), ("TTY", opts.tty),
                           ("ReadOnly", opts.read_only), ("Isolation", opts.isolation),
                           ("OomScoreAdj", opts.oom_score_adj)):  # fmt: skip
            if value:
                container[key] = value
        mounts = _each(opts, "mount", parse_mount)
        if mounts:
            container["Mounts"] = mounts
        dns = {"Nameservers": opts.dns, "Search": opts.dns_search, "Options": opts.dns_option}
        container["DNSConfig"] = {k: v for k, v in dns.items() if v}
        hosts = [f"{ip} {host}" for host, sep, ip in (h.partition(":") for h in opts.host) if sep]
        if hosts:
            container["Hosts"] = hosts
        grace = _duration(opts, "stop-grace-period")
        if grace is not None:
            container["StopGracePeriod"] = grace
        if health is not None:
            container["Healthcheck"] = health
        if opts.sysctl:
            container["Sysctls"] = key_values(opts.sysctl)
        if opts.cap_add or opts.cap_drop:
            add = normalized_capabilities(opts.cap_add) or []
            drop = normalized_capabilities(opts.cap_drop) or []
            if "ALL" in add:
                add, drop = ["ALL"], []
            if add:
                container["CapabilityAdd"] = add
            if drop:
                container["CapabilityDrop"] = drop
        ulimits = _each(opts, "ulimit", parse_ulimit)
        if ulimits:
            container["Ulimits"] = ulimits
        if opts.credential_spec:
            container["Privileges"] = {"CredentialSpec": self._svc_credential_spec(opts)}
        limits: dict[str, Any] = {}
        reservations: dict[str, Any] = {}
        for target, key, long, convert in (
            (limits, "NanoCPUs", "limit-cpu", parse_cpus),
            (limits, "MemoryBytes", "limit-memory", parse_bytes),
            (reservations, "NanoCPUs", "reserve-cpu", parse_cpus),
            (reservations, "MemoryBytes", "reserve-memory", parse_bytes),
        ):
            value = _converted(opts, long, convert)
            if value:
                target[key] = value
        if opts.limit_pids:
            limits["Pids"] = opts.limit_pids
        generic = self._svc_generic_resources(opts.generic_resource)
        if generic:
            reservations["GenericResources"] = generic
        placement: dict[str, Any] = {}
        if opts.constraint:
            placement["Constraints"] = opts.constraint
        prefs = _each(opts, "placement-pref", parse_pref)
        if prefs:
            placement["Preferences"] = prefs
        most = _int_flag(opts, "replicas-max-per-node")
        if most:
            placement["MaxReplicas"] = most
        task: dict[str, Any] = {
            "ContainerSpec": container,
            "Resources": {"Limits": limits, "Reservations": reservations},
            "Placement": placement,
        }
        if networks:
            task["Networks"] = networks
        restart = self._svc_restart_policy(opts, None)
        if restart is not None:
            task["RestartPolicy"] = restart
        if opts.log_driver:
            task["LogDriver"] = {"Name": opts.log_driver, "Options": key_values(opts.log_opt)}
        ports = [p for value in _each(opts, "publish", parse_port) for p in value]
        endpoint: dict[str, Any] = {"Mode": (opts.endpoint_mode or "").lower()}
        if ports:
            endpoint["Ports"] = ports
        spec: dict[str, Any] = {
            "Name": opts.name or "",
            "Labels": key_values(opts.label),
            "TaskTemplate": task,
            "Mode": mode,
            "EndpointSpec": endpoint,
        }
        if update is not None:
            spec["UpdateConfig"] = update
        if rollback is not None:
            spec["RollbackConfig"] = rollback
        return spec

    def _svc_credential_spec(self, opts) -> dict:  # noqa: ANN001
        value = opts.credential_spec
        for prefix, key in (("config://", "Config"), ("file://", "File"),
                            ("registry://", "Registry")):  # fmt: skip
            if value.startswith(prefix):
                return {key: value[len(prefix) :]}
        raise invalid_flag(opts, "credential-spec", value, 'invalid credential spec: value must '
                           'be prefixed with "config://", "file://", or "registry://"')  # fmt: skip

    @staticmethod
    def _svc_generic_resources(values: list[str]) -> list[dict]:
        resources = []
        for value in values:
            kind, has_value, amount = value.partition("=")
            if not has_value:
                raise SpecError(f"invalid generic resource specification: {value}")
            if amount.isdigit():
                resources.append({"DiscreteResourceSpec": {"Kind": kind, "Value": int(amount)}})
            else:
                resources.append({"NamedResourceSpec": {"Kind": kind, "Value": amount}})
        return resources

    def _svc_restart_policy(self, opts, current: dict | None) -> dict | None:  # noqa: ANN001
        names = ("restart_condition", "restart_delay", "restart_max_attempts", "restart_window")
        if not any(n in opts.given for n in names):
            return current
        policy = dict(current) if current is not None else _restart_defaults()
        if "restart_condition" in opts.given:
            policy["Condition"] = opts.restart_condition
        for key, long in (("Delay", "restart-delay"), ("Window", "restart-window")):
            value = _duration(opts, long)
            if value is not None:
                policy[key] = value
        if "restart_max_attempts" in opts.given:
            policy["MaxAttempts"] = _int_flag(opts, "restart-max-attempts")
        return policy

    def _svc_resolve_image(self, spec: dict, opts, warnings: list[str]) -> None:  # noqa: ANN001
        """The client's QueryRegistry: pin the image to its digest when the daemon can ask
        the registry, else keep it tagged and warn as docker does."""
        container = spec["TaskTemplate"]["ContainerSpec"]
        image = container.get("Image") or ""
        tagged = _image_with_tag(image)
        headers = self._svc_auth_headers(image) if opts.with_registry_auth else None
        try:
            response = self.client.request("GET", f"/distribution/{image}/json", headers=headers)
            answer = response.json()
            digest = (answer.get("Descriptor") or {}).get("digest") or ""
        except (EngineError, ValueError):
            digest = ""
            answer = {}
        if not digest:
            container["Image"] = tagged
            warnings.append(DIGEST_WARNING.format(tagged))
            return
        container["Image"] = f"{tagged.split('@')[0]}@{digest}"
        platforms = [
            {"Architecture": p.get("architecture", ""), "OS": p.get("os", "")}
            for p in answer.get("Platforms") or []
        ]
        if platforms:
            spec["TaskTemplate"].setdefault("Placement", {})["Platforms"] = platforms

    def _svc_auth_headers(self, image: str) -> dict[str, str]:
        from dshell.engine.auth import auth_header_for_domain
        from dshell.render.images import parse_normalized_reference

        ref = parse_normalized_reference(image)
        domain = ref.domain if ref is not None else "docker.io"
        return {"X-Registry-Auth": auth_header_for_domain(self.config, domain)}

    # --- waiting for convergence ----------------------------------------------------------

    def _svc_progress_messages(self, service_id: str) -> Iterator[dict]:
        """progress.go's ServiceProgress as JSON messages; Ctrl-C ends it as docker does."""
        from dshell.render.services import ServiceProgress, progress_message

        updater = None
        converged = False
        converged_at = 0.0
        monitor = DEFAULT_MONITOR
        rollback = False
        message: dict | None = None
        while True:
            try:
                service = self.client.get_json(f"/services/{path_segment(service_id)}")
                config = (service.get("Spec") or {}).get("UpdateConfig") or {}
                if config.get("Monitor"):
                    monitor = int(config["Monitor"])
                if updater is None:
                    try:
                        updater = ServiceProgress(service)
                    except ValueError as exc:
                        raise SpecError(str(exc)) from None
                status = service.get("UpdateStatus") or {}
                state = status.get("State")
                if state == "updating":
                    rollback = False
                elif state == "completed" and not converged:
                    return
                elif state == "paused":
                    raise SpecError(f"service update paused: {status.get('Message', '')}")
                elif state == "rollback_started":
                    if not rollback and status.get("Message"):
                        yield progress_message("rollback", status["Message"])
                    rollback = True
                elif state == "rollback_paused":
                    raise SpecError(f"service rollback paused: {status.get('Message', '')}")
                elif state == "rollback_completed":
                    if not converged:
                        message = {"status": status.get("Message", ""), "id": "rollback"}
                    rollback = True
                elapsed = (time.monotonic() - converged_at) * 1e9
                if converged and elapsed >= monitor:
                    yield progress_message("verify", f"Service {service_id} converged")
                    if message is not None:
                        yield message
                    return
                filters = filters_param([f"service={service.get('ID', '')}", "_up-to-date=true"])
                tasks = self.client.get_json("/tasks", {"filters": filters}) or []
                nodes = self.client.get_json("/nodes") or []
                active = {n.get("ID") for n in nodes
                          if (n.get("Status") or {}).get("State") != "down"}  # fmt: skip
                lines, converged = updater.update(service, tasks, active, rollback)
                yield from lines
                if converged:
                    if service.get("JobStatus") is not None:
                        yield {"status": "job complete"}
                        return
                    if not converged_at:
                        converged_at = time.monotonic()
                    wait = monitor - (time.monotonic() - converged_at) * 1e9
                    if wait >= 0:
                        seconds = int(wait // 10**9) + 1
                        yield progress_message(
                            "verify",
                            f"Waiting {seconds} seconds to verify that tasks are stable...",
                        )
                else:
                    if converged_at:
                        yield progress_message("verify", "Detected task failure")
                    converged_at = 0.0
                time.sleep(POLL_SECONDS)
            except KeyboardInterrupt:
                if not converged:
                    yield {"status": "Operation continuing in background."}
                    yield {"status": f"Use `docker service ps {service_id}` to check progress."}
                return

    def wait_on_service(self, service_id: str, quiet: bool) -> int:
        """docker's WaitOnService: progress on stdout (none with ``quiet``); a failure is
        printed and makes the status 1."""
        from dshell.render.progress import display_json_messages, terminal_width

        messages = self._svc_progress_messages(service_id)
        out = self.stdout
        try:
            if quiet:
                for _message in messages:
                    pass
            else:
                display_json_messages(
                    messages, out, is_terminal=out.is_terminal,
                    width=lambda: terminal_width(out.fd), flush=out.flush,
                )  # fmt: skip
        except (SpecError, EngineError) as exc:
            out.flush()
            self.err(str(exc))
            return 1
        finally:
            out.flush()
        return 0

    # --- commands --------------------------------------------------------------------------

    @command(
        "Create a new service",
        flags=CREATE_FLAGS,
        args=[Arg("IMAGE", kind="image"), Arg("COMMAND", optional=True)],
        rest_kind="none",
        interspersed=False,
        usage="[OPTIONS] IMAGE [COMMAND] [ARG...]",
    )
    def cmd_service_create(self, opts) -> int:  # noqa: ANN001
        image, args = opts.args[0], opts.args[1:]
        try:
            spec = self.service_build_spec(opts, image, args)
            container = spec["TaskTemplate"]["ContainerSpec"]
            secrets = self._svc_references(
                "secret", _each(opts, "secret", lambda v: parse_file_reference(v, "secret"))
            )
            if secrets:
                container["Secrets"] = secrets
            configs = self._svc_references(
                "config", _each(opts, "config", lambda v: parse_file_reference(v, "config"))
            )
            if configs:
                container["Configs"] = configs
        except SpecError as exc:
            self.err(str(exc))
            return 1
        warnings: list[str] = []
        headers = self._svc_auth_headers(image) if opts.with_registry_auth else None
        if not opts.no_resolve_image:
            self._svc_resolve_image(spec, opts, warnings)
        response = self.client.request("POST", "/services/create", json_body=spec,
                                       headers=headers).json()  # fmt: skip
        self.stdout.flush()
        for warning in [*(response.get("Warnings") or []), *warnings]:
            self.err(warning)
        service_id = response.get("ID", "")
        self.out(service_id)
        self.stdout.flush()
        if opts.detach:
            return 0
        return self.wait_on_service(service_id, opts.quiet)

    @command(
        "Display detailed information on one or more services",
        flags=[
            Flag("format", "Format output using a custom template:\n"
                 "'json':             Print in JSON format\n"
                 "'TEMPLATE':         Print output using the given Go template.\n"
                 "Refer to https://docs.docker.com/go/formatting/ for more information about "
                 "formatting output with templates", short="f", type="string"),
            Flag("pretty", "Print the information in a human friendly format"),
        ],
        args=[Arg("SERVICE", kind="service", many=True)],
    )  # fmt: skip
    def cmd_service_inspect(self, opts) -> int:  # noqa: ANN001
        fmt = "pretty" if opts.pretty else opts.format
        if not fmt:
            fmt = str(self.config.get("serviceInspectFormat") or "") or None
        if fmt and fmt.startswith("pretty") and fmt != "pretty":
            self.err("Cannot supply extra formatting options to the pretty template")
            return 1
        if fmt != "pretty":

            def get(reference: str) -> bytes:
                try:
                    return self.client.get_raw(f"/services/{path_segment(reference)}",
                                               {"insertDefaults": "true"})  # fmt: skip
                except EngineError as exc:
                    if exc.status == 404:
                        raise EngineError(f"Error: no such service: {reference}", 404) from None
                    raise

            return self.print_inspect(opts.args, fmt, get)
        from dshell.render.services import pretty_service

        shown = []
        for reference in opts.args:
            try:
                service = self.client.get_json(f"/services/{path_segment(reference)}",
                                               {"insertDefaults": "true"})  # fmt: skip
            except EngineError as exc:
                # docker renders once every service is in hand: a failure prints none
                self.err(f"Error: no such service: {reference}" if exc.status == 404 else str(exc))
                return 1
            names = {}
            for network in (service.get("Spec") or {}).get("TaskTemplate", {}).get(
                "Networks"
            ) or []:
                target = network.get("Target", "")
                try:
                    found = self.client.get_json(f"/networks/{path_segment(target)}",
                                                 {"scope": "swarm"})  # fmt: skip
                    names[target] = found.get("Name") or target
                except EngineError:
                    names[target] = target
            shown.append(pretty_service(service, names))
        self.stdout.write("".join(text + "\n" for text in shown))
        return 0

    @command(
        "Fetch the logs of a service or task",
        flags=LOGS_FLAGS,
        args=[Arg("SERVICE|TASK", kind="service-or-task")],
    )
    def cmd_service_logs(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.logs import TimestampError, get_timestamp, interruptible

        target = opts.args[0]
        width = 1
        try:
            service = self.client.get_json(f"/services/{path_segment(target)}")
            path = f"/services/{path_segment(target)}/logs"
            spec = service.get("Spec") or {}
            tty = bool(((spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}).get("TTY"))
            replicas = ((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas")
            if replicas is not None:
                width = len(str(replicas))
        except EngineError as exc:
            if exc.status != 404:
                raise
            try:
                task = self.client.get_json(f"/tasks/{path_segment(target)}")
            except EngineError as missing:
                if missing.status == 404:
                    self.err(f"no such task or service: {target}")
                    return 1
                raise
            path = f"/tasks/{path_segment(target)}/logs"
            tty = bool(((task.get("Spec") or {}).get("ContainerSpec") or {}).get("TTY"))
            width = len(str(task.get("Slot") or 0))
        if tty and not opts.raw:
            self.err("tty service logs only supported with --raw")
            return 1
        params: dict[str, Any] = {"stdout": True, "stderr": True, "follow": opts.follow,
                                  "timestamps": opts.timestamps, "tail": opts.tail,
                                  "details": opts.details or not opts.raw}  # fmt: skip
        if opts.since:
            try:
                params["since"] = get_timestamp(opts.since)
            except TimestampError as exc:
                self.err(f'invalid value for "since": {exc}')
                return 1
        response = self.client.request("GET", path, params=params, stream=True)
        from dshell.render.stats import close_streaming

        writer = _LogPrefixer(self, opts, width)
        try:
            interruptible(lambda: writer.copy(response, tty), lambda: close_streaming(response))
        except SpecError as exc:
            self.stdout.flush()
            self.err(str(exc))
            return 1
        finally:
            response.close()
            self.stdout.flush()
        return 0

    @command(
        "List services",
        aliases=["service list"],
        flags=LS_FLAGS,
    )
    def cmd_service_ls(self, opts) -> int:  # noqa: ANN001
        from dshell.render.services import render_services, service_format

        params: dict[str, Any] = {"filters": filters_param(opts.filter)}
        if not opts.quiet:
            params["status"] = "true"
        services = self.client.get_json("/services", params) or []
        fmt = service_format(opts.format, str(self.config.get("servicesFormat") or ""),
                             opts.quiet)  # fmt: skip
        self.stdout.write(render_services(services, fmt))
        return 0

    def _svc_service_filter(self, references: list[str]) -> tuple[list[str], list[str]]:
        """ps.go's createFilter: each reference as an exact ID, an exact name, then a unique
        ID prefix; the IDs found and the ones not found."""
        by_id = (
            self.client.get_json(
                "/services", {"filters": filters_param([f"id={r}" for r in references])}
            )
            or []
        )
        by_name = (
            self.client.get_json(
                "/services", {"filters": filters_param([f"name={r}" for r in references])}
            )
            or []
        )
        found: list[str] = []
        missing: list[str] = []
        for reference in references:
            exact = [s["ID"] for s in by_id if s.get("ID") == reference] or [
                s["ID"] for s in by_name if (s.get("Spec") or {}).get("Name") == reference
            ]
            if exact:
                found.append(exact[0])
                continue
            prefixed = [s["ID"] for s in by_id if str(s.get("ID", "")).startswith(reference)]
            if len(prefixed) > 1:
                raise SpecError(f"multiple services found with provided prefix: {reference}")
            if prefixed:
                found.append(prefixed[0])
            else:
                missing.append(f"no such service: {reference}")
        return found, missing

    @command(
        "List the tasks of one or more services",
        flags=PS_FLAGS,
        args=[Arg("SERVICE", kind="service", many=True)],
    )
    def cmd_service_ps(self, opts) -> int:  # noqa: ANN001
        try:
            found, missing = self._svc_service_filter(opts.args)
            if not found:
                raise SpecError("\n".join(missing))
            filters = [*opts.filter, *(f"service={ident}" for ident in found)]
            filters = [self._svc_node_filter(f) for f in filters]
        except SpecError as exc:
            self.err(str(exc))
            return 1
        tasks = self.client.get_json("/tasks", {"filters": filters_param(filters)}) or []
        self.print_tasks(tasks, opts.format, opts.quiet, not opts.no_resolve,
                         not (opts.no_trunc or opts.quiet))  # fmt: skip
        if missing:
            self.stdout.flush()
            self.err("\n".join(missing))
            return 1
        return 0

    def _svc_node_filter(self, value: str) -> str:
        """A ``node=self`` filter as this engine's node ID (docker's node.Reference)."""
        key, _, node = value.partition("=")
        if key.strip().lower() != "node" or node != "self":
            return value
        info = self.client.get_json("/info") or {}
        ident = (info.get("Swarm") or {}).get("NodeID") or ""
        if not ident:
            raise SpecError("node ID not found in /info")
        return f"node={ident}"

    @command(
        "Remove one or more services",
        aliases=["service remove"],
        args=[Arg("SERVICE", kind="service", many=True)],
    )
    def cmd_service_rm(self, opts) -> int:  # noqa: ANN001
        def remove(reference: str) -> None:
            self.client.request("DELETE", f"/services/{path_segment(reference)}")

        return self.for_each(opts.args, remove)

    @command(
        "Revert changes to a service's configuration",
        flags=[DETACH_FLAG, QUIET_FLAG],
        args=[Arg("SERVICE", kind="service")],
    )
    def cmd_service_rollback(self, opts) -> int:  # noqa: ANN001
        reference = opts.args[0]
        service = self.client.get_json(f"/services/{path_segment(reference)}")
        response = self._svc_post_update(service, service.get("Spec") or {},
                                     {"rollback": "previous"})  # fmt: skip
        return self._svc_after_update(response, reference, opts.detach, opts.quiet)

    def _svc_post_update(self, service: dict, spec: dict, params: dict,
                     headers: dict | None = None) -> dict:  # fmt: skip
        version = (service.get("Version") or {}).get("Index", 0)
        return self.client.request(
            "POST", f"/services/{path_segment(service.get('ID', ''))}/update",
            params={"version": version, **params}, json_body=spec, headers=headers,
        ).json() or {}  # fmt: skip

    def _svc_after_update(self, response: dict, reference: str, detach: bool, quiet: bool,
                      extra: list[str] = ()) -> int:  # fmt: skip
        self.stdout.flush()
        for warning in [*(response.get("Warnings") or []), *extra]:
            self.err(warning)
        self.out(reference)
        self.stdout.flush()
        if detach:
            return 0
        return self.wait_on_service(reference, quiet)

    @command(
        "Scale one or multiple replicated services",
        flags=[DETACH_FLAG],
        args=[Arg("SERVICE=REPLICAS", kind="service", many=True)],
        usage="SERVICE=REPLICAS [SERVICE=REPLICAS...]",
    )
    def cmd_service_scale(self, opts) -> int:  # noqa: ANN001
        from dshell.commands.parse import NumError, go_parse_uint

        for arg in opts.args:
            name, sep, value = arg.partition("=")
            if not sep or not name or not value:
                cmd = opts.command
                text = (
                    f"invalid scale specifier '{arg}'.\nSee '{cmd.command_path()} --help'.\n\n"
                    f"Usage:  {cmd.use_line()}\n\n{cmd.summary}"
                )
                self.err(text)
                return 1
        errors: list[str] = []
        scaled: list[str] = []
        for arg in opts.args:
            name, _, value = arg.partition("=")
            try:
                replicas = go_parse_uint(value, 64, base=10)
            except NumError as exc:
                errors.append(f"{name}: invalid replicas value {value}: {exc}")
                continue
            try:
                service = self.client.get_json(f"/services/{path_segment(name)}")
                mode = (service.get("Spec") or {}).setdefault("Mode", {})
                if mode.get("Replicated") is not None:
                    mode["Replicated"]["Replicas"] = replicas
                elif mode.get("ReplicatedJob") is not None:
                    mode["ReplicatedJob"]["TotalCompletions"] = replicas
                else:
                    raise SpecError("scale can only be used with replicated or replicated-job mode")
                response = self._svc_post_update(service, service["Spec"], {})
            except (EngineError, SpecError) as exc:
                errors.append(f"{name}: {exc}")
                continue
            self.stdout.flush()
            for warning in response.get("Warnings") or []:
                self.err(warning)
            self.out(f"{name} scaled to {replicas}")
            self.stdout.flush()
            scaled.append(name)
        if scaled and not opts.detach:
            for name in scaled:
                if self.wait_on_service(name, False):
                    errors.append(f"{name}: failed")
        self.stdout.flush()
        for line in errors:
            self.err(line)
        return 1 if errors else 0

    @command(
        "Update a service",
        flags=UPDATE_FLAGS,
        args=[Arg("SERVICE", kind="service")],
    )
    def cmd_service_update(self, opts) -> int:  # noqa: ANN001
        reference = opts.args[0]
        service = self.client.get_json(f"/services/{path_segment(reference)}")
        spec = service.get("Spec") or {}
        params: dict[str, Any] = {}
        if opts.rollback:
            others = opts.given - {"rollback", "detach", "quiet"}
            if others:
                self.err("other flags may not be combined with --rollback")
                return 1
            params["rollback"] = "previous"
        warnings: list[str] = []
        try:
            self.service_merge_update(opts, spec)
            container = spec["TaskTemplate"]["ContainerSpec"]
            kept = [s for s in container.get("Secrets") or []
                    if s.get("SecretName") not in set(opts.secret_rm)]  # fmt: skip
            added = self._svc_references(
                "secret", _each(opts, "secret-add", lambda v: parse_file_reference(v, "secret"))
            )
            container["Secrets"] = kept + added
            kept = [c for c in container.get("Configs") or []
                    if c.get("ConfigName") not in set(opts.config_rm)]  # fmt: skip
            added = self._svc_references(
                "config", _each(opts, "config-add", lambda v: parse_file_reference(v, "config"))
            )
            container["Configs"] = kept + added
        except SpecError as exc:
            self.err(str(exc))
            return 1
        if "image" in opts.given and not opts.no_resolve_image:
            self._svc_resolve_image(spec, opts, warnings)
        headers = None
        if opts.with_registry_auth:
            headers = self._svc_auth_headers(spec["TaskTemplate"]["ContainerSpec"].get("Image", ""))
        else:
            params["registryAuthFrom"] = "spec"
        response = self._svc_post_update(service, spec, params, headers)
        return self._svc_after_update(response, reference, opts.detach, opts.quiet, warnings)

    def service_merge_update(self, opts, spec: dict) -> None:  # noqa: ANN001
        """update.go's updateService: each given flag changes its part of the spec."""
        from dshell.commands.run_options import (
            normalized_capabilities,
            parse_bytes,
            parse_cpus,
            parse_mount,
            parse_ulimit,
        )

        given = opts.given
        task = spec.setdefault("TaskTemplate", {})
        container = task.setdefault("ContainerSpec", {})
        for field, add, remove in (
            (spec, "label_add", "label_rm"),
            (container, "container_label_add", "container_label_rm"),
        ):
            labels = field.get("Labels")
            if labels is not None:
                for key in getattr(opts, remove):
                    labels.pop(key, None)
            if getattr(opts, add):
                field["Labels"] = {**(labels or {}), **key_values(getattr(opts, add))}
        if "image" in given:
            container["Image"] = opts.image
        if ArgsFlag.DEST in given:
            value = getattr(opts, ArgsFlag.DEST)
            try:
                container["Args"] = _shlex(value)
            except ValueError as exc:
                raise invalid_flag(opts, "args", value, str(exc)) from None
        if "entrypoint" in given:
            container["Command"] = _converted(opts, "entrypoint", _shlex)
        env = [e for e in container.get("Env") or []
               if e.partition("=")[0] not in set(opts.env_rm)]  # fmt: skip
        if opts.env_add:
            merged = {e.partition("=")[0]: e for e in env}
            for value in opts.env_add:
                merged[value.partition("=")[0]] = value
            env = list(merged.values())
        if env or "Env" in container:
            container["Env"] = env
        for key, dest in (("Dir", "workdir"), ("User", "user"), ("Hostname", "hostname"),
                          ("Isolation", "isolation"), ("StopSignal", "stop_signal")):  # fmt: skip
            if dest in given:
                container[key] = getattr(opts, dest)
        if "init" in given:
            container["Init"] = bool(opts.init)
        if opts.mount_add or opts.mount_rm:
            by_target: dict[str, dict] = {}
            for mount in _each(opts, "mount-add", parse_mount):
                if mount["Target"] in by_target:
                    raise SpecError("duplicate mount target")
                by_target[mount["Target"]] = mount
            for mount in container.get("Mounts") or []:
                by_target.setdefault(mount.get("Target", ""), mount)
            mounts = [m for t, m in by_target.items() if t not in set(opts.mount_rm)]
            mounts.sort(key=lambda m: (m.get("Source", ""), m.get("Target", "")))
            container["Mounts"] = mounts
        if opts.sysctl_add or opts.sysctl_rm:
            sysctls = {k: v for k, v in (container.get("Sysctls") or {}).items()
                       if k not in set(opts.sysctl_rm)}  # fmt: skip
            sysctls.update(key_values(opts.sysctl_add))
            container["Sysctls"] = sysctls
        if opts.ulimit_add or opts.ulimit_rm:
            limits = {u["Name"]: u for u in container.get("Ulimits") or []}
            for name in opts.ulimit_rm:
                limits.pop(name, None)
            for limit in _each(opts, "ulimit-add", parse_ulimit):
                limits[limit["Name"]] = limit
            container["Ulimits"] = sorted(limits.values(), key=lambda u: u["Name"])
        resources = task.get("Resources") or {}
        for part, pairs in (
            (
                "Limits",
                (
                    ("NanoCPUs", "limit-cpu", parse_cpus),
                    ("MemoryBytes", "limit-memory", parse_bytes),
                ),
            ),
            (
                "Reservations",
                (
                    ("NanoCPUs", "reserve-cpu", parse_cpus),
                    ("MemoryBytes", "reserve-memory", parse_bytes),
                ),
            ),
        ):
            if not any(long.replace("-", "_") in given for _k, long, _c in pairs) and not (
                part == "Limits" and "limit_pids" in given
            ):
                continue
            task["Resources"] = resources
            section = resources.setdefault(part, {}) or {}
            resources[part] = section
            for key, long, convert in pairs:
                if long.replace("-", "_") in given:
                    section[key] = _converted(opts, long, convert)
            if part == "Limits" and "limit_pids" in given:
                section["Pids"] = opts.limit_pids
        if "oom_score_adj" in given:
            container["OomScoreAdj"] = opts.oom_score_adj
        if opts.generic_resource_add or opts.generic_resource_rm:
            reservations = task.setdefault("Resources", {}).setdefault("Reservations", {})
            current = [r for r in reservations.get("GenericResources") or []
                       if ((r.get("DiscreteResourceSpec") or r.get("NamedResourceSpec") or {})
                           .get("Kind")) not in set(opts.generic_resource_rm)]  # fmt: skip
            reservations["GenericResources"] = current + self._svc_generic_resources(
                opts.generic_resource_add
            )
        grace = _duration(opts, "stop-grace-period")
        if grace is not None:
            container["StopGracePeriod"] = grace
        restart = self._svc_restart_policy(opts, task.get("RestartPolicy"))
        if restart is not None:
            task["RestartPolicy"] = restart
        if opts.constraint_add or opts.constraint_rm:
            placement = task.setdefault("Placement", {})
            constraints = [*(placement.get("Constraints") or []), *opts.constraint_add]
            placement["Constraints"] = sorted(c for c in constraints
                                              if c not in set(opts.constraint_rm))  # fmt: skip
        if opts.placement_pref_add or opts.placement_pref_rm:
            placement = task.setdefault("Placement", {})
            removed = [parse_pref(v) for v in opts.placement_pref_rm]
            prefs = [p for p in placement.get("Preferences") or [] if p not in removed]
            placement["Preferences"] = prefs + _each(opts, "placement-pref-add", parse_pref)
        if opts.network_add or opts.network_rm:
            removed_ids = {self._svc_network_id(n) for n in opts.network_rm}
            networks = [n for n in task.get("Networks") or spec.pop("Networks", None) or []
                        if n.get("Target") not in removed_ids]  # fmt: skip
            existing = {n.get("Target") for n in networks}
            for network in _each(opts, "network-add", parse_network):
                ident = self._svc_network_id(network["Target"])
                if ident in existing:
                    raise SpecError(f"service is already attached to network {network['Target']}")
                network["Target"] = ident
                networks.append(network)
                existing.add(ident)
            task["Networks"] = sorted(networks, key=lambda n: n["Target"])
        if "replicas" in given:
            mode = spec.get("Mode") or {}
            if mode.get("Replicated") is None:
                raise SpecError("replicas can only be used with replicated mode")
            mode["Replicated"]["Replicas"] = _int_flag(opts, "replicas")
        if "replicas_max_per_node" in given:
            task.setdefault("Placement", {})["MaxReplicas"] = _int_flag(
                opts, "replicas-max-per-node"
            )
        for prefix, key in (("update", "UpdateConfig"), ("rollback", "RollbackConfig")):
            names = ("parallelism", "delay", "monitor", "failure_action", "max_failure_ratio",
                     "order")  # fmt: skip
            if any(f"{prefix}_{n}" in given for n in names):
                config = spec.get(key) or _update_config_defaults()
                self._svc_merge_update_config(opts, prefix, config)
                spec[key] = config
        if "endpoint_mode" in given:
            spec.setdefault("EndpointSpec", {})["Mode"] = opts.endpoint_mode
        if opts.group_add or opts.group_rm:
            groups = [g for g in container.get("Groups") or [] if g not in set(opts.group_rm)]
            groups += [g for g in opts.group_add if g not in groups]
            container["Groups"] = sorted(groups)
        if opts.publish_add or opts.publish_rm:
            endpoint = spec.setdefault("EndpointSpec", {})
            removed = [p for value in _each(opts, "publish-rm", parse_port) for p in value]
            unique: dict[str, dict] = {}
            for port in endpoint.get("Ports") or []:
                unique.setdefault(_port_key(port), port)
            ports = [
                p for p in unique.values()
                if not any(p.get("Protocol", "tcp") == r.get("Protocol", "tcp")
                           and p.get("TargetPort") == r.get("TargetPort")
                           and p.get("PublishMode", "ingress") == r.get("PublishMode", "ingress")
                           for r in removed)
            ]  # fmt: skip
            for port in (p for value in _each(opts, "publish-add", parse_port) for p in value):
                if _port_key(port) not in unique:
                    ports.append(port)
            endpoint["Ports"] = sorted(ports, key=_port_key)
        dns_flags = (("Nameservers", "dns"), ("Search", "dns_search"), ("Options", "dns_option"))
        if any(getattr(opts, f"{d}_add") or getattr(opts, f"{d}_rm") for _k, d in dns_flags):
            dns = container.setdefault("DNSConfig", {}) or {}
            container["DNSConfig"] = dns
            for key, dest in dns_flags:
                values = [
                    v for v in dns.get(key) or [] if v not in set(getattr(opts, f"{dest}_rm"))
                ]
                values += [v for v in getattr(opts, f"{dest}_add") if v not in values]
                if key == "Nameservers" or key == "Search":
                    values = sorted(values) if key == "Search" else values
                dns[key] = values
        if opts.host_add or opts.host_rm:
            removed_hosts = set(opts.host_rm)
            hosts = [
                h
                for h in container.get("Hosts") or []
                if not any(
                    h.split()[1:] and (r == h.split()[1] or r == f"{h.split()[1]}:{h.split()[0]}")
                    for r in removed_hosts
                )
            ]
            for host in opts.host_add:
                name, _, ip = host.partition(":")
                entry = f"{ip} {name}"
                if entry not in hosts:
                    hosts.append(entry)
            container["Hosts"] = hosts
        if opts.log_driver:
            task["LogDriver"] = {"Name": opts.log_driver, "Options": key_values(opts.log_opt)}
        if opts.force:
            task["ForceUpdate"] = int(task.get("ForceUpdate") or 0) + 1
        self._svc_merge_health(opts, container)
        if "tty" in given:
            container["TTY"] = bool(opts.tty)
        if "read_only" in given:
            container["ReadOnly"] = bool(opts.read_only)
        if opts.cap_add or opts.cap_drop:
            add = set(container.get("CapabilityAdd") or [])
            drop = set(container.get("CapabilityDrop") or [])
            new_add = set(normalized_capabilities(opts.cap_add) or [])
            new_drop = set(normalized_capabilities(opts.cap_drop) or [])
            add = (add - new_drop) | new_add
            drop = (drop - new_add) | new_drop
            container["CapabilityAdd"] = sorted(add)
            container["CapabilityDrop"] = sorted(drop)

    def _svc_merge_health(self, opts, container: dict) -> None:  # noqa: ANN001
        names = ("no_healthcheck", "health_cmd", "health_interval", "health_retries",
                 "health_timeout", "health_start_period")  # fmt: skip
        if not any(n in opts.given for n in names):
            return
        health = container.get("Healthcheck") or {}
        if opts.no_healthcheck:
            if any(n in opts.given for n in names[1:]):
                raise SpecError("--no-healthcheck conflicts with --health-* options")
            container["Healthcheck"] = {"Test": ["NONE"]}
            return
        if health.get("Test", [None])[:1] == ["NONE"]:
            health.pop("Test", None)
        for key, long in (("Interval", "health-interval"), ("Timeout", "health-timeout"),
                          ("StartPeriod", "health-start-period")):  # fmt: skip
            value = _positive_duration(opts, long)
            if value is not None:
                health[key] = value
        if "health_retries" in opts.given:
            health["Retries"] = opts.health_retries
        if "health_cmd" in opts.given:
            if opts.health_cmd:
                health["Test"] = ["CMD-SHELL", opts.health_cmd]
            else:
                health.pop("Test", None)
        container["Healthcheck"] = health


class _LogPrefixer:
    """docker's service logs writer: each frame's context (node, service, task) from the
    details the daemon adds, shown as ``name.slot.task@node    | ``."""

    def __init__(self, session: ServiceCommands, opts, width: int) -> None:  # noqa: ANN001
        self.session = session
        self.opts = opts
        self.width = width
        self.cache: dict[tuple[str, str, str], str] = {}
        self.names: dict[tuple[str, str], str] = {}

    def copy(self, response, tty: bool) -> None:  # noqa: ANN001
        from dshell.engine.streams import body_chunks, demultiplex

        session = self.session
        session.stdout.flush()
        out = session.stdout.buffer
        err = session.stderr.buffer
        if tty:
            for chunk in body_chunks(response):
                out.write(chunk)
                out.flush()
            return
        for stream, payload in demultiplex(body_chunks(response)):
            target = err if stream == 2 else out
            target.write(payload if self.opts.raw else self.line(payload))
            target.flush()

    def _resolve(self, kind: str, ident: str) -> str:
        from dshell.render.swarm import node_name

        if self.opts.no_resolve:
            return ident
        key = (kind, ident)
        if key not in self.names:
            try:
                obj = self.session.client.get_json(f"/{kind}s/{path_segment(ident)}")
                if kind == "node":
                    self.names[key] = node_name(obj)
                else:
                    self.names[key] = (obj.get("Spec") or {}).get("Name") or ident
            except EngineError:
                self.names[key] = ident
        return self.names[key]

    def line(self, payload: bytes) -> bytes:
        from urllib.parse import unquote

        parts = payload.split(b" ", 2 if self.opts.timestamps else 1)
        wanted = 3 if self.opts.timestamps else 2
        if len(parts) != wanted:
            raise SpecError(f"invalid context in log message: {payload.decode(errors='replace')}")
        raw_details = parts[-2].decode(errors="replace")
        details: dict[str, str] = {}
        for pair in raw_details.split(","):
            if not pair:
                continue
            key, sep, value = pair.partition("=")
            if not sep:
                raise SpecError(f"invalid details format: {raw_details}")
            details[unquote(key)] = unquote(value)
        try:
            node = details.pop("com.docker.swarm.node.id")
            service = details.pop("com.docker.swarm.service.id")
            task_id = details.pop("com.docker.swarm.task.id")
        except KeyError:
            raise SpecError(f"missing context in details: {raw_details}") from None
        context = (node, service, task_id)
        if context not in self.cache:
            task = self.session.client.get_json(f"/tasks/{path_segment(task_id)}")
            slot = int(task.get("Slot") or 0)
            name = f"{self._resolve('service', service)}.{slot}"
            if not self.opts.no_task_ids:
                ident = task.get("ID", "")
                name += "." + (ident if self.opts.no_trunc else ident[:12])
            padding = " " * max(self.width - len(str(slot)), 0)
            self.cache[context] = f"{name}@{self._resolve('node', node)}{padding}"
        output = parts[0] + b" " if self.opts.timestamps else b""
        output += (self.cache[context] + "    | ").encode()
        if self.opts.details:
            output += (",".join(sorted(f"{k}={v}" for k, v in details.items())) + " ").encode()
        return output + parts[-1]
