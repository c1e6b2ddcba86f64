"""Service listings, the ``--pretty`` view and convergence progress: docker/cli's
cli/command/service formatter.go and progress/progress.go over ``GET /services`` and
``/tasks``."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Mapping
from typing import Any

from dshell.render.formatter import (
    DEFAULT_QUIET_FORMAT,
    RAW_FORMAT_KEY,
    TABLE_FORMAT_KEY,
    render_list,
    truncate_id,
)
from dshell.render.listing import marshal_fields, natural_less_key
from dshell.render.swarm import ago, familiar_tagged
from dshell.render.units import bytes_size

__all__ = [
    "SERVICE_HEADER",
    "ServiceContext",
    "ServiceProgress",
    "go_duration_ns",
    "pretty_service",
    "render_services",
    "service_format",
]

DEFAULT_SERVICE_TABLE_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}"
)
RAW_SERVICE_FORMAT = (
    "id: {{.ID}}\\nname: {{.Name}}\\nmode: {{.Mode}}\\nreplicas: {{.Replicas}}\\n"
    "image: {{.Image}}\\nports: {{.Ports}}\\n"
)
SERVICE_HEADER = {
    "ID": "ID",
    "Name": "NAME",
    "Mode": "MODE",
    "Replicas": "REPLICAS",
    "Image": "IMAGE",
    "Ports": "PORTS",
}


def service_format(fmt: str | None, config_format: str, quiet: bool) -> str:
    """``--format``, else config.json's ``servicesFormat`` (not with ``-q``), else table."""
    source = fmt or (config_format if config_format and not quiet else TABLE_FORMAT_KEY)
    if source == TABLE_FORMAT_KEY:
        return DEFAULT_QUIET_FORMAT if quiet else DEFAULT_SERVICE_TABLE_FORMAT
    if source == RAW_FORMAT_KEY:
        return "id: {{.ID}}" if quiet else RAW_SERVICE_FORMAT
    return source


def render_services(services: list[dict], fmt: str) -> str:
    """The services sorted naturally by name, rendered with ``fmt``."""
    ordered = sorted(
        services, key=lambda s: natural_less_key((s.get("Spec") or {}).get("Name") or "")
    )
    return render_list(fmt, [ServiceContext(s) for s in ordered], SERVICE_HEADER)


def _spec(service: Mapping[str, Any]) -> dict:
    return service.get("Spec") or {}


def _mode(spec: Mapping[str, Any]) -> dict:
    return spec.get("Mode") or {}


class ServiceContext:
    """One service as ``docker service ls --format`` sees it."""

    go_type_name = "*service.serviceContext"

    def __init__(self, service: Mapping[str, Any]) -> None:
        self._s = service

    def ID(self) -> str:
        return truncate_id(self._s.get("ID") or "")

    def Name(self) -> str:
        return _spec(self._s).get("Name") or ""

    def Mode(self) -> str:
        mode = _mode(_spec(self._s))
        for key, shown in (
            ("Global", "global"),
            ("Replicated", "replicated"),
            ("ReplicatedJob", "replicated job"),
            ("GlobalJob", "global job"),
        ):
            if mode.get(key) is not None:
                return shown
        return ""

    def Replicas(self) -> str:
        status = self._s.get("ServiceStatus") or {}
        running = int(status.get("RunningTasks") or 0)
        desired = int(status.get("DesiredTasks") or 0)
        completed = int(status.get("CompletedTasks") or 0)
        mode = _mode(_spec(self._s))
        if mode.get("ReplicatedJob") is not None:
            total = int((mode["ReplicatedJob"] or {}).get("TotalCompletions") or 0)
            return f"{running}/{desired} ({completed}/{total} completed)"
        if mode.get("GlobalJob") is not None:
            return f"{running}/{desired} ({completed}/{desired + completed} completed)"
        placement = (_spec(self._s).get("TaskTemplate") or {}).get("Placement") or {}
        most = int(placement.get("MaxReplicas") or 0) if self.Mode() == "replicated" else 0
        if most > 0:
            return f"{running}/{desired} (max {most} per node)"
        return f"{running}/{desired}"

    def Image(self) -> str:
        container = (_spec(self._s).get("TaskTemplate") or {}).get("ContainerSpec") or {}
        return familiar_tagged(container.get("Image") or "")

    def Ports(self) -> str:
        return ingress_ports((self._s.get("Endpoint") or {}).get("Ports"))

    def marshal_json(self):  # noqa: ANN201
        return marshal_fields(self, list(SERVICE_HEADER))


