"""The flags ``run`` and ``create`` share, and their conversion into ``POST /containers/create``.

Declared once here so both commands (and help, completion, highlighting) read the same list.
Validation follows the docker CLI: a value pflag would refuse is a ``UsageError`` in pflag's
words (``invalid argument "x" for "-m, --memory" flag: …``); a problem docker finds after
parsing is a ``RunOptionError`` whose message docker prints as is. Both exit 125.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import string
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from dshell.commands.base import key_values
from dshell.commands.declare import Flag
from dshell.commands.networks import endpoint_addresses
from dshell.commands.parse import (
    NumError,
    Options,
    UsageError,
    go_parse_int,
    go_parse_uint,
    underscores_ok,
)
from dshell.records import dataclass, field

__all__ = [
    "CONTAINER_FLAGS",
    "RUN_ONLY_FLAGS",
    "ContainerSpec",
    "RunOptionError",
    "container_spec",
    "parse_bytes",
    "parse_duration",
    "parse_env_file",
]


class RunOptionError(Exception):
    """A bad option found after parsing; docker prints the message alone and exits 125."""

    def __init__(self, message: str, status: int = 125) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


# --- declarations ------------------------------------------------------------------------

UNSUPPORTED = {
    "gpus": "--gpus is not supported by dshell",
    "use-api-socket": "--use-api-socket is not supported by dshell",
}

CONTAINER_FLAGS: tuple[Flag, ...] = (
    Flag("add-host", "Add a custom host-to-IP mapping (host:ip)", type="list", kind="host",
         check="extra_host"),
    Flag("annotation", "Add an annotation to the container (passed through to the OCI "
         "runtime)", type="map", shown_default="map[]", min_api="1.43"),
    Flag("attach", "Attach to STDIN, STDOUT or STDERR", short="a", type="list",
         kind="choice:stdin|stdout|stderr", check="attach"),
    Flag("blkio-weight", "Block IO (relative weight), between 10 and 1000, or 0 to disable",
         type="uint16", default=0, shown_default="0"),
    Flag("blkio-weight-device", "Block IO weight (relative device weight)", type="list",
         shown_default="[]", check="weight_device"),
    Flag("cap-add", "Add Linux capabilities", type="list"),
    Flag("cap-drop", "Drop Linux capabilities", type="list"),
    Flag("cgroup-parent", "Optional parent cgroup for the container", type="string"),
    Flag("cgroupns", "Cgroup namespace to use (host|private)\n"
         "'host':    Run the container in the Docker host's cgroup namespace\n"
         "'private': Run the container in its own private cgroup namespace\n"
         "'':        Use the cgroup namespace as configured by the\n"
         "           default-cgroupns-mode option on the daemon (default)", type="string",
         kind="choice:host|private"),
    Flag("cidfile", "Write the container ID to the file", type="string", kind="path"),
    Flag("cpu-count", "CPU count (Windows only)", type="int", os_type="windows"),
    Flag("cpu-percent", "CPU percent (Windows only)", type="int", os_type="windows"),
    Flag("cpu-period", "Limit CPU CFS (Completely Fair Scheduler) period", type="int"),
    Flag("cpu-quota", "Limit CPU CFS (Completely Fair Scheduler) quota", type="int"),
    Flag("cpu-rt-period", "Limit CPU real-time period in microseconds", type="int"),
    Flag("cpu-rt-runtime", "Limit CPU real-time runtime in microseconds", type="int"),
    Flag("cpu-shares", "CPU shares (relative weight)", short="c", type="int"),
    Flag("cpus", "Number of CPUs", type="decimal"),
    Flag("cpuset-cpus", "CPUs in which to allow execution (0-3, 0,1)", type="string"),
    Flag("cpuset-mems", "MEMs in which to allow execution (0-3, 0,1)", type="string"),
    Flag("device", "Add a host device to the container", type="list", kind="path"),
    Flag("device-cgroup-rule", "Add a rule to the cgroup allowed devices list", type="list"),
    Flag("device-read-bps", "Limit read rate (bytes per second) from a device", type="list",
         shown_default="[]", check="bps"),
    Flag("device-read-iops", "Limit read rate (IO per second) from a device", type="list",
         shown_default="[]", check="iops"),
    Flag("device-write-bps", "Limit write rate (bytes per second) to a device", type="list",
         shown_default="[]", check="bps"),
    Flag("device-write-iops", "Limit write rate (IO per second) to a device", type="list",
         shown_default="[]", check="iops"),
    Flag("disable-content-trust", "Skip image verification", default=True),
    Flag("dns", "Set custom DNS servers", type="list", check="ip"),
    Flag("dns-option", "Set DNS options", type="list"),
    Flag("dns-search", "Set custom DNS search domains", type="list"),
    Flag("domainname", "Container NIS domain name", type="string"),
    Flag("entrypoint", "Overwrite the default ENTRYPOINT of the image", type="string",
         kind="command"),
    Flag("env", "Set environment variables", short="e", type="list", check="env"),
    Flag("env-file", "Read in a file of environment variables", type="list", kind="path"),
    Flag("expose", "Expose a port or a range of ports", type="list"),
    Flag("gpus", "GPU devices to add to the container ('all' to pass all GPUs)",
         type="gpu-request"),
    Flag("group-add", "Add additional groups to join", type="list"),
    Flag("health-cmd", "Command to run to check health", type="string"),
    Flag("health-interval", "Time between running the check (ms|s|m|h)", type="duration",
         default="0s"),
    Flag("health-retries", "Consecutive failures needed to report unhealthy", type="int"),
    Flag("health-start-interval", "Time between running the check during the start period "
         "(ms|s|m|h)", type="duration", default="0s", min_api="1.44"),
    Flag("health-start-period", "Start period for the container to initialize before "
         "starting health-retries countdown (ms|s|m|h)", type="duration", default="0s"),
    Flag("health-timeout", "Maximum time to allow one check to run (ms|s|m|h)",
         type="duration", default="0s"),
    Flag("help", "Print usage"),
    Flag("hostname", "Container host name", short="h", type="string"),
    Flag("init", "Run an init inside the container that forwards signals and reaps "
         "processes"),
    Flag("interactive", "Keep STDIN open even if not attached", short="i"),
    Flag("io-maxbandwidth", "Maximum IO bandwidth limit for the system drive (Windows only)",
         type="bytes", os_type="windows"),
    Flag("io-maxiops", "Maximum IOps limit for the system drive (Windows only)", type="uint",
         os_type="windows"),
    Flag("ip", "IPv4 address (e.g., 172.30.100.104)", type="string"),
    Flag("ip6", "IPv6 address (e.g., 2001:db8::33)", type="string"),
    Flag("ipc", "IPC mode to use", type="string"),
    Flag("isolation", "Container isolation technology", type="string"),
    Flag("kernel-memory", "Kernel memory limit", type="bytes"),
    Flag("label", "Set meta data on a container", short="l", type="list"),
    Flag("label-file", "Read in a line delimited file of labels", type="list", kind="path"),
    Flag("link", "Add link to another container", type="list", kind="container:all"),
    Flag("link-local-ip", "Container IPv4/IPv6 link-local addresses", type="list"),
    Flag("log-driver", "Logging driver for the container", type="string"),
    Flag("log-opt", "Log driver options", type="list"),
    Flag("mac-address", "Container MAC address (e.g., 92:d0:c6:0a:29:33)", type="string"),
    Flag("memory", "Memory limit", short="m", type="bytes"),
    Flag("memory-reservation", "Memory soft limit", type="bytes"),
    Flag("memory-swap", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
         type="bytes", check="swap_bytes"),
    Flag("memory-swappiness", "Tune container memory swappiness (0 to 100)", type="int",
         default=-1),
    Flag("mount", "Attach a filesystem mount to the container", type="mount"),
    Flag("name", "Assign a name to the container", type="string"),
    Flag("network", "Connect a container to a network", type="network", kind="network"),
    Flag("network-alias", "Add network-scoped alias for the container", type="list"),
    Flag("no-healthcheck", "Disable any container-specified HEALTHCHECK"),
    Flag("oom-kill-disable", "Disable OOM Killer"),
    Flag("oom-score-adj", "Tune host's OOM preferences (-1000 to 1000)", type="int"),
    Flag("pid", "PID namespace to use", type="string"),
    Flag("pids-limit", "Tune container pids limit (set -1 for unlimited)", type="int"),
    Flag("platform", "Set platform if server is multi-platform capable", type="string"),
    Flag("privileged", "Give extended privileges to this container"),
    Flag("publish", "Publish a container's port(s) to the host", short="p", type="list"),
    Flag("publish-all", "Publish all exposed ports to random ports", short="P"),
    Flag("pull", 'Pull image before running ("always", "missing", "never")', type="string",
         kind="choice:always|missing|never", default="missing"),
    Flag("quiet", "Suppress the pull output", short="q"),
    Flag("read-only", "Mount the container's root filesystem as read only"),
    Flag("restart", "Restart policy to apply when a container exits", type="string",
         kind="choice:no|always|unless-stopped|on-failure", default="no"),
    Flag("rm", "Automatically remove the container and its associated anonymous volumes "
         "when it exits"),
    Flag("runtime", "Runtime to use for this container", type="string"),
    Flag("security-opt", "Security Options", type="list"),
    Flag("shm-size", "Size of /dev/shm", type="bytes"),
    Flag("stop-signal", "Signal to stop the container", type="string", kind="signal"),
    Flag("stop-timeout", "Timeout (in seconds) to stop a container", type="int"),
    Flag("storage-opt", "Storage driver options for the container", type="list"),
    Flag("sysctl", "Sysctl options", type="map", shown_default="map[]", check="sysctl"),
    Flag("tmpfs", "Mount a tmpfs directory", type="list"),
    Flag("tty", "Allocate a pseudo-TTY", short="t"),
    Flag("ulimit", "Ulimit options", type="ulimit", shown_default="[]"),
    Flag("use-api-socket", "Bind mount Docker API socket and required auth"),
    Flag("user", "Username or UID (format: <name|uid>[:<group|gid>])", short="u",
         type="string"),
    Flag("userns", "User namespace to use", type="string"),
    Flag("uts", "UTS namespace to use", type="string"),
    Flag("volume", "Bind mount a volume", short="v", type="list", kind="path"),
    Flag("volume-driver", "Optional volume driver for the container", type="string"),
    Flag("volumes-from", "Mount volumes from the specified container(s)", type="list",
         kind="container:all"),
    Flag("workdir", "Working directory inside the container", short="w", type="string",
         kind="path"),
)  # fmt: skip

RUN_ONLY_FLAGS: tuple[Flag, ...] = (
    Flag("detach", "Run container in background and print container ID", short="d"),
    Flag("detach-keys", "Override the key sequence for detaching a container", type="string"),
    Flag("sig-proxy", "Proxy received signals to the process", default=True),
)


# --- value parsers in docker's words ------------------------------------------------------

_BINARY_MULTIPLIERS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
_DECIMAL_FLOAT = re.compile(r"(?P<m>[0-9_]*\.?[0-9_]*)(?:[eE][+-]?[0-9_]+)?", re.ASCII)
_HEX_FLOAT = re.compile(r"0[xX](?P<m>[0-9a-fA-F_]*\.?[0-9a-fA-F_]*)[pP][+-]?[0-9_]+", re.ASCII)


def go_parse_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``: Go's literal syntax (``_`` between digits, hex
    with a ``p`` exponent, inf/infinity/nan), and a value beyond float64 is a range error."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    if body.lower() in ("inf", "infinity") or text.lower() == "nan":
        return float(text)
    hexadecimal = _HEX_FLOAT.fullmatch(body)
    match = hexadecimal or _DECIMAL_FLOAT.fullmatch(body)
    digits = string.hexdigits if hexadecimal else string.digits
    if (match is None or not any(char in digits for char in match["m"])
            or ("_" in body and not underscores_ok(body))):  # fmt: skip
        raise NumError("ParseFloat", text, "invalid syntax")
    plain = body.replace("_", "")
    value = float.fromhex(plain) if hexadecimal else float(plain)
    if math.isinf(value):
        raise NumError("ParseFloat", text, "value out of range")
    return -value if negative else value


def go_int64(value: float) -> int:
    """Go's ``int64(f)`` on amd64: truncated toward zero; NaN or beyond int64 gives its
    minimum (the CPU's "integer indefinite")."""
    if math.isnan(value) or not INT64_MIN <= value < -INT64_MIN:
        return INT64_MIN
    return int(value)


def parse_bytes(text: str) -> int:
    """go-units ``RAMInBytes`` (docker's MemBytes): "512m", "1.5GiB", "100", binary units; a
    size beyond int64 wraps as Go's conversion does, and the daemon then refuses it."""
    separator = max(text.rfind(char) for char in "0123456789. ")
    if separator == -1:
        raise ValueError(f"invalid size: '{text}'")
    cut = separator if text[separator] == " " else separator + 1
    number, suffix = text[:cut], text[separator + 1 :]
    size = go_parse_float(number)
    if size < 0:
        raise ValueError(f"invalid size: '{text}'")
    if not suffix:
        return go_int64(size)
    if len(suffix) > 3:
        raise ValueError(f"invalid suffix: '{suffix}'")
    lowered = suffix.lower()
    bad = ValueError(f"invalid suffix: '{lowered}'")
    if lowered[0] == "b":
        if len(lowered) > 1:
            raise bad
        return go_int64(size)
    if lowered[0] not in _BINARY_MULTIPLIERS:
        raise bad
    size *= _BINARY_MULTIPLIERS[lowered[0]]
    if (len(lowered) == 2 and lowered[1] != "b") or (len(lowered) == 3 and lowered[1:] != "ib"):
        raise bad
    return go_int64(size)


_DURATION_UNITS = {
    "ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
    "m": 60_000_000_000, "h": 3_600_000_000_000,
}  # fmt: skip
_DURATION_PART = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)", re.ASCII)


