"""`docker info` output, checked against docker 28.2.2 run on the same daemon states.

Fixtures in data/info/<state>/: api.json is the daemon's /v1.41/info answer, docker.stdout,
docker.stderr and docker-json.stdout (`--format '{{json .}}'`) what docker printed for it.
dev: the shared dev daemon. tuned: a private daemon with --debug --experimental, two labels,
a registry mirror, insecure registries, a default address pool and HTTP(S)_PROXY/NO_PROXY set,
queried with a config.json holding a Docker Hub login for "alice". unreachable: no daemon.
"""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path

import pytest

import dshell
from dshell.render import gojson
from dshell.render.info import TemplateError, info_client, info_data, render_info

DATA = Path(__file__).parent / "data" / "info"
# Counters that change between two calls to the daemon: docker's own answer is copied in.
VOLATILE = ("NFd", "NGoroutines", "SystemTime", "NEventsListener")
DEBUG_LINES = {
    "  File Descriptors: ": "NFd",
    "  Goroutines: ": "NGoroutines",
    "  System Time: ": "SystemTime",
    "  EventsListeners: ": "NEventsListener",
}


def fixture(state: str, name: str) -> str:
    return (DATA / state / name).read_text()


def api(state: str) -> dict:
    return json.loads(fixture(state, "api.json"))


def client(debug: bool = False):
    return info_client(context="default", debug=debug, default_api_version="1.45")


def username(state: str) -> str:
    return "alice" if state == "tuned" else ""


def with_docker_counters(info: dict, docker_stdout: str) -> dict:
    """The /info answer with the debug counters docker printed (they moved between calls)."""
    for line in docker_stdout.splitlines():
        for label, key in DEBUG_LINES.items():
            if line.startswith(label):
                value = line[len(label):]
                info[key] = value if key == "SystemTime" else int(value)
    return info


def sorted_runtimes(text: str) -> str:
    """docker prints runtimes in Go map order (random); dshell sorts them."""
    def sort_line(match: re.Match) -> str:
        return " Runtimes: " + " ".join(sorted(match.group(1).split()))

    return re.sub(r"^ Runtimes: (.*)$", sort_line, text, flags=re.M)


def server_part(text: str) -> str:
    return text[text.index("\nServer:\n"):]


@pytest.mark.parametrize("state", ["dev", "tuned"])
def test_server_report_is_docker_exact(state):
    docker = fixture(state, "docker.stdout")
    info = with_docker_counters(api(state), docker)
    out, _ = render_info(info, client(), None, username=username(state))
    assert server_part(out) == sorted_runtimes(server_part(docker))


@pytest.mark.parametrize("state", ["dev", "tuned"])
def test_warnings_go_to_stderr_as_docker_prints_them(state):
    _, err = render_info(api(state), client(), None, username=username(state))
    assert err == fixture(state, "docker.stderr") == "WARNING: IPv4 forwarding is disabled\n"


def test_runtimes_are_listed_sorted():
    out, _ = render_info(api("dev"), client(), None)
    assert " Runtimes: io.containerd.runc.v2 io.containerd.runtime.v1.linux runc\n" in out


def test_client_block_has_docker_shape_without_plugins():
    out, _ = render_info(api("dev"), client(), None)
    assert out.startswith(
        f"Client:\n Version:    {dshell.__version__}\n Context:    default\n"
        " Debug Mode: false\n\nServer:\n Containers: "
    )
    docker = fixture("dev", "docker.stdout")
    assert [line[:12] for line in out.split("\n")[:6]] == [
        line[:12] for line in docker.split("\n")[:6]
    ]


def test_unreachable_daemon_stops_after_the_server_header():
    out, err = render_info(None, client(), None)
    docker = fixture("unreachable", "docker.stdout")
    assert server_part(out) == server_part(docker) == "\nServer:\n"
    assert err == ""


@pytest.mark.parametrize("state", ["dev", "tuned"])
def test_json_is_docker_exact_for_the_server_part(state):
    docker = fixture(state, "docker-json.stdout")
    info = api(state)
    docker_info = json.loads(docker)
    for key in VOLATILE:
        info[key] = docker_info[key]
    out, err = render_info(info, client(), "{{json .}}", username=username(state))
    cut = docker.index(',"ClientInfo":')
    assert out[:cut] == docker[:cut]
    assert out.endswith("}}\n") and err == ""