def ingress_ports(ports: list[dict] | None) -> str:
    """docker's serviceContext.Ports: ingress ports sorted by protocol then published port,
    consecutive ones folded into ranges (``*:8080-8081->80-81/tcp``)."""
    if ports is None:
        return ""
    ordered = sorted(
        ports, key=lambda p: (p.get("Protocol") or "", int(p.get("PublishedPort") or 0))
    )
    shown: list[str] = []
    current: list[Any] = [0, 0, 0, 0, ""]  # published start/end, target start/end, protocol

    def text(r: list[Any]) -> str:
        pub = f"{r[0]}-{r[1]}" if r[1] > r[0] else str(r[0])
        tgt = f"{r[2]}-{r[3]}" if r[3] > r[2] else str(r[2])
        return f"*:{pub}->{tgt}/{r[4]}"

    for port in ordered:
        if (port.get("PublishMode") or "ingress") != "ingress":
            continue
        published = int(port.get("PublishedPort") or 0)
        target = int(port.get("TargetPort") or 0)
        protocol = port.get("Protocol") or ""
        is_range = current[3] != current[2]
        overlaps = target <= current[3]
        # Go's uint32 subtraction wraps: a smaller port is "far away" too.
        if (
            protocol != current[4]
            or (published - current[1]) % 2**32 > 1
            or (target - current[3]) % 2**32 > 1
            or (is_range and overlaps)
        ):
            if current[0] > 0:
                shown.append(text(current))
            current = [published, published, target, target, protocol]
            continue
        current[1] = published
        current[3] = target
    if current[0] > 0:
        shown.append(text(current))
    return ", ".join(shown)


# --- Go's printing of durations and floats ------------------------------------------------


def go_duration_ns(nanoseconds: int) -> str:
    """Go's ``time.Duration.String()``."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    ns = abs(int(nanoseconds))
    if ns < 1_000_000_000:
        for unit, size in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= size:
                return sign + _fraction(ns, size) + unit
    hours, rest = divmod(ns, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds = _fraction(rest, 10**9)
    if hours:
        return f"{sign}{hours}h{minutes}m{seconds}s"
    if minutes:
        return f"{sign}{minutes}m{seconds}s"
    return f"{sign}{seconds}s"


def _fraction(value: int, unit: int) -> str:
    whole, part = divmod(value, unit)
    if not part:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}." + f"{part:0{digits}d}".rstrip("0")


def go_float(value: float, bits: int = 64) -> str:
    """Go's ``%v`` of a float32/float64: the shortest text that reads back the same."""
    if bits == 32:
        packed = struct.unpack("f", struct.pack("f", value))[0]
        for precision in range(1, 10):
            text = f"{packed:.{precision}g}"
            if struct.unpack("f", struct.pack("f", float(text)))[0] == packed:
                break
    else:
        text = repr(float(value))
        if text.endswith(".0"):
            text = text[:-2]
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").lstrip("0").rjust(2, "0")
        text = f"{mantissa}e{sign}{digits}"
    return text


def _go_list(items: list[str]) -> str:
    return "[" + " ".join(items) + "]"


# --- the pretty view ------------------------------------------------------------------------


def _update_config(title: str, word: str, config: Mapping[str, Any]) -> str:
    text = f"\n{title}:\n Parallelism:\t{int(config.get('Parallelism') or 0)}"
    delay = int(config.get("Delay") or 0)
    if delay > 0:
        text += f"\n Delay:\t\t{go_duration_ns(delay)}"
    text += f"\n On failure:\t{config.get('FailureAction') or ''}"
    monitor = int(config.get("Monitor") or 0)
    if monitor > 0:
        text += f"\n Monitoring Period: {go_duration_ns(monitor)}"
    text += f"\n Max failure ratio: {go_float(config.get('MaxFailureRatio') or 0, 32)}"
    label = "Update order:      " if word == "Update" else "Rollback order:    "
    text += f"\n {label}{config.get('Order') or ''}"
    return text


