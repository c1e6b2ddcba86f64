"""Swarm completion and the toolbar's swarm state on cache data built from plain dicts shaped as
the Engine's lists (the engine-backed tests are in tests/swarm/test_repl_swarm.py): the real
command declarations, so a declaration losing its kind fails here."""

from __future__ import annotations

import pytest

from dshell.repl.cache import EVENT_KINDS, ResourceCache, Snapshot, swarm_role
from dshell.repl.completer import DockerCompleter
from dshell.repl.toolbar import swarm_state
from dshell.session import DockerSession

SERVICES = [
    {"ID": "svc1id", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 2}},
                              "Labels": {"com.docker.stack.namespace": "shop"},
                              "TaskTemplate": {"ContainerSpec": {"Image": "nginx@sha256:1"}}}},
    {"ID": "svc2id", "Spec": {"Name": "worker", "Mode": {"Global": {}}, "Labels": {}}},
    {"ID": "svc3id", "Spec": {"Name": "db",
                              "Labels": {"com.docker.stack.namespace": "shop"}}},
]  # fmt: skip
NODES = [
    {"ID": "nodeaaaaaaaaaaaaaaaaaaaaa", "Spec": {"Role": "manager", "Labels": {"zone": "z1"}},
     "Description": {"Hostname": "node-a", "Platform": {"OS": "linux",
                                                          "Architecture": "x86_64"},
                     "Engine": {"Labels": {"disk": "ssd"}}},
     "Status": {"State": "ready"}},
    {"ID": "nodebbbbbbbbbbbbbbbbbbbbb", "Spec": {"Role": "worker", "Labels": {"zone": "z2"}},
     "Description": {"Hostname": "node-b", "Platform": {"OS": "linux",
                                                          "Architecture": "aarch64"}},
     "Status": {"State": "down"}},
]  # fmt: skip
TASKS = [{"ID": "task1xxxxxxxxxxxxxxxxxxxx", "ServiceID": "svc1id", "Slot": 1,
          "Status": {"State": "running"}}]  # fmt: skip
SECRETS = [{"ID": "s1", "Spec": {"Name": "db-password"}}]
CONFIGS = [{"ID": "c1", "Spec": {"Name": "nginx-conf"}}]


def manager_cache() -> ResourceCache:
    snapshot = Snapshot(connected=True, services=tuple(SERVICES), nodes=tuple(NODES),
                        tasks=tuple(TASKS), secrets=tuple(SECRETS), configs=tuple(CONFIGS),
                        swarm="manager", node_id=NODES[0]["ID"])  # fmt: skip
    return ResourceCache(None, snapshot=snapshot)


@pytest.fixture
def completer() -> DockerCompleter:
    return DockerCompleter(DockerSession.registry, manager_cache())


def test_services_by_name(completer):
    assert completer.candidates_for("service rm ") == ["db", "web", "worker"]
    assert completer.candidates_for("service scale w") == ["web", "worker"]


def test_service_logs_offers_services_and_tasks(completer):
    offered = completer.candidates_for("service logs ")
    assert {"db", "web", "worker"} <= set(offered)
    assert any(text.startswith("task1") for text in offered)
    assert completer.candidates_for("service rm ") == ["db", "web", "worker"]


def test_nodes_by_hostname_id_and_self(completer):
    found = completer.candidates_for("node inspect ")
    assert {"self", "node-a", "node-b", NODES[0]["ID"], NODES[1]["ID"]} == set(found)
    assert completer.candidates_for("node update --role ") == ["worker", "manager"]
    assert "drain" in completer.candidates_for("node update --availability ")


def test_secrets_configs_and_the_object_kind(completer):
    assert completer.candidates_for("secret rm ") == ["db-password"]
    assert completer.candidates_for("config inspect ") == ["nginx-conf"]
    everything = completer.candidates_for("inspect ")
    assert {"web", "node-a", "db-password", "nginx-conf", TASKS[0]["ID"]} <= set(everything)


def test_filters_complete_swarm_values(completer):
    assert completer.candidates_for("node ls --filter name=") == ["node-a", "node-b"]
    assert completer.candidates_for("service ls --filter name=") == ["db", "web", "worker"]
    assert "db-password" in completer.candidates_for("secret ls -f name=")


