"""``network …`` against docker on the same daemon: bridge networks are internal and use
TEST-NET subnets; no running container is ever attached to one."""

from __future__ import annotations

import functools
import ipaddress
import json
import shlex

import pytest

from tests import harness
from tests.harness import run_docker_ok

# Listings show ages that may tick between the docker and the dshell run.
assert_same = functools.partial(harness.assert_same, tries=3)

SUBNETS = iter(f"198.51.100.{base}/28" for base in range(0, 256, 16))


@pytest.fixture(scope="module")
def networks(engine):
    """Two labelled internal networks made by docker, removed afterwards."""
    names = [harness.unique_name("net-a10"), harness.unique_name("net-a9")]
    run_docker_ok(engine, "network", "create", "--internal", "--subnet", next(SUBNETS),
                  "--label", "tier=web", "--label", "empty=", names[0])
    run_docker_ok(engine, "network", "create", "--internal", "--subnet", next(SUBNETS), names[1])
    yield names
    harness.run_docker(engine, "network", "rm", *names)


@pytest.mark.parametrize("args", [
    ["network", "ls"],
    ["network", "ls", "--no-trunc"],
    ["network", "ls", "-q"],
    ["network", "list", "--filter", "driver=bridge"],
    ["network", "ls", "--filter", "label=tier=web", "--format", "{{.Name}} {{.Labels}}"],
    ["network", "ls", "--format", "table {{.Name}}\t{{.Internal}}\t{{.IPv6}}\t{{.Driver}}"],
    ["network", "ls", "--format", "json"],
    ["network", "ls", "--format", "{{.Name}}: {{.Label \"tier\"}} {{.CreatedAt}}"],
    ["network", "ls", "--format", "{{.Nope}}"],
    ["network", "ls", "extra"],
    ["network", "create"],
])  # fmt: skip
def test_network_ls_matches_docker(engine, networks, args):
    pair = assert_same(engine, *args)
    if args[-1] == "{{.Nope}}":
        assert pair.dshell.err == pair.docker.err


def test_inspect_and_missing_networks(engine, networks):
    for args in (["network", "inspect", networks[0]],
                 ["network", "inspect", "--format", "{{.Name}} {{.Internal}}", *networks],
                 ["network", "inspect", networks[1], "nope-net"]):
        pair = assert_same(engine, *args)
        assert pair.dshell.err == pair.docker.err


def _comparable(engine, name):
    """A network's inspect without what differs between two creations."""
    data = json.loads(run_docker_ok(engine, "network", "inspect", name).out)[0]
    for key in ("Id", "Name", "Created"):
        data.pop(key)
    return data


def test_create_sends_what_docker_sends(engine):
    made_by = {}
    for tool in ("docker", "dshell"):
        name = harness.unique_name(f"net-{tool}")
        args = ["network", "create", "-d", "bridge", "--internal", "--attachable",
                "--subnet", next(SUBNETS), "--label", "a=b", "--label", "c",
                "-o", "com.docker.network.driver.mtu=1400", name]
        if tool == "docker":
            result = harness.run_docker(engine, *args)
        else:
            result = harness.run_dshell(engine, "-c", shlex.join(args))
        assert result.status == 0, result.err
        made_by[tool] = name
        assert len(result.out.strip()) == 64
    try:
        docker_view = _comparable(engine, made_by["docker"])
        dshell_view = _comparable(engine, made_by["dshell"])
        docker_view["IPAM"]["Config"][0]["Subnet"] = "X"
        dshell_view["IPAM"]["Config"][0]["Subnet"] = "X"
        assert dshell_view == docker_view
        assert dshell_view["Labels"] == {"a": "b", "c": ""}
    finally:
        harness.run_docker(engine, "network", "rm", *made_by.values())