def test_json_keyword_is_the_json_template():
    out_keyword, _ = render_info(api("dev"), client(), "json")
    out_template, _ = render_info(api("dev"), client(), "{{json .}}")
    assert out_keyword == out_template


def test_json_client_info_follows_docker_field_order():
    out, _ = render_info(api("dev"), client(), "{{json .ClientInfo}}")
    python = platform.python_version()
    assert out == (
        f'{{"Debug":false,"Version":"{dshell.__version__}","DefaultAPIVersion":"1.45",'
        f'"GitCommit":"-","GoVersion":"python{python}","Os":"linux","Arch":"amd64",'
        '"BuildTime":"-","Context":"default","Plugins":[],"Warnings":null}\n'
    )


def test_unreachable_daemon_formats_zero_values_like_docker():
    docker = fixture("unreachable", "docker-json.stdout")
    out, _ = render_info(None, client(), "{{json .}}")
    cut = docker.index(',"ClientInfo":')
    assert out[:cut] == docker[:cut]


def test_registry_config_json_is_sorted_and_drops_empty_deprecated_fields():
    text = gojson.dumps(info_data(api("tuned"), client()).RegistryConfig)
    assert text == (
        '{"IndexConfigs":{"docker.io":{"Mirrors":["http://127.0.0.1:5999/"],"Name":"docker.io",'
        '"Official":true,"Secure":true},"myreg.local:5000":{"Mirrors":[],'
        '"Name":"myreg.local:5000","Official":false,"Secure":false}},'
        '"InsecureRegistryCIDRs":["127.0.0.2/32","127.0.0.0/8"],'
        '"Mirrors":["http://127.0.0.1:5999/"]}'
    )


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{{.ServerVersion}}", "20.10.24+dfsg1\n"),
        ("{{.ClientInfo.Context}}", "default\n"),
        ("{{.HTTPProxy}}|{{.NoProxy}}", "http://127.0.0.1:3128|localhost,127.0.0.1\n"),
        ("{{.KernelMemory}} {{.CPUCfsPeriod}} {{.NCPU}}", "true true 2\n"),
        ("{{.Swarm.LocalNodeState}}", "inactive\n"),
        ('{{index .Labels 1}} {{(index .Runtimes "runc").Path}}', "alpha=two runc\n"),
        ("{{.UserName}}", "alice\n"),
        ("{{.ClientInfo.Plugins}} {{.Plugins.Volume}}", "[] [local]\n"),
    ],
)
def test_templates_see_go_field_names(fmt, expected):
    out, err = render_info(api("tuned"), client(), fmt, username="alice")
    assert (out, err) == (expected, "")


def test_unparsable_template_fails_like_docker_with_status_64():
    with pytest.raises(TemplateError) as caught:
        render_info(api("dev"), client(), "{{.Foo")
    assert str(caught.value) == "template parsing error: template: :1: unclosed action"
    assert caught.value.exit_status == 64


def test_failing_template_keeps_docker_output_message_and_status():
    with pytest.raises(TemplateError) as caught:
        render_info(api("dev"), client(), "{{.Swarm.Foo}}")
    assert caught.value.output == "\n" and caught.value.exit_status == 1
    assert str(caught.value) == (
        'template: :1:8: executing "" at <.Swarm.Foo>: can\'t evaluate field Foo in type swarm.Info'
    )


# --- states the fixtures do not cover -----------------------------------------------------------


def synthetic(**changes) -> dict:
    info = api("dev")
    info.update(changes)
    return info


def test_client_debug_shows_daemon_counters_and_client_debug_mode():
    out, _ = render_info(synthetic(NFd=7, NGoroutines=8, NEventsListener=2), client(True), None)
    assert " Debug Mode: true\n\nServer:" in out
    assert (
        " Debug Mode: false\n  File Descriptors: 7\n  Goroutines: 8\n"
        f"  System Time: {api('dev')['SystemTime']}\n  EventsListeners: 2\n"
    ) in out