def test_constraint_keys_and_values_from_the_nodes(completer):
    keys = completer.candidates_for("service create --constraint ")
    assert {"node.id==", "node.hostname==", "node.role==", "node.platform.os==",
            "node.labels.", "engine.labels.", "node.labels.zone==",
            "engine.labels.disk=="} <= set(keys)  # fmt: skip
    assert completer.candidates_for("service create --constraint node.role==") == [
        "manager", "worker"]  # fmt: skip
    assert completer.candidates_for("service create --constraint node.hostname!=") == [
        "node-a", "node-b"]  # fmt: skip
    assert completer.candidates_for("service update --constraint-add node.labels.zone==") == [
        "z1", "z2"]  # fmt: skip
    assert completer.candidates_for("service create --constraint=node.platform.arch==") == [
        "aarch64", "x86_64"]  # fmt: skip


def test_swarm_flag_choices(completer):
    assert "global" in completer.candidates_for("service create --mode ")
    assert set(completer.candidates_for("service update --update-order ")) == {
        "start-first", "stop-first"}  # fmt: skip
    assert set(completer.candidates_for("service create --restart-condition ")) == {
        "none", "on-failure", "any"}  # fmt: skip


def test_nothing_swarm_outside_a_swarm():
    completer = DockerCompleter(DockerSession.registry,
                                ResourceCache(None, snapshot=Snapshot(connected=True)))  # fmt: skip
    assert completer.candidates_for("service rm ") == []
    assert completer.candidates_for("node inspect ") == []  # no self: no node ID known


def test_toolbar_swarm_state():
    assert swarm_state(manager_cache().snapshot) == "swarm: manager, 1/2 nodes ready"
    assert swarm_state(Snapshot(swarm="worker")) == "swarm: worker"
    assert swarm_state(Snapshot(swarm="locked")) == "swarm: locked"
    assert swarm_state(Snapshot()) == ""


def test_swarm_role_from_info():
    def info(state: str, control: bool) -> dict:
        return {"Swarm": {"LocalNodeState": state, "ControlAvailable": control}}

    assert swarm_role(info("active", True)) == "manager"
    assert swarm_role(info("active", False)) == "worker"
    assert swarm_role(info("inactive", False)) == ""
    assert swarm_role(info("locked", False)) == "locked"
    assert swarm_role({}) == ""


def test_swarm_events_reload_their_lists_and_stacks_follow_services():
    assert set(EVENT_KINDS["service"]) == {"services", "tasks"}
    assert "nodes" in EVENT_KINDS["node"] and "secrets" in EVENT_KINDS["secret"]
    assert "configs" in EVENT_KINDS["config"]
    assert manager_cache().snapshot.stacks == ("shop",)


def test_stacks_complete_from_the_services_label(completer):
    assert completer.candidates_for("stack rm ") == ["shop"]
    assert "{{.Services}}" in completer.candidates_for("stack ls --format ")


def test_a_service_change_rebuilds_only_what_reads_the_services():
    from dataclasses import replace

    from dshell.repl.completer import SnapshotIndex

    snapshot = manager_cache().snapshot
    index = SnapshotIndex(snapshot, DockerSession.registry).prepare(
        ["service", "node", "secret", "stack", "object", "container:all"])
    more = (*SERVICES, {"ID": "svc4id", "Spec": {"Name": "cache"}})
    moved = index.moved_to(replace(snapshot, services=more))
    for kept in ("node", "secret", "container:all"):
        assert moved.has(kept) and moved.kind(kept) is index.kind(kept), kept
    for rebuilt in ("service", "stack", "object"):
        assert not moved.has(rebuilt), rebuilt
    assert "cache" in moved.kind("service").texts
    assert moved.kind("node").completions[0] is index.kind("node").completions[0]


def test_placement_preferences_spread_over_the_nodes_labels(completer):
    found = completer.candidates_for("service create --placement-pref ")
    assert {"spread=node.labels.", "spread=node.labels.zone", "spread=engine.labels.disk"} <= \
        set(found)  # fmt: skip
    assert "spread=node.labels.zone" in completer.candidates_for(
        "service update --placement-pref-add spread=node.labels.z")