def pretty_service(
    service: Mapping[str, Any], network_names: Mapping[str, str], now: float | None = None
) -> str:
    """docker's serviceInspectPrettyTemplate for one service (its leading and final
    newline included)."""
    current = time.time() if now is None else now
    spec = _spec(service)
    task = spec.get("TaskTemplate") or {}
    container = task.get("ContainerSpec") or {}
    text = f"\nID:\t\t{service.get('ID', '')}\nName:\t\t{spec.get('Name', '')}"
    if spec.get("Labels"):
        text += "\nLabels:" + "".join(
            f"\n {k}" + (f"={v}" if v else "") for k, v in sorted(spec["Labels"].items())
        )
    text += "\nService Mode:"
    mode = _mode(spec)
    if mode.get("Global") is not None:
        text += "\tGlobal"
    elif mode.get("Replicated") is not None:
        text += "\tReplicated"
        replicas = (mode["Replicated"] or {}).get("Replicas")
        if replicas is not None:
            text += f"\n Replicas:\t{replicas}"
    status = service.get("UpdateStatus") or {}
    if status.get("State"):
        text += f"\nUpdateStatus:\n State:\t\t{status['State']}"
        if status.get("StartedAt"):
            text += f"\n Started:\t{ago(status['StartedAt'], current)}"
        if status["State"] == "completed" and status.get("CompletedAt"):
            text += f"\n Completed:\t{ago(status['CompletedAt'], current)}"
        text += f"\n Message:\t{status.get('Message') or ''}"
    text += "\nPlacement:"
    placement = task.get("Placement")
    if placement:
        if placement.get("Constraints"):
            text += f"\n Constraints:\t{_go_list(placement['Constraints'])}"
        prefs = [
            "spread=" + ((p.get("Spread") or {}).get("SpreadDescriptor") or "")
            for p in placement.get("Preferences") or []
            if p.get("Spread") is not None
        ]
        if prefs:
            text += f"\n Preferences:   {_go_list(prefs)}"
        if placement.get("MaxReplicas"):
            text += f"\n Max Replicas Per Node:   {placement['MaxReplicas']}"
    if spec.get("UpdateConfig") is not None:
        text += _update_config("UpdateConfig", "Update", spec["UpdateConfig"])
    if spec.get("RollbackConfig") is not None:
        text += _update_config("RollbackConfig", "Rollback", spec["RollbackConfig"])
    text += f"\nContainerSpec:\n Image:\t\t{container.get('Image', '')}"
    if container.get("Args"):
        text += "\n Args:\t\t" + "".join(f"{a} " for a in container["Args"])
    if container.get("Env"):
        text += "\n Env:\t\t" + "".join(f"{e} " for e in container["Env"])
    if container.get("Dir"):
        text += f"\n Dir:\t\t{container['Dir']}"
    if container.get("Init") is not None:
        text += f"\n Init:\t\t{'true' if container['Init'] else 'false'}"
    if container.get("User"):
        text += f"\n User: {container['User']}"
    add, drop = container.get("CapabilityAdd") or [], container.get("CapabilityDrop") or []
    if add or drop:
        text += "\nCapabilities:"
        if add:
            text += "\n Add: " + ", ".join(add)
        if drop:
            text += "\n Drop: " + ", ".join(drop)
    if container.get("Sysctls"):
        text += "\nSysCtls:" + "".join(
            f"\n {k}" + (f": {v}" if v else "") for k, v in sorted(container["Sysctls"].items())
        )
    if container.get("Ulimits"):
        limits = {u.get("Name", ""): f"{u.get('Soft', 0)}:{u.get('Hard', 0)}"
                  for u in container["Ulimits"]}  # fmt: skip
        text += "\nUlimits:" + "".join(f"\n {k}: {v}" for k, v in sorted(limits.items()))
    mounts = container.get("Mounts") or []
    if mounts:
        text += "\nMounts:"
    for mount in mounts:
        text += (f"\n Target:\t{mount.get('Target', '')}\n  Source:\t{mount.get('Source', '')}"
                 f"\n  ReadOnly:\t{'true' if mount.get('ReadOnly') else 'false'}"
                 f"\n  Type:\t\t{mount.get('Type', '')}")  # fmt: skip
    for key, title, name in (("Configs", "Configs", "ConfigName"),
                             ("Secrets", "Secrets", "SecretName")):  # fmt: skip
        if container.get(key):
            text += f"\n{title}:"
            for ref in container[key]:
                target = (ref.get("File") or {}).get("Name", "")
                text += f"\n Target:\t{target}\n  Source:\t{ref.get(name, '')}"
    driver = task.get("LogDriver")
    if driver is not None:
        text += "\nLog Driver:"
        if driver.get("Name"):
            text += f"\n Name:\t\t{driver['Name']}"
        if driver.get("Options"):
            text += "\n LogOpts:" + "".join(
                f"\n  {k}" + (f":       {v}" if v else "")
                for k, v in sorted(driver["Options"].items())
            )
        text += "\n"
    resources = task.get("Resources")
    limits = (resources or {}).get("Limits") or {}
    if resources is not None:
        text += "\nResources:"
        reservations = resources.get("Reservations") or {}
        for title, part, pids in (("Reservations", reservations, False),
                                  ("Limits", limits, True)):  # fmt: skip
            cpus = int(part.get("NanoCPUs") or 0)
            memory = int(part.get("MemoryBytes") or 0)
            if cpus > 0 or memory > 0 or (pids and int(part.get("Pids") or 0) > 0):
                text += f"\n {title}:"
                if cpus > 0:
                    text += f"\n  CPU:\t\t{go_float(cpus / 1e9)}"
                if memory:
                    text += f"\n  Memory:\t{bytes_size(memory)}"
    if int(limits.get("Pids") or 0) > 0:
        text += f"\n  PIDs:\t\t{limits['Pids']}"
    networks = task.get("Networks") or []
    if networks:
        text += (
            "\nNetworks:"
            + "".join(
                f" {network_names.get(n.get('Target', ''), n.get('Target', ''))}" for n in networks
            )
            + " "
        )
    endpoint_mode = ((spec.get("EndpointSpec") or {}).get("Mode")) or ""
    text += f"\nEndpoint Mode:\t{endpoint_mode}"
    ports = (service.get("Endpoint") or {}).get("Ports") or []
    if ports:
        text += "\nPorts:"
        for port in ports:
            text += (f"\n PublishedPort = {port.get('PublishedPort', 0)}"
                     f"\n  Protocol = {port.get('Protocol', '')}"
                     f"\n  TargetPort = {port.get('TargetPort', 0)}"
                     f"\n  PublishMode = {port.get('PublishMode', '')}")  # fmt: skip
        text += " "
    health = container.get("Healthcheck")
    if health:
        text += (f"\n Healthcheck:\n  Interval = {go_duration_ns(health.get('Interval') or 0)}"
                 f"\n  Retries = {health.get('Retries') or 0}"
                 f"\n  StartPeriod =\t{go_duration_ns(health.get('StartPeriod') or 0)}"
                 f"\n  Timeout =\t{go_duration_ns(health.get('Timeout') or 0)}")  # fmt: skip
        if health.get("Test"):
            text += "\n  Tests:" + "".join(f"\n\t Test = {t}" for t in health["Test"]) + " "
    return text + "\n"