def _duration_problem(text: str) -> str | None:
    """Go's time.ParseDuration messages for a missing or unknown unit (None otherwise)."""
    rest = text[1:] if text[:1] in "+-" else text
    if rest in ("0", ""):
        return None
    position = 0
    while position < len(rest):
        start = position
        while position < len(rest) and (rest[position].isdigit() or rest[position] == "."):
            position += 1
        if position == start:
            return None
        unit_start = position
        while position < len(rest) and not (rest[position].isdigit() or rest[position] == "."):
            position += 1
        unit = rest[unit_start:position]
        if not unit:
            return f'time: missing unit in duration "{text}"'
        if unit not in _DURATION_UNITS:
            return f'time: unknown unit "{unit}" in duration "{text}"'
    return None


def parse_duration(text: str) -> int:
    """Go's ``time.ParseDuration`` in nanoseconds ("1m30s", "1.5h", "0"); beyond int64
    nanoseconds (about 292 years) it is invalid; a missing or unknown unit in Go's words."""
    problem = _duration_problem(text)
    if problem is not None:
        raise ValueError(problem)
    invalid = ValueError(f'time: invalid duration "{text}"')
    rest, sign = text, 1
    if rest[:1] in "+-" and rest:
        sign, rest = (-1 if rest[0] == "-" else 1), rest[1:]
    if rest == "0":
        return 0
    if not rest:
        raise invalid
    total, position = 0, 0
    while position < len(rest):
        match = _DURATION_PART.match(rest, position)
        if not match or match.group(1) in ("", "."):  # (a missing unit: _duration_problem)
            raise invalid
        whole, _, fraction = match.group(1).partition(".")
        unit = _DURATION_UNITS[match.group(2)]
        total += int(whole or "0") * unit
        if fraction:
            fraction = fraction[:18]  # Go stops reading digits before they overflow int64
            total += int(int(fraction) * (unit / 10 ** len(fraction)))
        if total > INT64_MAX:
            raise invalid
        position = match.end()
    return sign * total