def test_create_with_gateway(engine):
    name = harness.unique_name("net-gw")
    subnet = next(SUBNETS)
    gateway = str(ipaddress.ip_network(subnet)[1])
    result = harness.run_dshell(engine, "-c", f"network create --internal --subnet {subnet} "
                                f"--gateway {gateway} {name}")
    try:
        assert result.status == 0, result.err
        inspected = run_docker_ok(engine, "network", "inspect", name).out
        config = json.loads(inspected)[0]["IPAM"]["Config"]
        assert config == [{"Subnet": subnet, "Gateway": gateway}]
    finally:
        harness.run_docker(engine, "network", "rm", name)


@pytest.mark.parametrize("args", [
    ["network", "create", "--gateway", "198.51.100.1", "x-net"],
    ["network", "create", "--subnet", "198.51.100.0/24", "--subnet", "198.51.100.0/25", "x"],
    ["network", "create", "--subnet", "198.51.100.0/24", "--gateway", "203.0.113.1", "x"],
    ["network", "rm", "nope-net"],
    ["network", "rm", "-f", "nope-net"],
    ["network", "connect", "nope-net", "nope-container"],
    ["network", "disconnect", "nope-net", "nope-container"],
])  # fmt: skip
def test_refusals_match_docker(engine, args):
    pair = assert_same(engine, *args)
    assert pair.dshell.err.splitlines()[:1] == pair.docker.err.splitlines()[:1]


def test_rm_prints_each_name_and_fails_on_missing(engine):
    name = harness.unique_name("net-rm")
    run_docker_ok(engine, "network", "create", "--internal", name)
    result = harness.run_dshell(engine, "-c", f"network rm {name} nope-net")
    assert (result.out, result.status) == (f"{name}\n", 1)
    assert result.err == "Error response from daemon: network nope-net not found\nexit status 1\n"
    listed = run_docker_ok(engine, "network", "ls", "-q", "--filter", f"name={name}").out
    assert "nope" not in listed


def test_connect_and_disconnect_a_stopped_container(engine):
    name = harness.unique_name("net-conn")
    run_docker_ok(engine, "network", "create", "--internal", "--subnet", next(SUBNETS), name)
    try:
        with harness.container(engine, "--network", "none", "busybox", "true",
                               start=False) as created:
            run_docker_ok(engine, "network", "disconnect", "none", created.name)
            result = harness.run_dshell(
                engine, "-c", f"network connect --alias web --alias db {name} {created.name}")
            assert (result.out, result.err, result.status) == ("", "", 0)
            settings = json.loads(run_docker_ok(engine, "inspect", created.name).out)[0]
            endpoint = settings["NetworkSettings"]["Networks"][name]
            assert {"web", "db"} <= set(endpoint["Aliases"] or [])
            result = harness.run_dshell(engine, "-c", f"network disconnect {name} {created.name}")
            assert result.status == 0, result.err
            settings = json.loads(run_docker_ok(engine, "inspect", created.name).out)[0]
            assert name not in settings["NetworkSettings"]["Networks"]
    finally:
        harness.run_docker(engine, "network", "rm", name)


def test_prune_asks_and_removes_only_when_told(engine):
    name = harness.unique_name("net-prune")
    run_docker_ok(engine, "network", "create", "--internal", "--label", f"prune={name}", name)
    try:
        for answer in ("n\n", ""):
            result = harness.run_dshell(engine, "-c", f"network prune --filter label=prune={name}",
                                        input=answer)
            oracle = harness.run_docker(engine, "network", "prune", "--filter",
                                        f"label=prune={name}", input=answer)
            assert (result.out, result.status) == (oracle.out, oracle.status)
        assert name in run_docker_ok(engine, "network", "ls", "--format", "{{.Name}}").out
        result = harness.run_dshell(engine, "-c", f"network prune -f --filter label=prune={name}")
        assert (result.out, result.status) == (f"Deleted Networks:\n{name}\n\n", 0)
        assert name not in run_docker_ok(engine, "network", "ls", "--format", "{{.Name}}").out
    finally:
        harness.run_docker(engine, "network", "rm", "-f", name)