# --- convergence progress ------------------------------------------------------------------

#: swarmkit's task states in order (progress.go's numberedStates).
TASK_STATES = {
    "new": 1, "allocated": 2, "pending": 3, "assigned": 4, "accepted": 5, "preparing": 6,
    "ready": 7, "starting": 8, "running": 9, "complete": 10, "shutdown": 11, "failed": 12,
    "rejected": 13,
}  # fmt: skip
LONGEST_STATE = max(len(s) for s, n in TASK_STATES.items() if n <= 10)
MAX_PROGRESS = 9
MAX_PROGRESS_BARS = 20
MAX_JOB_PROGRESS = 10


def _terminal(state: str) -> bool:
    return TASK_STATES.get(state, 0) > TASK_STATES["running"]


def progress_message(ident: str, action: str, current: int = 0, total: int = 0,
                     hide_counts: bool = False) -> dict:  # fmt: skip
    """What streamformatter's JSON progress output sends for one ``progress.Progress``."""
    detail: dict[str, Any] = {}
    if current:
        detail["current"] = current
    if total:
        detail["total"] = total
    if hide_counts:
        detail["hidecounts"] = True
    return {"status": action, "progressDetail": detail, "id": ident}


def _trunc_error(message: str) -> str:
    message = message.replace("\n", " ")
    if len(message.encode()) > 75:
        message = message.encode()[:74].decode(errors="ignore") + "…"
    return message


def _best_tasks(tasks: list[dict], key: Callable[[dict], Any]) -> dict[Any, dict]:
    """progress.go's tasksBySlot/tasksByNode: per slot (node), the task that matters most."""
    chosen: dict[Any, dict] = {}
    for task in tasks:
        desired = TASK_STATES.get(task.get("DesiredState") or "", 0)
        state = TASK_STATES.get((task.get("Status") or {}).get("State") or "", 0)
        if not desired or not state:
            continue
        existing = chosen.get(key(task))
        if existing is not None:
            old_desired = TASK_STATES.get(existing.get("DesiredState") or "", 0)
            old_state = TASK_STATES.get((existing.get("Status") or {}).get("State") or "", 0)
            if old_desired < desired or (old_desired == desired and old_state <= state):
                continue
        chosen[key(task)] = task
    return chosen