def _parse_go_int(text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)``."""
    return go_parse_int(text, 64, base=10)


def _parse_uint(text: str, bits: int = 64) -> int:
    """``strconv.ParseUint(text, 10, bits)``."""
    return go_parse_uint(text, bits, base=10)


def normalized_capabilities(names: list[str]) -> list[str] | None:
    """docker 28's client normalizes --cap-add/--cap-drop before sending them: upper case,
    ``CAP_`` in front of everything but ``ALL``, each once, sorted."""
    if not names:
        return list(names) if names is not None else None
    normalized = set()
    for name in names:
        upper = name.upper()
        normalized.add(upper if upper == "ALL" or upper.startswith("CAP_") else "CAP_" + upper)
    return sorted(normalized)


def _bad_key(path: str, message: str) -> RunOptionError:
    return RunOptionError(f"invalid env file ({path}): {message}")


def parse_env_file(path: str, lookup: Mapping[str, str] | None) -> list[str]:
    """docker's ``--env-file``/``--label-file`` reader. ``lookup`` fills ``KEY`` lines from the
    environment (env files); without it (label files) such lines are dropped, as docker 28's
    kvfile.Parse drops a key its lookup does not find."""
    try:
        with open(path, "rb") as handle:
            raw_lines = handle.read().split(b"\n")
    except OSError as exc:
        raise RunOptionError(f"open {path}: {_os_reason(exc)}") from None
    lines: list[str] = []
    for number, raw in enumerate(raw_lines, start=1):
        if number == len(raw_lines) and not raw:
            break
        raw = raw.removesuffix(b"\r")
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RunOptionError(
                f"env file {path} contains invalid utf8 bytes at line {number}: {raw!r}"
            ) from None
        line = text.lstrip()
        if not line or line.startswith("#"):
            continue
        variable, has_value, value = line.partition("=")
        if not variable:
            raise _bad_key(path, f"no variable name on line '{line}'")
        if " " in variable or "\t" in variable:
            raise _bad_key(path, f"variable '{variable}' contains whitespaces")
        if has_value:
            lines.append(f"{variable}={value}")
        elif lookup is not None and line in lookup:
            lines.append(f"{line}={lookup[line]}")
    return lines


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


_PROTOCOLS = ("tcp", "udp", "sctp")


def _split_proto_port(raw: str) -> tuple[str, str]:
    parts = raw.split("/")
    if not raw or not parts[0]:
        return "", ""
    if len(parts) == 1:
        return "tcp", raw
    if not parts[1]:
        return "tcp", parts[0]
    return parts[1], parts[0]


def _port_range(text: str) -> tuple[int, int]:
    if not text:
        raise ValueError("empty string specified for ports")
    if "-" not in text:
        start = _parse_uint(text, 16)
        return start, start
    low, _, high = text.partition("-")
    start, end = _parse_uint(low, 16), _parse_uint(high, 16)
    if end < start:
        raise ValueError(f"invalid range specified for port: {text}")
    return start, end


def standard_port_notation(raw: str) -> str:
    """docker's ``convertToStandardNotation``: the long ``-p`` syntax
    (``target=80,published=8080,protocol=udp``) as ``8080:80/udp``; short specs unchanged."""
    if "=" not in raw:
        return raw
    params = {"protocol": "tcp"}
    for param in raw.split(","):
        key, sep, value = param.partition("=")
        if not sep or not key:
            raise RunOptionError(
                f"invalid publish opts format (should be name=value but got '{param}')"
            )
        params[key] = value
    return f"{params.get('published', '')}:{params.get('target', '')}/{params['protocol']}"


def parse_port_spec(raw: str) -> list[tuple[str, dict[str, str]]]:
    """nat ``ParsePortSpec``: ``[ip:][hostPort:]containerPort[/proto]`` → (port key, binding)."""
    parts = raw.split(":")
    container = parts[-1]
    if len(parts) == 1:
        ip, host = "", ""
    elif len(parts) == 2:
        ip, host = "", parts[0]
    else:
        ip, host = ":".join(parts[:-2]), parts[-2]
    proto, container = _split_proto_port(container)
    if ip.startswith("[") and ip.endswith("]"):
        ip = ip[1:-1]
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise RunOptionError(f"invalid IP address: {ip}") from None
    if not container:
        raise RunOptionError(f"no port specified: {raw}<empty>")
    try:
        start, end = _port_range(container)
    except ValueError:
        raise RunOptionError(f"invalid containerPort: {container}") from None
    host_start = host_end = 0
    if host:
        try:
            host_start, host_end = _port_range(host)
        except ValueError:
            raise RunOptionError(f"invalid hostPort: {host}") from None
    if host and (end - start) != (host_end - host_start) and end != start:
        raise RunOptionError(
            f"invalid ranges specified for container and host Ports: {container} and {host}"
        )
    proto = proto.lower()
    if proto not in _PROTOCOLS:
        raise RunOptionError(f"invalid proto: {proto}")
    bindings = []
    for offset in range(end - start + 1):
        host_port = str(host_start + offset) if host else ""
        if start == end and host_start != host_end:
            host_port = f"{host_port}-{host_end}"
        bindings.append((f"{start + offset}/{proto}", {"HostIp": ip, "HostPort": host_port}))
    return bindings


def parse_expose(value: str) -> list[str]:
    if ":" in value:
        raise RunOptionError(f"invalid port format for --expose: {value}")
    proto, port = _split_proto_port(value)
    try:
        start, end = _port_range(port)
    except ValueError as exc:
        raise RunOptionError(f"invalid range format for --expose: {value}, error: {exc}") from None
    return [f"{number}/{proto}" for number in range(start, end + 1)]


ULIMIT_NAMES = frozenset(
    "core cpu data fsize locks memlock msgqueue nice nofile nproc rss rtprio rttime "
    "sigpending stack as".split()
)


def parse_ulimit(value: str) -> dict[str, Any]:
    """go-units ``ParseUlimit``: ``name=soft[:hard]``."""
    name, has_value, limits = value.partition("=")
    if not has_value:
        raise ValueError(f"invalid ulimit argument: {value}")
    if name not in ULIMIT_NAMES:
        raise ValueError(f"invalid ulimit type: {name}")
    numbers = limits.split(":")
    if len(numbers) > 2:
        raise ValueError(
            f"too many limit value arguments - {limits}, can only have up to two, `soft[:hard]`"
        )
    hard = _parse_go_int(numbers[1]) if len(numbers) == 2 else None
    soft = _parse_go_int(numbers[0])
    hard = soft if hard is None else hard
    if hard != -1 and soft > hard:
        raise ValueError(
            f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
        )
    return {"Name": name, "Soft": soft, "Hard": hard}


def _parse_go_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(text)


def _csv_fields(value: str) -> list[str]:
    import csv

    try:
        rows = list(csv.reader([value], strict=True))
    except csv.Error as exc:
        raise ValueError(str(exc)) from None
    return rows[0] if rows else []


def parse_mount(value: str) -> dict[str, Any]:
    """docker's ``--mount`` CSV: ``type=bind,source=/a,target=/b,readonly``."""
    mount: dict[str, Any] = {"Type": "volume"}
    options: dict[str, dict[str, Any]] = {}
    for item in _csv_fields(value):
        key, has_value, val = item.partition("=")
        key = key.lower()
        if not has_value:
            if key in ("readonly", "ro"):
                mount["ReadOnly"] = True
                continue
            if key == "volume-nocopy":
                options.setdefault("VolumeOptions", {})["NoCopy"] = True
                continue
            raise ValueError(f"invalid field '{item}' must be a key=value pair")
        if key == "type":
            mount["Type"] = val.lower()
        elif key in ("source", "src"):
            mount["Source"] = val
        elif key in ("target", "dst", "destination"):
            mount["Target"] = val
        elif key in ("readonly", "ro", "volume-nocopy"):
            try:
                flag = _parse_go_bool(val)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
            if key == "volume-nocopy":
                options.setdefault("VolumeOptions", {})["NoCopy"] = flag
            else:
                mount["ReadOnly"] = flag
        elif key == "consistency":
            mount["Consistency"] = val.lower()
        elif key == "bind-propagation":
            options.setdefault("BindOptions", {})["Propagation"] = val.lower()
        elif key == "volume-label":
            label_key, _, label_value = val.partition("=")
            volume = options.setdefault("VolumeOptions", {})
            volume.setdefault("Labels", {})[label_key] = label_value
        elif key == "volume-driver":
            driver = options.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})
            driver["Name"] = val
        elif key == "volume-opt":
            opt_key, _, opt_value = val.partition("=")
            driver = options.setdefault("VolumeOptions", {}).setdefault("DriverConfig", {})
            driver.setdefault("Options", {})[opt_key] = opt_value
        elif key == "tmpfs-size":
            try:
                options.setdefault("TmpfsOptions", {})["SizeBytes"] = parse_bytes(val)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
        elif key == "tmpfs-mode":
            try:
                options.setdefault("TmpfsOptions", {})["Mode"] = int(val, 8)
            except ValueError:
                raise ValueError(f"invalid value for {key}: {val}") from None
        else:
            raise ValueError(f"unexpected key '{key}' in '{item}'")
    if not mount.get("Type"):
        raise ValueError("type is required")
    if not mount.get("Target"):
        raise ValueError("target is required")
    for option, kind, prefix in (("VolumeOptions", "volume", "volume"),
                                 ("BindOptions", "bind", "bind"),
                                 ("TmpfsOptions", "tmpfs", "tmpfs")):  # fmt: skip
        if option in options and mount["Type"] != kind:
            raise ValueError(f"cannot mix '{prefix}-*' options with mount type '{mount['Type']}'")
    mount.update(options)
    return mount


