"""The swarm test bed itself: two nodes in their own namespaces, nothing in the machine's."""

from __future__ import annotations

from tests import harness, swarm_engine


def test_two_nodes_with_their_own_hostnames(swarm, manager):
    out = harness.run_docker_ok(
        manager, "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"
    ).out
    assert sorted(out.splitlines()) == ["node-a Ready Leader", "node-b Ready "]


def test_the_swarm_addresses_exist_only_inside_the_namespaces(swarm):
    assert "sw0" not in swarm_engine.host_links()
    assert "docker_gwbridge" not in swarm_engine.host_links()
    inside = swarm_engine._ip("-n", swarm.manager.netns, "-o", "addr")
    assert swarm.manager.address in inside