class ServiceProgress:
    """progress.go's replicated and global updaters: each ``update`` returns the JSON
    progress messages for one poll and whether the service converged."""

    def __init__(self, service: Mapping[str, Any]) -> None:
        mode = _mode(_spec(service))
        if (
            mode.get("Replicated") is not None
            and (mode["Replicated"] or {}).get("Replicas") is not None
        ):
            self.kind = "replicated"
        elif mode.get("Global") is not None:
            self.kind = "global"
        elif mode.get("ReplicatedJob") is not None or mode.get("GlobalJob") is not None:
            self.kind = "job"
        else:
            raise ValueError("unrecognized service mode")
        self.initialized = False
        self.done = False
        self.slots: dict[int, int] = {}
        self.nodes: set[str] = set()

    @staticmethod
    def overall(numerator: int, denominator: int, rollback: bool) -> dict:
        if rollback:
            action = f"rolling back update: {numerator} out of {denominator} tasks"
        else:
            action = f"{numerator} out of {denominator} tasks"
        return progress_message("overall progress", action)

    def _task_line(self, task: dict, ident: str) -> dict | None:
        status = task.get("Status") or {}
        if status.get("Err"):
            return progress_message(ident, _trunc_error(status["Err"]))
        state = status.get("State") or ""
        if not _terminal(task.get("DesiredState") or "") and not _terminal(state):
            return progress_message(ident, state.ljust(LONGEST_STATE),
                                    TASK_STATES.get(state, 0), MAX_PROGRESS, True)  # fmt: skip
        return None

    def update(self, service: Mapping[str, Any], tasks: list[dict], active_nodes: set[str],
               rollback: bool) -> tuple[list[dict], bool]:  # fmt: skip
        if self.kind == "global":
            return self._update_global(tasks, active_nodes, rollback)
        if self.kind == "job":
            return self._update_job(service, tasks, active_nodes)
        return self._update_replicated(service, tasks, active_nodes, rollback)

    def _update_replicated(
        self, service: Mapping[str, Any], tasks: list[dict], active: set[str], rollback: bool
    ) -> tuple[list[dict], bool]:
        replicas = int((_mode(_spec(service)).get("Replicated") or {}).get("Replicas") or 0)
        out: list[dict] = []
        if not self.initialized:
            out.append(self.overall(0, replicas, rollback))
            if replicas <= MAX_PROGRESS_BARS:
                out += [progress_message(f"{i}/{replicas}", " ") for i in range(1, replicas + 1)]
            self.initialized = True
        by_slot = _best_tasks(
            [t for t in tasks if not t.get("NodeID") or t.get("NodeID") in active],
            lambda t: t.get("Slot") or 0,
        )
        if self.done and any((t.get("Status") or {}).get("State") != "running"
                             for t in by_slot.values()):  # fmt: skip
            self.done = False
        running = 0
        for slot, task in by_slot.items():
            mapped = self.slots.setdefault(slot, len(self.slots) + 1)
            if not _terminal(task.get("DesiredState") or "") and (
                (task.get("Status") or {}).get("State") == "running"
            ):
                running += 1
            if self.done or replicas > MAX_PROGRESS_BARS or mapped > replicas:
                continue
            line = self._task_line(task, f"{mapped}/{replicas}")
            if line is not None:
                out.append(line)
        if not self.done:
            out.append(self.overall(running, replicas, rollback))
            if running == replicas:
                self.done = True
        return out, running == replicas

    def _update_global(self, tasks: list[dict], active: set[str],
                       rollback: bool) -> tuple[list[dict], bool]:  # fmt: skip
        by_node = _best_tasks(tasks, lambda t: t.get("NodeID") or "")
        count = len(by_node)
        out: list[dict] = []
        if not self.initialized:
            if count == 0:
                return [progress_message("overall progress", "waiting for new tasks")], False
            out.append(self.overall(0, count, rollback))
            self.initialized = True
        if self.done and any((t.get("Status") or {}).get("State") != "running"
                             for t in by_node.values()):  # fmt: skip
            self.done = False
        running = 0
        for node, task in by_node.items():
            if node not in active:
                continue
            if not _terminal(task.get("DesiredState") or "") and (
                (task.get("Status") or {}).get("State") == "running"
            ):
                running += 1
            if not self.done and count <= MAX_PROGRESS_BARS:
                line = self._task_line(task, truncate_id(node))
                if line is not None:
                    out.append(line)
        if not self.done:
            out.append(self.overall(running, count, rollback))
            if running == count:
                self.done = True
        return out, running == count

    def _update_job(self, service: Mapping[str, Any], tasks: list[dict],
                    active: set[str]) -> tuple[list[dict], bool]:  # fmt: skip
        mode = _mode(_spec(service))
        iteration = ((service.get("JobStatus") or {}).get("JobIteration") or {}).get("Index", 0)
        current = [t for t in tasks if t.get("JobIteration") is not None
                   and (t["JobIteration"] or {}).get("Index", 0) == iteration]  # fmt: skip
        if mode.get("ReplicatedJob") is not None:
            return self._replicated_job(mode["ReplicatedJob"] or {}, current)
        return self._global_job(tasks, current, active)

    @staticmethod
    def _job_overall(complete: int, total: int) -> dict:
        action = f"{complete:>{len(str(total))}} out of {total} complete"
        return progress_message("job progress", action, complete, total, True)

    @staticmethod
    def _job_task(task: dict, ident: str) -> dict:
        status = task.get("Status") or {}
        if status.get("Err"):
            return progress_message(ident, _trunc_error(status["Err"]))
        state = status.get("State") or ""
        return progress_message(ident, state.ljust(LONGEST_STATE), TASK_STATES.get(state, 0),
                                MAX_JOB_PROGRESS, True)  # fmt: skip

    @staticmethod
    def _by_least_state(tasks: list[dict], key: Callable[[dict], Any]) -> dict[Any, dict]:
        chosen: dict[Any, dict] = {}
        for task in tasks:
            state = TASK_STATES.get((task.get("Status") or {}).get("State") or "", 0)
            if not TASK_STATES.get(task.get("DesiredState") or "", 0) or not state:
                continue
            existing = chosen.get(key(task))
            old = TASK_STATES.get(((existing or {}).get("Status") or {}).get("State") or "", 0)
            if existing is None or old > state:
                chosen[key(task)] = task
        return chosen

    def _replicated_job(self, job: Mapping[str, Any], tasks: list[dict]) -> tuple[list[dict], bool]:
        """progress.go's replicatedJobProgressUpdater, quirks included: slots are looked up
        from 0 to the number of slots seen, a missing one counting as an active task."""
        total = int(job.get("TotalCompletions") or 0)
        concurrent = int(job.get("MaxConcurrent") or 0)
        out: list[dict] = []

        def overall(active: int, complete: int) -> None:
            out.append(self._job_overall(complete, total))
            desired = min(total - complete, concurrent)
            width = len(str(concurrent))
            out.append(
                progress_message(
                    "active tasks", f"{active:>{width}} out of {desired:>{width}} tasks"
                )
            )

        if not self.initialized:
            overall(0, 0)
            if total <= MAX_PROGRESS_BARS:
                out += [progress_message(f"{i}/{total}", " ") for i in range(1, total + 1)]
            self.initialized = True
        by_slot = self._by_least_state(tasks, lambda t: t.get("Slot") or 0)
        active = complete = 0
        for slot in range(len(by_slot)):
            task = by_slot.get(slot, {})
            if total <= MAX_PROGRESS_BARS:
                out.append(self._job_task(task, f"{slot + 1}/{total}"))
            state = (task.get("Status") or {}).get("State") or ""
            if TASK_STATES.get(state, 0) < TASK_STATES["complete"]:
                active += 1
            if state == "complete":
                complete += 1
        overall(active, complete)
        return out, complete == total

    def _global_job(self, tasks: list[dict], current: list[dict],
                    active_nodes: set[str]) -> tuple[list[dict], bool]:  # fmt: skip
        """progress.go's globalJobProgressUpdater."""
        out: list[dict] = []
        if not self.initialized:
            if not tasks and active_nodes:
                return [progress_message("job progress", "waiting for tasks")], False
            self.nodes = {t.get("NodeID", "") for t in current}
            out.append(self._job_overall(0, len(self.nodes)))
            self.initialized = True
        total = len(self.nodes)
        by_node = self._by_least_state(
            [t for t in current if t.get("NodeID", "") in self.nodes],
            lambda t: t.get("NodeID", ""),
        )
        complete = 0
        for node, task in by_node.items():
            if total <= MAX_PROGRESS_BARS:
                out.append(self._job_task(task, node))
            if (task.get("Status") or {}).get("State") == "complete":
                complete += 1
        out.append(self._job_overall(complete, total))
        return out, complete == total