def parse_cpus(value: str) -> int:
    """``--cpus`` as NanoCPUs; Go's big.Rat accepts "1.5", "3/2" and "1e-3"."""
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"failed to parse {value} as a rational number") from None
    nano = number * 1_000_000_000
    if nano.denominator != 1:
        raise ValueError("value is too precise")
    # big.Int's Int64: the low 64 bits of the magnitude, then the sign.
    low = abs(nano.numerator) % (1 << 64)
    low = low - (1 << 64) if low > INT64_MAX else low
    return -low if nano < 0 and low != INT64_MIN else low


def validate_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise ValueError(f"IP address is not correctly formatted: {value}") from None


def validate_extra_host(value: str) -> str:
    name, sep, address = value.partition("=")
    if not sep:
        name, sep, address = value.partition(":")
    if not sep or not name or ":" in name:
        raise ValueError(f'bad format for add-host: "{value}"')
    if address != "host-gateway":
        bare = address[1:-1] if address.startswith("[") and address.endswith("]") else address
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            raise ValueError(f'invalid IP address in add-host: "{address}"') from None
        address = bare
    return f"{name}:{address}"


def validate_env(value: str, environ: Mapping[str, str]) -> str:
    key, has_value, _ = value.partition("=")
    if not key:
        raise ValueError(f"invalid environment variable: {value}")
    if has_value or key not in environ:
        return value
    return f"{key}={environ[key]}"