def test_driver_status_plugins_and_optional_sections():
    out, _ = render_info(
        synthetic(
            DriverStatus=[["Backing Filesystem", "extfs"], ["Supports d_type", "true"]],
            Plugins={"Volume": ["local"], "Network": ["host"], "Authorization": ["authz"],
                     "Log": ["json-file"]},
            CDISpecDirs=["/etc/cdi", "/var/run/cdi"],
            ProductLicense="Community Engine",
            MemTotal=2048,
        ),
        client(),
        None,
    )
    assert " Storage Driver: vfs\n  Backing Filesystem: extfs\n  Supports d_type: true\n" in out
    assert "  Network: host\n  Authorization: authz\n  Log: json-file\n" in out
    assert " CDI spec directories:\n  /etc/cdi\n  /var/run/cdi\n Swarm: inactive\n" in out
    assert " Live Restore Enabled: false\n Product License: Community Engine\n\n" in out
    assert " Total Memory: 2KiB\n" in out


def test_security_options_legacy_and_several_profiles():
    out, err = render_info(
        synthetic(SecurityOptions=["apparmor", "name=seccomp,profile=builtin", "name=rootless"]),
        client(),
        None,
    )
    assert " Security Options:\n  apparmor\n  seccomp\n   Profile: builtin\n  rootless\n" in out
    assert not err.startswith("ERROR")


def test_invalid_security_option_is_reported_on_stderr():
    out, err = render_info(synthetic(SecurityOptions=["name=seccomp,bogus"]), client(), None)
    assert "Security Options" not in out
    assert err.startswith('ERROR: invalid security option "bogus"\n')


def test_windows_daemon_has_isolation_and_no_linux_lines():
    out, _ = render_info(synthetic(OSType="windows", Isolation="process"), client(), None)
    assert " Default Isolation: process\n" in out
    assert "Init Binary" not in out and "runc version" not in out


def test_swarm_manager_section():
    swarm = {
        "NodeID": "node1", "NodeAddr": "127.0.0.1", "LocalNodeState": "active",
        "ControlAvailable": True, "Error": "",
        "RemoteManagers": [{"NodeID": "b", "Addr": "127.0.0.1:2377"},
                           {"NodeID": "a", "Addr": "127.0.0.0:2377"}],
        "Nodes": 3, "Managers": 1,
        "Cluster": {
            "ID": "cluster1",
            "Spec": {
                "Orchestration": {"TaskHistoryRetentionLimit": 5},
                "Raft": {"SnapshotInterval": 10000, "KeepOldSnapshots": 0,
                         "HeartbeatTick": 1, "ElectionTick": 10},
                "Dispatcher": {"HeartbeatPeriod": 5000000000},
                "CAConfig": {"NodeCertExpiry": 7776000000000000},
                "EncryptionConfig": {"AutoLockManagers": False},
            },
            "RootRotationInProgress": False,
            "DefaultAddrPool": ["100.64.0.0/8"],
            "SubnetSize": 24,
            "DataPathPort": 4789,
        },
    }
    out, _ = render_info(synthetic(Swarm=swarm), client(), None)
    assert (
        " Swarm: active\n  NodeID: node1\n  Is Manager: true\n  ClusterID: cluster1\n"
        "  Managers: 1\n  Nodes: 3\n  Default Address Pool: 100.64.0.0/8  \n"
        "  SubnetSize: 24\n  Data Path Port: 4789\n  Orchestration:\n"
        "   Task History Retention Limit: 5\n  Raft:\n   Snapshot Interval: 10000\n"
        "   Number of Old Snapshots to Retain: 0\n   Heartbeat Tick: 1\n   Election Tick: 10\n"
        "  Dispatcher:\n   Heartbeat Period: 5 seconds\n  CA Configuration:\n"
        "   Expiry Duration: 3 months\n   Force Rotate: 0\n  Autolock Managers: false\n"
        "  Root Rotation In Progress: false\n  Node Address: 127.0.0.1\n"
        "  Manager Addresses:\n   127.0.0.0:2377\n   127.0.0.1:2377\n Runtimes:"
    ) in out


def test_swarm_worker_with_error_skips_cluster_details():
    swarm = {"NodeID": "n", "NodeAddr": "127.0.0.1", "LocalNodeState": "error",
             "ControlAvailable": False, "Error": "boom", "RemoteManagers": None}
    out, _ = render_info(synthetic(Swarm=swarm), client(), None)
    assert (
        " Swarm: error\n  NodeID: n\n  Error: boom\n  Is Manager: false\n"
        "  Node Address: 127.0.0.1\n Runtimes:"
    ) in out
