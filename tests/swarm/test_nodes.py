"""node ls/inspect/ps/update/promote/demote/rm against docker 28 on the shared two-node swarm
(manager node-a, worker node-b). Changes here are labels and availability of node-b, each
undone; role changes and removals happen on a scratch swarm (test_swarm_lifecycle.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests import harness

NODE_FORMATS = [
    (),
    ("-q",),
    ("--format", "json"),
    ("--format", "raw"),
    ("--format", "{{.ID}} {{.Self}} {{.Hostname}} {{.TLSStatus}} {{.EngineVersion}}"),
    ("--format", "table {{.Hostname}}\t{{.ManagerStatus}}\t{{.Availability}}"),
    ("-f", "role=manager"),
    ("-f", "name=node-b", "--format", "{{.Hostname}}"),
]


@pytest.mark.parametrize("flags", NODE_FORMATS, ids=lambda f: " ".join(f) or "table")
def test_node_ls(manager, flags):
    harness.assert_same(manager, "node", "ls", *flags, stderr=True)


def test_node_ls_star_marks_the_node_it_asks(manager):
    out = harness.run_dshell(manager, "-c", "node ls").out.splitlines()
    assert out[0].split() == [
        "ID",
        "HOSTNAME",
        "STATUS",
        "AVAILABILITY",
        "MANAGER",
        "STATUS",
        "ENGINE",
        "VERSION",
    ]
    starred = [line for line in out[1:] if " * " in line]
    assert len(starred) == 1 and "node-a" in starred[0] and "Leader" in starred[0]


@pytest.mark.parametrize(
    "args",
    [
        ("node", "ls"),
        ("node", "ps"),
        ("swarm", "join-token", "worker"),
        ("secret", "ls"),
    ],
)
def test_a_worker_refuses_as_docker(worker, args):
    pair = harness.assert_same(worker, *args, stderr=True)
    assert pair.dshell.status == 1 and "swarm manager" in pair.dshell.err


@pytest.mark.parametrize("args", [
    ("self",),
    ("node-a", "node-b"),
    ("--pretty", "self"),
    ("--pretty", "node-a", "node-b"),
    ("--format", "pretty", "node-b"),
    ("--format", "prettyx", "self"),
    ("-f", "{{.Description.Hostname}} {{.Spec.Role}}", "node-a", "node-b"),
    ("nosuch",),
    ("--pretty", "node-b", "nosuch", "node-a"),
    ("-f", "{{.CreatedAt}} {{json .UpdatedAt}} {{.Spec.Labels.nope}}", "self"),
    ("-f", "{{.Spec.Name", "self"),
    ("-f", "{{.Nope}}", "self"),
    ("-f", "{{.Version}} {{.Version.Index}} {{json .Version}}", "self"),
    ("-f", "{{.ManagerStatus}}|{{if .ManagerStatus}}m{{else}}w{{end}}|{{json .ManagerStatus}}",
     "node-b"),
    ("-f", "{{if .ManagerStatus}}{{.ManagerStatus.Leader}}{{end}} {{json .}}", "node-a"),
])  # fmt: skip
def test_node_inspect(manager, args):
    harness.assert_same(manager, "node", "inspect", *args, stderr=True)


@pytest.fixture(scope="module")
def service(manager) -> Iterator[str]:
    """A replicated service with a task on each node, for node ps."""
    name = harness.unique_name("dsh-web")
    harness.run_docker_ok(
        manager,
        "service",
        "create",
        "-d",
        "--name",
        name,
        "--replicas",
        "2",
        "--replicas-max-per-node",
        "1",
        "busybox",
        "sleep",
        "1000",
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = harness.run_docker(
                manager, "service", "ps", "--format", "{{.CurrentState}}", name
            ).out.split("\n")
            if len([s for s in states if s.startswith("Running")]) == 2:
                break
            time.sleep(0.5)
        yield name
    finally:
        harness.run_docker(manager, "service", "rm", name)


@pytest.mark.parametrize("args", [
    (),
    ("self", "node-b"),
    ("--no-trunc", "--no-resolve"),
    ("--format", "json", "node-b"),
    ("-q", "self", "node-a"),
    ("-f", "desired-state=running", "--format", "{{.Name}} {{.Image}} {{.Node}}"),
    ("--format", "raw"),
    ("nosuch",),
    ("node-a", "nosuch"),
])  # fmt: skip
def test_node_ps(manager, service, args):
    harness.assert_same(manager, "node", "ps", *args, stderr=True, tries=3)


def test_node_ps_names_tasks_after_their_service(manager, service):
    """One task on each node (at most one per node), named SERVICE.SLOT; listing both nodes
    lists node-a's task twice, as docker does (it adds each node to one filter)."""
    names = [
        harness.run_dshell(manager, "-c", f"node ps --format '{{{{.Name}}}}' {node}").out.split()
        for node in ("node-a", "node-b")
    ]
    assert sorted(names[0] + names[1]) == [f"{service}.1", f"{service}.2"]
    both = harness.run_dshell(manager, "-c", "node ps -q node-a node-b").out.split()
    assert len(both) == 3 and len(set(both)) == 2


def _labels(manager: harness.Engine) -> str:
    return harness.run_docker_ok(
        manager, "node", "inspect", "-f", "{{json .Spec.Labels}} {{.Spec.Availability}}", "node-b"
    ).out


def test_node_update_labels_and_availability(manager):
    before = _labels(manager)
    mine, theirs = harness.unique_name("dshell"), harness.unique_name("docker")

    def both(dshell_line: str, *docker_args: str) -> harness.Result:
        ours = harness.run_dshell(manager, "-c", dshell_line)
        oracle = harness.run_docker(manager, *docker_args)
        assert (ours.out, ours.err, ours.status) == (oracle.out, oracle.err, oracle.status)
        return ours

    try:
        added = both(
            f"node update --label-add {mine}=1 --label-add {mine}-bare node-b",
            "node",
            "update",
            "--label-add",
            f"{theirs}=1",
            "--label-add",
            f"{theirs}-bare",
            "node-b",
        )
        assert added.out == "node-b\n"
        labels = _labels(manager)
        assert f'"{mine}":"1"' in labels and f'"{mine}-bare":""' in labels
        assert f'"{theirs}":"1"' in labels
        harness.assert_same(
            manager, "node", "update", "--label-rm", "nosuch-label", "node-b", stderr=True
        )
        both(
            f"node update --availability drain --label-rm {mine} node-b",
            "node",
            "update",
            "--availability",
            "drain",
            "--label-rm",
            theirs,
            "node-b",
        )
        labels = _labels(manager)
        assert labels.split()[-1] == "drain" and f'"{mine}"' not in labels
        assert f'"{theirs}"' not in labels and f'"{mine}-bare"' in labels
    finally:
        harness.run_docker(
            manager,
            "node",
            "update",
            "--availability",
            "active",
            "--label-rm",
            f"{mine}-bare",
            "--label-rm",
            f"{theirs}-bare",
            "node-b",
        )
    assert _labels(manager) == before


@pytest.mark.parametrize("args", [
    ("promote", "node-a"),
    ("demote", "node-b"),
    ("promote", "nosuch"),
    ("rm", "nosuch", "nosuch2"),
    ("rm", "node-a"),
    ("update", "--availability", "sideways", "nosuch"),
])  # fmt: skip
def test_node_changes_that_change_nothing(manager, args):
    harness.assert_same(manager, "node", *args, stderr=True)