def parse_restart_policy(value: str) -> dict[str, Any]:
    if not value:
        return {"Name": "", "MaximumRetryCount": 0}
    name, _, count = value.partition(":")
    retries = 0
    if count:
        try:
            retries = go_parse_int(count, 64, base=10)  # strconv.Atoi
        except NumError:
            raise RunOptionError(
                "invalid restart policy format: maximum retry count must be an integer"
            ) from None
    return {"Name": name, "MaximumRetryCount": retries}


def parse_security_opts(values: list[str]) -> list[str]:
    result = []
    for opt in values:
        key, sep, value = opt.partition("=")
        if not sep and key != "no-new-privileges":
            key, sep, value = opt.partition(":")
        if (not sep or not value) and key != "no-new-privileges":
            raise RunOptionError(f'Invalid --security-opt: "{opt}"')
        if key == "seccomp" and value not in ("builtin", "unconfined"):
            try:
                with open(value, encoding="utf-8") as handle:
                    profile = json.load(handle)
            except OSError as exc:
                raise RunOptionError(
                    f"opening seccomp profile ({value}) failed: open {value}: {_os_reason(exc)}"
                ) from None
            except ValueError as exc:
                raise RunOptionError(
                    f"compacting json for seccomp profile ({value}) failed: {exc}"
                ) from None
            opt = "seccomp=" + json.dumps(profile, separators=(",", ":"))
        result.append(opt)
    return result


