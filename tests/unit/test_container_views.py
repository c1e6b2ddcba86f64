"""What top, port, diff and stats print, from canned daemon answers."""

from __future__ import annotations

import json

import pytest

from dshell.render.container_views import (
    DEFAULT_STATS_FORMAT,
    StatsEntry,
    cpu_percent,
    memory_usage_no_cache,
    port_lines,
    render_diff,
    render_stats,
    render_top,
    stats_format,
    stats_frame,
)
from dshell.render.formatter import FormatError


def test_top_uses_minimum_width_20_and_padding_3():
    out = render_top(["UID", "PID", "CMD"], [["root", "1", "sleep 600"], ["root", "12", "sh"]])
    assert out == (
        "UID                 PID                 CMD\n"
        "root                1                   sleep 600\n"
        "root                12                  sh\n"
    )


def test_diff_letters():
    changes = [{"Path": "/a", "Kind": 0}, {"Path": "/b", "Kind": 1}, {"Path": "/c", "Kind": 2}]
    assert render_diff(changes) == "C /a\nA /b\nD /c\n"


PORTS = {
    "443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8443"}, {"HostIp": "::", "HostPort": "8443"}],
    "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
    "53/udp": None,
}


def test_port_lines_list_published_ports_in_port_order():
    assert port_lines(PORTS) == [
        "80/tcp -> 127.0.0.1:8080",
        "443/tcp -> 0.0.0.0:8443",
        "443/tcp -> [::]:8443",
    ]


def test_port_lines_for_one_port_print_host_addresses_only():
    assert port_lines(PORTS, "443/tcp") == ["0.0.0.0:8443", "[::]:8443"]
    assert port_lines(PORTS, "53/udp") == []
    assert port_lines(None) == []


SAMPLE = {
    "name": "/web",
    "id": "f" * 64,
    "cpu_stats": {"cpu_usage": {"total_usage": 300}, "system_cpu_usage": 2000, "online_cpus": 2},
    "precpu_stats": {"cpu_usage": {"total_usage": 100}, "system_cpu_usage": 1000},
    "memory_stats": {"usage": 4 * 1024 * 1024, "limit": 1024 * 1024 * 1024,
                     "stats": {"inactive_file": 1024 * 1024}},
    "networks": {"eth0": {"rx_bytes": 1500, "tx_bytes": 2_500_000}},
    "blkio_stats": {"io_service_bytes_recursive": [{"op": "Read", "value": 4096},
                                                   {"op": "Write", "value": 1_000_000}]},
    "pids_stats": {"current": 3},
}  # fmt: skip


def entry():
    made = StatsEntry(container="web")
    made.update_from(SAMPLE)
    return made


def test_stats_numbers_follow_docker_s_formulas():
    assert cpu_percent(SAMPLE["precpu_stats"], SAMPLE["cpu_stats"]) == pytest.approx(40.0)
    assert memory_usage_no_cache(SAMPLE["memory_stats"]) == 3 * 1024 * 1024
    assert memory_usage_no_cache({"usage": 10, "stats": {"total_inactive_file": 4}}) == 6


def test_stats_table_row():
    out = render_stats([entry()], DEFAULT_STATS_FORMAT, "linux", trunc=True)
    header, row = out.splitlines()
    assert header.split() == ["CONTAINER", "ID", "NAME", "CPU", "%", "MEM", "USAGE", "/",
                              "LIMIT", "MEM", "%", "NET", "I/O", "BLOCK", "I/O", "PIDS"]
    assert row.split() == ["ffffffffffff", "web", "40.00%", "3MiB", "/", "1GiB", "0.29%",
                           "1.5kB", "/", "2.5MB", "4.1kB", "/", "1MB", "3"]  # fmt: skip


def test_stats_json_and_invalid_entries():
    invalid = StatsEntry(container="gone", name="/gone")
    invalid.reset_with_error("timeout waiting for stats")
    out = render_stats([entry(), invalid], "json", "linux", trunc=False)
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["ID"] == "f" * 64 and first["PIDs"] == "3" and first["Container"] == "web"
    assert list(first) == sorted(first)
    assert second["CPUPerc"] == "--" and second["MemUsage"] == "-- / --" and second["PIDs"] == "--"


def test_stats_name_without_data_is_dashes_and_bad_templates_fail():
    assert render_stats([StatsEntry(container="x")], "{{.Name}}", "linux", True) == "--\n"
    with pytest.raises(FormatError):
        render_stats([entry()], "{{.Nope}}", "linux", True)


def test_stats_format_choice():
    assert stats_format(None, None, "linux") == DEFAULT_STATS_FORMAT
    assert stats_format(None, "{{.Name}}", "linux") == "{{.Name}}"
    assert stats_format("table {{.ID}}", "{{.Name}}", "linux") == "table {{.ID}}"
    assert "MemPerc" not in stats_format("table", None, "windows")


def test_live_frame_matches_docker_28_bytes():
    frame = stats_frame("A\nB\n")
    assert frame == "\x1b[HA\nB\n\x1b[HA \x1b[K\nB \x1b[K\n \x1b[K\n\x1b[J"
