"""What ``top``, ``port``, ``diff`` and ``stats`` print, from the daemon's answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dshell.records import dataclass
from dshell.render import gojson
from dshell.render.formatter import render_list, truncate_id
from dshell.render.tabwriter import TabWriter
from dshell.render.units import bytes_size, human_size_with_precision

DEFAULT_STATS_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t"
    "{{.BlockIO}}\t{{.PIDs}}"
)
WINDOWS_STATS_FORMAT = (
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.NetIO}}\t{{.BlockIO}}"
)
STATS_HEADER = {
    "Container": "CONTAINER", "Name": "NAME", "ID": "CONTAINER ID", "CPUPerc": "CPU %",
    "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %", "NetIO": "NET I/O",
    "BlockIO": "BLOCK I/O", "PIDs": "PIDS",
}  # fmt: skip
_STATS_JSON_FIELDS = ("BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name",
                      "NetIO", "PIDs")  # fmt: skip
DIFF_KINDS = {0: "C", 1: "A", 2: "D"}


def render_top(titles: list[str], processes: Iterable[list[str]]) -> str:
    """``docker top``: a tabwriter with minimum width 20, padding 3."""
    writer = TabWriter(minwidth=20, padding=3)
    writer.write("\t".join(titles) + "\n")
    for process in processes:
        writer.write("\t".join(process) + "\n")
    return writer.flush()


def render_diff(changes: Iterable[Mapping[str, Any]]) -> str:
    return "".join(f"{DIFF_KINDS.get(c.get('Kind'), '?')} {c.get('Path', '')}\n" for c in changes)


def _port_key(key: str) -> tuple[int, str]:
    number, _, proto = key.partition("/")
    return (int(number) if number.isdigit() else 0, proto)


def port_lines(ports: Mapping[str, Any] | None, wanted: str | None = None) -> list[str]:
    """``80/tcp -> 0.0.0.0:8080`` lines from NetworkSettings.Ports (only published ones);
    with ``wanted`` ("80", "80/udp"), the host addresses of that one port."""
    lines = []
    for key in sorted(ports or {}, key=_port_key):
        bindings = (ports or {})[key] or []
        if wanted is not None and key != wanted:
            continue
        for binding in bindings:
            host_ip = binding.get("HostIp", "")
            address = f"[{host_ip}]" if ":" in host_ip else host_ip
            endpoint = f"{address}:{binding.get('HostPort', '')}"
            lines.append(endpoint if wanted is not None else f"{key} -> {endpoint}")
    return lines


@dataclass
class StatsEntry:
    """One container's numbers, as docker's StatsEntry."""

    container: str
    name: str = ""
    id: str = ""
    cpu_percentage: float = 0.0
    memory: float = 0.0
    memory_limit: float = 0.0
    memory_percentage: float = 0.0
    network_rx: float = 0.0
    network_tx: float = 0.0
    block_read: float = 0.0
    block_write: float = 0.0
    pids_current: int = 0
    is_invalid: bool = False
    error: str | None = None

    def update_from(self, sample: Mapping[str, Any]) -> None:
        """Fill in the numbers from one /containers/{id}/stats object (Linux daemon)."""
        memory = sample.get("memory_stats") or {}
        usage = memory_usage_no_cache(memory)
        limit = float(memory.get("limit") or 0)
        networks = sample.get("networks") or {}
        reads, writes = block_io(sample.get("blkio_stats") or {})
        self.name = sample.get("name") or ""
        self.id = sample.get("id") or ""
        self.cpu_percentage = cpu_percent(sample.get("precpu_stats") or {},
                                          sample.get("cpu_stats") or {})  # fmt: skip
        self.memory = usage
        self.memory_limit = limit
        self.memory_percentage = usage / limit * 100.0 if limit else 0.0
        self.network_rx = float(sum(n.get("rx_bytes", 0) for n in networks.values()))
        self.network_tx = float(sum(n.get("tx_bytes", 0) for n in networks.values()))
        self.block_read, self.block_write = float(reads), float(writes)
        self.pids_current = int((sample.get("pids_stats") or {}).get("current") or 0)
        self.is_invalid = False
        self.error = None

    def reset_with_error(self, error: str) -> None:
        """No sample in time: zero the numbers and show dashes (SetErrorAndReset)."""
        self.cpu_percentage = self.memory = self.memory_percentage = self.memory_limit = 0.0
        self.network_rx = self.network_tx = self.block_read = self.block_write = 0.0
        self.pids_current = 0
        self.error = error
        self.is_invalid = True


def cpu_percent(previous: Mapping[str, Any], current: Mapping[str, Any]) -> float:
    cpu_delta = float((current.get("cpu_usage") or {}).get("total_usage") or 0) - float(
        (previous.get("cpu_usage") or {}).get("total_usage") or 0)
    system_delta = float(current.get("system_cpu_usage") or 0) - float(
        previous.get("system_cpu_usage") or 0)
    online = float(current.get("online_cpus") or 0)
    if online == 0.0:
        online = float(len((current.get("cpu_usage") or {}).get("percpu_usage") or []))
    if system_delta > 0.0 and cpu_delta > 0.0:
        return cpu_delta / system_delta * online * 100.0
    return 0.0


def memory_usage_no_cache(memory: Mapping[str, Any]) -> float:
    usage = int(memory.get("usage") or 0)
    stats = memory.get("stats") or {}
    if "total_inactive_file" in stats and stats["total_inactive_file"] < usage:
        return float(usage - stats["total_inactive_file"])
    inactive = int(stats.get("inactive_file") or 0)
    if inactive < usage:
        return float(usage - inactive)
    return float(usage)


def block_io(blkio: Mapping[str, Any]) -> tuple[int, int]:
    reads = writes = 0
    for entry in blkio.get("io_service_bytes_recursive") or []:
        op = (entry.get("op") or "")[:1]
        if op in ("r", "R"):
            reads += int(entry.get("value") or 0)
        elif op in ("w", "W"):
            writes += int(entry.get("value") or 0)
    return reads, writes


def _percentage(value: float) -> str:
    return f"{value:.2f}%"


class StatsContext:
    """docker's statsContext: the fields ``--format`` can use."""

    go_type_name = "*container.statsContext"

    def __init__(self, entry: StatsEntry, os_type: str, trunc: bool) -> None:
        self._s = entry
        self._os = os_type
        self._trunc = trunc

    def Container(self) -> str:
        return self._s.container

    def Name(self) -> str:
        return self._s.name[1:] if len(self._s.name) > 1 else "--"

    def ID(self) -> str:
        return truncate_id(self._s.id) if self._trunc else self._s.id

    def CPUPerc(self) -> str:
        return "--" if self._s.is_invalid else _percentage(self._s.cpu_percentage)

    def MemUsage(self) -> str:
        if self._s.is_invalid:
            return "-- / --"
        if self._os == "windows":
            return bytes_size(self._s.memory)
        return bytes_size(self._s.memory) + " / " + bytes_size(self._s.memory_limit)

    def MemPerc(self) -> str:
        if self._s.is_invalid or self._os == "windows":
            return "--"
        return _percentage(self._s.memory_percentage)

    def NetIO(self) -> str:
        if self._s.is_invalid:
            return "--"
        return (human_size_with_precision(self._s.network_rx, 3) + " / "
                + human_size_with_precision(self._s.network_tx, 3))  # fmt: skip

    def BlockIO(self) -> str:
        if self._s.is_invalid:
            return "--"
        return (human_size_with_precision(self._s.block_read, 3) + " / "
                + human_size_with_precision(self._s.block_write, 3))  # fmt: skip

    def PIDs(self) -> str:
        if self._s.is_invalid or self._os == "windows":
            return "--"
        return str(self._s.pids_current)

    def marshal_json(self) -> gojson.RawJSON:
        fields = {name: getattr(self, name)() for name in _STATS_JSON_FIELDS}
        return gojson.RawJSON(gojson.dumps(fields, escape_html=True, sort_keys=True))


def stats_format(fmt: str | None, config_format: str | None, os_type: str) -> str:
    chosen = fmt or config_format or "table"
    if chosen == "table":
        return WINDOWS_STATS_FORMAT if os_type == "windows" else DEFAULT_STATS_FORMAT
    return chosen


def render_stats(entries: Iterable[StatsEntry], fmt: str, os_type: str, trunc: bool) -> str:
    header = dict(STATS_HEADER)
    if os_type == "windows":
        header["MemUsage"] = "PRIV WORKING SET"
    contexts = [StatsContext(entry, os_type, trunc) for entry in entries]
    return render_list(fmt, contexts, header)


def stats_frame(table: str) -> str:
    """One redraw of the live view, byte for byte as docker 28 writes it: the table after
    cursor-home, then the same text again with erase-to-end-of-line on every line, then
    erase-below (docker appends the erasing copy to the buffer it already holds)."""
    first = "\033[H" + table
    erasing = "".join(line + " \033[K\n" for line in first.split("\n"))
    return first + erasing + "\033[J"