def parse_device(value: str) -> dict[str, str]:
    """``--device src[:dst][:perms]``."""
    parts = value.split(":")
    source, target, permissions = parts[0], parts[0], "rwm"
    if len(parts) == 3:
        target, permissions = parts[1], parts[2]
    elif len(parts) == 2:
        if parts[1] and set(parts[1]) <= set("rwm"):
            permissions = parts[1]
        else:
            target = parts[1]
    elif len(parts) > 3:
        raise ValueError(f"invalid device specification: {value}")
    return {"PathOnHost": source, "PathInContainer": target, "CgroupPermissions": permissions}


def _throttle(value: str, rate_in_bytes: bool) -> dict[str, Any]:
    """``--device-read-bps /dev/sda:1mb`` and the iops variants."""
    path, sep, rate = value.partition(":")
    if not sep or not path:
        raise ValueError(f"bad format: {value}")
    if not path.startswith("/dev/"):
        raise ValueError(f"bad format for device path: {value}")
    try:
        number = parse_bytes(rate) if rate_in_bytes else _parse_uint(rate)
        if number < 0:
            raise ValueError(rate)
    except ValueError:
        unit = ("[<unit>]. Number must be a positive integer. Unit is optional and can be kb, "
                "mb, or gb") if rate_in_bytes else ". Number must be a positive integer"
        raise ValueError(f"invalid rate for device: {value}. The correct format is "
                         f"<device-path>:<number>{unit}") from None
    return {"Path": path, "Rate": number}


PULL_POLICIES = ("always", "missing", "never")


# --- the create request ------------------------------------------------------------------


@dataclass
class ContainerSpec:
    """Everything ``POST /containers/create`` needs, plus what run does around it."""

    image: str
    body: dict[str, Any]
    name: str | None = None
    platform: str | None = None
    pull: str = "missing"
    warnings: list[str] = field(default_factory=list)

    @property
    def config(self) -> dict[str, Any]:
        return self.body

    @property
    def host_config(self) -> dict[str, Any]:
        return self.body["HostConfig"]


def _label(flag: Flag) -> str:
    return f"-{flag.short}, --{flag.long}" if flag.short else f"--{flag.long}"


class _Converter:
    """Turns parsed options into the create body, raising in docker's words."""

    def __init__(self, opts: Options, environ: Mapping[str, str]) -> None:
        self.opts = opts
        self.environ = environ

    def flag_error(self, dest: str, value: str, reason: str) -> UsageError:
        flag = next(f for f in self.opts.command.flags if f.dest == dest)
        return UsageError(f'invalid argument "{value}" for "{_label(flag)}" flag: {reason}',
                          self.opts.command)

    def each(self, dest: str, parse) -> list:  # noqa: ANN001
        """Apply a pflag-time validator to every value of a repeatable flag."""
        result = []
        for value in getattr(self.opts, dest):
            try:
                result.append(parse(value))
            except ValueError as exc:
                raise self.flag_error(dest, value, str(exc)) from None
        return result

    def one(self, dest: str, parse, default: Any = None) -> Any:  # noqa: ANN001
        value = getattr(self.opts, dest)
        if dest not in self.opts.given or value is None:
            return default
        try:
            return parse(value)
        except ValueError as exc:
            raise self.flag_error(dest, value, str(exc)) from None

    def given(self, dest: str) -> bool:
        return dest in self.opts.given


def attach_stream(value: str) -> str:
    """``-a``/``--attach``: one stream's name, lower-cased (docker's ValidateAttach)."""
    if value.lower() not in ("stdin", "stdout", "stderr"):
        raise ValueError("valid streams are STDIN, STDOUT and STDERR")
    return value.lower()


def _attach_streams(conv: _Converter) -> tuple[bool, bool, bool]:
    streams = set(conv.each("attach", attach_stream))
    stdin = "stdin" in streams or conv.opts.interactive
    if not streams:
        return stdin, True, True
    return stdin, "stdout" in streams, "stderr" in streams


def _volumes(values: list[str]) -> tuple[list[str], dict[str, dict]]:
    """``-v``: with a host part it is a bind, otherwise an anonymous volume."""
    binds, volumes = [], {}
    for spec in values:
        host, sep, rest = spec.partition(":")
        if sep and host and rest:
            if host.startswith(".") and not os.path.isabs(host):
                host = os.path.abspath(host)
            binds.append(f"{host}:{rest}")
        else:
            volumes[spec] = {}
    return binds, volumes


def _healthcheck(conv: _Converter) -> dict[str, Any] | None:
    opts = conv.opts
    durations = {}
    for dest, key in (("health_interval", "Interval"), ("health_timeout", "Timeout"),
                      ("health_start_period", "StartPeriod"),
                      ("health_start_interval", "StartInterval")):  # fmt: skip
        nanos = conv.one(dest, parse_duration, 0)
        if nanos < 0:
            raise RunOptionError(f"--{dest.replace('_', '-')} cannot be negative")
        durations[key] = nanos
    retries = opts.health_retries or 0
    if retries < 0:
        raise RunOptionError("--health-retries cannot be negative")
    options_set = opts.health_cmd or retries or any(durations.values())
    if opts.no_healthcheck:
        if options_set:
            raise RunOptionError("--no-healthcheck conflicts with --health-* options")
        return {"Test": ["NONE"]}
    if not options_set:
        return None
    test = ["CMD-SHELL", opts.health_cmd] if opts.health_cmd else None
    check = {"Test": test, **durations, "Retries": retries}
    return {k: v for k, v in check.items() if v is not None}


def _platform(value: str | None) -> str | None:
    if not value:
        return None
    systems = {"linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris",
               "illumos", "aix", "android", "ios", "plan9", "js", "wasip1", "dragonfly"}
    arches = {"amd64", "386", "arm", "arm64", "ppc64le", "ppc64", "s390x", "riscv64", "mips64",
              "mips64le", "mips", "mipsle", "loong64", "wasm", "x86_64", "aarch64", "armhf",
              "armel", "i386", "x86-64"}  # fmt: skip
    parts = value.lower().split("/")
    ok = (len(parts) == 1 and (parts[0] in systems or parts[0] in arches)) or (
        2 <= len(parts) <= 3 and parts[0] in systems and parts[1] in arches
    )
    if not ok:
        reason = "unknown operating system or architecture"
        raise RunOptionError(
            f'error parsing specified platform: "{value}": {reason}: invalid argument'
        )
    return value


def container_spec(
    opts: Options, environ: Mapping[str, str] | None = None, detach: bool = False
) -> ContainerSpec:
    """Validate ``opts`` (``run``/``create``) and build the create request."""
    environ = os.environ if environ is None else environ
    conv = _Converter(opts, environ)
    for long, message in UNSUPPORTED.items():
        if long.replace("-", "_") in opts.given:
            raise RunOptionError(message)
    image, command = opts.args[0], opts.args[1:]

    # pflag-time validation (the flag's own Set method refuses the value)
    attach_stdin, attach_stdout, attach_stderr = _attach_streams(conv)
    environment = conv.each("env", lambda v: validate_env(v, environ))
    extra_hosts = conv.each("add_host", validate_extra_host)
    dns = conv.each("dns", validate_ip)
    ulimits = conv.each("ulimit", parse_ulimit)
    mounts = conv.each("mount", parse_mount)
    memory = conv.one("memory", parse_bytes, 0)
    memory_swap = conv.one("memory_swap", lambda v: -1 if v == "-1" else parse_bytes(v), 0)
    memory_reservation = conv.one("memory_reservation", parse_bytes, 0)
    kernel_memory = conv.one("kernel_memory", parse_bytes, 0)
    shm_size = conv.one("shm_size", parse_bytes, 0)
    io_bandwidth = conv.one("io_maxbandwidth", parse_bytes, 0)
    nano_cpus = conv.one("cpus", parse_cpus, 0)
    blkio_weight = conv.one("blkio_weight", lambda v: _parse_uint(v, 16), 0)
    weight_devices = conv.each("blkio_weight_device", _weight_device)
    read_bps = conv.each("device_read_bps", lambda v: _throttle(v, True))
    write_bps = conv.each("device_write_bps", lambda v: _throttle(v, True))
    read_iops = conv.each("device_read_iops", lambda v: _throttle(v, False))
    write_iops = conv.each("device_write_iops", lambda v: _throttle(v, False))
    devices = conv.each("device", parse_device)
    sysctls = key_values(conv.each("sysctl", _allowed_sysctl))
    annotations = key_values(conv.each("annotation", _needs_equals))
    healthcheck = _healthcheck(conv)

    # validation docker does after parsing
    if opts.pull not in PULL_POLICIES:
        raise RunOptionError(
            f"invalid pull option: '{opts.pull}': must be one of \"always\", \"missing\" or "
            '"never"'
        )
    swappiness = opts.memory_swappiness
    if swappiness != -1 and not 0 <= swappiness <= 100:
        raise RunOptionError(
            f"invalid value: {swappiness}. Valid memory swappiness range is 0-100"
        )
    if opts.oom_score_adj is not None and not -1000 <= opts.oom_score_adj <= 1000:
        raise RunOptionError(
            f"--oom-score-adj: invalid value: {opts.oom_score_adj}, range is from -1000 to 1000"
        )
    env_from_files = []
    for path in opts.env_file:
        env_from_files.extend(parse_env_file(path, environ))
    labels_from_files = []
    for path in opts.label_file:
        labels_from_files.extend(parse_env_file(path, None))
    exposed: dict[str, dict] = {}
    port_bindings: dict[str, list[dict[str, str]]] = {}
    for spec in opts.publish:
        for key, binding in parse_port_spec(standard_port_notation(spec)):
            exposed[key] = {}
            port_bindings.setdefault(key, []).append(binding)
    for spec in opts.expose:
        for key in parse_expose(spec):
            exposed.setdefault(key, {})
    restart = parse_restart_policy(opts.restart)
    if opts.rm and restart["Name"] not in ("", "no"):
        raise RunOptionError("conflicting options: cannot specify both --restart and --rm")
    security_opts = parse_security_opts(opts.security_opt)
    log_options = key_values(opts.log_opt)
    if opts.log_driver == "none" and opts.log_opt:
        raise RunOptionError("invalid logging opts for driver none")
    storage_opts = {}
    for item in opts.storage_opt:
        key, sep, value = item.partition("=")
        if not sep:
            raise RunOptionError("invalid storage option")
        storage_opts[key] = value
    tmpfs = {}
    for item in opts.tmpfs:
        path, _, mount_options = item.partition(":")
        tmpfs[path] = mount_options
    binds, volumes = _volumes(opts.volume)
    platform = _platform(opts.platform)

    entrypoint = None
    if opts.entrypoint:
        entrypoint = [opts.entrypoint]
    elif conv.given("entrypoint"):
        entrypoint = [""]
    if detach:
        attach_stdin = attach_stdout = attach_stderr = False
    network = opts.network or "default"

    resources: dict[str, Any] = {
        "CpuShares": opts.cpu_shares or 0,
        "Memory": memory,
        "NanoCpus": nano_cpus,
        "CgroupParent": opts.cgroup_parent or "",
        "BlkioWeight": blkio_weight,
        "BlkioWeightDevice": weight_devices,
        "BlkioDeviceReadBps": read_bps,
        "BlkioDeviceWriteBps": write_bps,
        "BlkioDeviceReadIOps": read_iops,
        "BlkioDeviceWriteIOps": write_iops,
        "CpuPeriod": opts.cpu_period or 0,
        "CpuQuota": opts.cpu_quota or 0,
        "CpuRealtimePeriod": opts.cpu_rt_period or 0,
        "CpuRealtimeRuntime": opts.cpu_rt_runtime or 0,
        "CpusetCpus": opts.cpuset_cpus or "",
        "CpusetMems": opts.cpuset_mems or "",
        "Devices": devices,
        "DeviceCgroupRules": list(opts.device_cgroup_rule),
        "KernelMemory": kernel_memory,
        "MemoryReservation": memory_reservation,
        "MemorySwap": memory_swap,
        "OomKillDisable": opts.oom_kill_disable,
        "Ulimits": ulimits,
        "CpuCount": opts.cpu_count or 0,
        "CpuPercent": opts.cpu_percent or 0,
        "IOMaximumIOps": opts.io_maxiops or 0,
        "IOMaximumBandwidth": io_bandwidth,
    }
    if swappiness != -1:
        resources["MemorySwappiness"] = swappiness
    if conv.given("pids_limit"):
        resources["PidsLimit"] = opts.pids_limit

    host_config: dict[str, Any] = {
        "Binds": binds,
        "ContainerIDFile": opts.cidfile or "",
        "LogConfig": {"Type": opts.log_driver or "", "Config": log_options},
        "NetworkMode": network,
        "PortBindings": port_bindings,
        "RestartPolicy": restart,
        "AutoRemove": opts.rm,
        "VolumeDriver": opts.volume_driver or "",
        "VolumesFrom": list(opts.volumes_from),
        "CapAdd": normalized_capabilities(opts.cap_add),
        "CapDrop": normalized_capabilities(opts.cap_drop),
        "CgroupnsMode": opts.cgroupns or "",
        "Dns": dns,
        "DnsOptions": list(opts.dns_option),
        "DnsSearch": list(opts.dns_search),
        "ExtraHosts": extra_hosts,
        "GroupAdd": list(opts.group_add),
        "IpcMode": opts.ipc or "",
        "Links": list(opts.link),
        "OomScoreAdj": opts.oom_score_adj or 0,
        "PidMode": opts.pid or "",
        "Privileged": opts.privileged,
        "PublishAllPorts": opts.publish_all,
        "ReadonlyRootfs": opts.read_only,
        "SecurityOpt": security_opts,
        "StorageOpt": storage_opts or None,
        "Tmpfs": tmpfs or None,
        "UTSMode": opts.uts or "",
        "UsernsMode": opts.userns or "",
        "ShmSize": shm_size,
        "Sysctls": sysctls or None,
        "Runtime": opts.runtime or "",
        "Isolation": opts.isolation or "",
        "Mounts": mounts or None,
        **resources,
    }
    if annotations:
        host_config["Annotations"] = annotations
    if conv.given("init"):
        host_config["Init"] = opts.init

    body: dict[str, Any] = {
        "Hostname": opts.hostname or "",
        "Domainname": opts.domainname or "",
        "User": opts.user or "",
        "AttachStdin": attach_stdin,
        "AttachStdout": attach_stdout,
        "AttachStderr": attach_stderr,
        "ExposedPorts": exposed or None,
        "Tty": opts.tty,
        "OpenStdin": opts.interactive,
        "StdinOnce": opts.interactive and attach_stdin,
        "Env": env_from_files + environment,
        "Cmd": command or None,
        "Image": image,
        "Volumes": volumes or None,
        "WorkingDir": opts.workdir or "",
        "Entrypoint": entrypoint,
        "Labels": key_values(labels_from_files + list(opts.label)),
        "StopSignal": opts.stop_signal or "",
        "HostConfig": host_config,
        "NetworkingConfig": {"EndpointsConfig": _endpoints(opts, network)},
    }
    if healthcheck is not None:
        body["Healthcheck"] = healthcheck
    if conv.given("stop_timeout"):
        body["StopTimeout"] = opts.stop_timeout
    if opts.mac_address:
        body["MacAddress"] = opts.mac_address
    return ContainerSpec(image=image, body=body, name=opts.name, platform=platform,
                         pull=opts.pull)  # fmt: skip


_NAMESPACED_SYSCTLS = frozenset({
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
    "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
})  # fmt: skip


def _allowed_sysctl(value: str) -> str:
    """docker's ValidateSysctl: the namespaced kernel.* ones, net.* and fs.mqueue.*."""
    parts = value.split("=")
    if len(parts) >= 2 and (parts[0] in _NAMESPACED_SYSCTLS or
                            parts[0].startswith(("net.", "fs.mqueue."))):  # fmt: skip
        return value
    raise ValueError(f"sysctl '{value}' is not allowed")


def _needs_equals(value: str) -> str:
    if "=" not in value:
        raise ValueError(f"bad format for key=value: {value}")
    return value


def _weight_device(value: str) -> dict[str, Any]:
    path, sep, weight = value.rpartition(":")
    if not sep or not path.startswith("/dev/"):
        raise ValueError(f"bad format: {value}")
    try:
        number = _parse_uint(weight, 16)
    except ValueError:
        raise ValueError(f"invalid weight for device: {value}") from None
    if number and not 10 <= number <= 1000:
        raise ValueError(f"invalid weight for device: {value}")
    return {"Path": path, "Weight": number}


def _endpoints(opts: Options, network: str) -> dict[str, Any]:
    """The endpoint settings of the container's network, when any were given."""
    ipam = endpoint_addresses(opts)
    endpoint: dict[str, Any] = {}
    if ipam:
        endpoint["IPAMConfig"] = ipam
    if opts.network_alias:
        endpoint["Aliases"] = list(opts.network_alias)
    if not endpoint:
        return {}
    return {network: endpoint}
