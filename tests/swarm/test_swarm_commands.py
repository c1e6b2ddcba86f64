"""swarm init/join/join-token/leave/update/unlock/unlock-key/ca against docker 28.

What changes nothing runs on the shared swarm; what changes a cluster (init, join, leave,
autolock, rotations, promote/demote/rm) runs on a scratch pair of nodes, each tool in turn,
outputs compared with node IDs, tokens, keys and digests normalized."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests import harness, swarm_engine

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    folder: Path = tmp_path_factory.mktemp("swarm-files")
    (folder / "cert.pem").write_text(PEM)
    (folder / "plain.txt").write_text("not a certificate\n")
    return {
        "PEM": str(folder / "cert.pem"),
        "PLAIN": str(folder / "plain.txt"),
        "MISSING": str(folder / "missing.pem"),
    }


@pytest.mark.parametrize("args", [
    ("swarm", "ca"),
    ("swarm", "join-token", "worker"),
    ("swarm", "join-token", "manager"),
    ("swarm", "join-token", "-q", "worker"),
    ("swarm", "join-token", "--quiet", "manager"),
    ("swarm", "join-token", "bogus"),
    ("swarm", "unlock-key"),
    ("swarm", "unlock-key", "-q"),
    ("swarm", "unlock-key", "--rotate"),
    ("swarm", "unlock"),
    ("swarm", "init"),
    ("swarm", "join", "--token", "SWMTKN-1-x", "192.0.2.1:2377"),
    ("swarm", "update"),
    ("swarm", "leave"),
    ("swarm",),
    ("swarm", "bogus"),
    ("node",),
    ("secret",),
    ("config",),
])  # fmt: skip
def test_on_the_manager(manager, args):
    harness.assert_same(manager, *args, stderr=True)


@pytest.mark.parametrize("args", [
    ("swarm", "unlock-key"),
    ("swarm", "ca"),
    ("swarm", "update", "--task-history-limit", "4"),
    ("node", "inspect", "self"),
    ("config", "ls"),
])  # fmt: skip
def test_on_the_worker(worker, args):
    harness.assert_same(worker, *args, stderr=True)


@pytest.mark.parametrize("args", [
    ("swarm", "ca", "--ca-cert", "PEM"),
    ("swarm", "ca", "--ca-key", "PEM"),
    ("swarm", "ca", "--cert-expiry", "3h"),
    ("swarm", "ca", "--external-ca", "protocol=cfssl,url=https://ca.example"),
    ("swarm", "ca", "--rotate", "--ca-cert", "PEM"),
    ("swarm", "ca", "--rotate", "--external-ca", "protocol=cfssl,url=https://ca.example"),
    ("swarm", "ca", "--ca-cert", "PLAIN"),
    ("swarm", "ca", "--ca-cert", "MISSING"),
    ("swarm", "ca", "--cert-expiry", "5parsecs"),
    ("swarm", "init", "--listen-addr", "tcp://:x"),
    ("swarm", "init", "--listen-addr", "udp://1.2.3.4:5"),
    ("swarm", "init", "--default-addr-pool", "x"),
    ("swarm", "init", "--data-path-port", "x"),
    ("swarm", "init", "--data-path-port", "99999999999"),
    ("swarm", "init", "--availability", "sideways"),
    ("swarm", "init", "--dispatcher-heartbeat", "soon"),
    ("swarm", "init", "--task-history-limit", "x"),
    ("swarm", "join", "--availability", "sideways", "192.0.2.1:2377"),
    ("swarm", "update", "--external-ca", "protocol=x"),
    ("swarm", "update", "--external-ca", "url=https://x"),
    ("swarm", "update", "--external-ca", "protocol=cfssl"),
    ("swarm", "update", "--external-ca", "protocol=cfssl,url=x,cacert=PLAIN"),
    ("swarm", "update", "--external-ca", "protocol=cfssl,url=x,cacert=MISSING"),
    ("swarm", "update", "--external-ca", "nokey"),
    ("swarm", "update", "--snapshot-interval", "-1"),
])  # fmt: skip
def test_flag_values_docker_refuses(manager, files, args):
    argv = [re.sub(r"PEM|PLAIN|MISSING", lambda m: files[m.group()], a) for a in args]
    pair = harness.assert_same(manager, *argv, stderr=True)
    assert pair.dshell.status != 0


def test_help_lists_the_swarm_commands_as_docker(manager):
    """docker 28 shows its Swarm Commands unless the daemon says (ping's Swarm header, which
    this Engine does not send) that the node is not a manager."""
    section = re.search(
        r"Swarm Commands:\n((?:  .*\n)+)", harness.run_docker_ok(manager, "--help").out
    ).group(1)
    ours = re.search(
        r"Swarm Commands:\n((?:  .*\n)+)", harness.run_dshell(manager, "-c", "help").out
    ).group(1)
    docker_lines = {line.split()[0]: " ".join(line.split()[1:]) for line in section.splitlines()}
    our_lines = {line.split()[0]: " ".join(line.split()[1:]) for line in ours.splitlines()}
    assert {"swarm", "node", "secret", "config"} <= set(our_lines)
    assert all(docker_lines[word] == summary for word, summary in our_lines.items())


# --- cluster changes, on a scratch pair -------------------------------------------------------

IDS = [
    (re.compile(r"SWMTKN-1-[0-9a-z]+-[0-9a-z]+"), "TOKEN"),
    (re.compile(r"SWMKEY-1-[0-9A-Za-z+/=]+"), "KEY"),
    (re.compile(r"sha256:[0-9a-f]{64}"), "DIGEST"),
    (re.compile(r"\b[0-9a-z]{25}\b"), "NODEID"),
    (re.compile(r"-----BEGIN CERTIFICATE-----\n.*?-----END CERTIFICATE-----", re.S), "CERT"),
]


def normalized(text: str) -> str:
    for pattern, replacement in IDS:
        text = pattern.sub(replacement, text)
    # The rotation's digest line repeats every poll: count it once.
    lines: list[str] = []
    for line in text.split("\n"):
        if not lines or line != lines[-1] or "DIGEST" not in line:
            lines.append(line)
    return "\n".join(lines)


def both(
    first: harness.Engine,
    *args: str,
    again: harness.Engine | None = None,
    between=None,
    timeout: float = 120,
) -> tuple[harness.Result, harness.Result]:  # noqa: ANN001
    """docker, then (after ``between``) dshell, on the same node or on ``again``."""
    oracle = harness.run_docker(first, *args, timeout=timeout)
    if between is not None:
        between()
    import shlex

    ours = harness.run_dshell(again or first, "-c", shlex.join(args), timeout=timeout)
    return oracle, ours


def same_normalized(oracle: harness.Result, ours: harness.Result) -> None:
    assert normalized(ours.out) == normalized(oracle.out)
    assert normalized(ours.err) == normalized(oracle.err)
    assert ours.status == oracle.status


def _spec(engine: harness.Engine) -> str:
    return harness.run_docker_ok(
        engine,
        "info",
        "--format",
        "{{json .Swarm.Cluster.Spec}} {{json .Swarm.Cluster.DefaultAddrPool}} "
        "{{.Swarm.Cluster.SubnetSize}}",
    ).out


def test_init_update_unlock_key_and_leave(scratch):
    a = scratch.nodes[0]
    engine = a.engine
    flags = (
        "--advertise-addr",
        a.address,
        "--task-history-limit",
        "3",
        "--dispatcher-heartbeat",
        "7s",
        "--default-addr-pool",
        "10.77.0.0/16",
        "--default-addr-pool",
        "10.78.0.0/16",
        "--default-addr-pool-mask-length",
        "26",
        "--snapshot-interval",
        "5000",
        "--max-snapshots",
        "2",
        "--cert-expiry",
        "1000h",
        "--autolock",
    )
    oracle = harness.run_docker(engine, "swarm", "init", *flags)
    assert oracle.status == 0, oracle.err
    spec = _spec(engine)
    harness.run_docker_ok(engine, "swarm", "leave", "--force")
    ours = harness.run_dshell(engine, "-c", "swarm init " + " ".join(flags))
    same_normalized(oracle, ours)
    assert "Swarm initialized: current node (" in ours.out and "SWMKEY-1-" in ours.out
    assert _spec(engine) == spec
    key = harness.run_docker_ok(engine, "swarm", "unlock-key", "-q").out.strip()
    assert key in ours.out

    same_normalized(*both(engine, "swarm", "unlock-key"))
    same_normalized(*both(engine, "swarm", "unlock-key", "--rotate"))
    same_normalized(*both(engine, "swarm", "unlock-key", "--rotate", "-q"))
    same_normalized(*both(engine, "swarm", "join-token", "--rotate", "worker"))
    same_normalized(*both(engine, "swarm", "join-token", "--rotate", "-q", "manager"))
    off = both(engine, "swarm", "update", "--autolock=false")
    assert off[1].out == off[0].out == "Swarm updated.\n"
    same_normalized(*both(engine, "swarm", "unlock-key", "--rotate"))
    on = both(
        engine,
        "swarm",
        "update",
        "--autolock",
        between=lambda: harness.run_docker_ok(engine, "swarm", "update", "--autolock=false"),
    )
    same_normalized(*on)
    assert harness.run_docker_ok(engine, "swarm", "unlock-key", "-q").out.strip() in on[1].out
    harness.run_docker_ok(engine, "swarm", "update", "--autolock=false")
    same_normalized(
        *both(
            engine,
            "swarm",
            "update",
            "--task-history-limit",
            "9",
            "--external-ca",
            "protocol=cfssl,url=https://ca.example",
            "--external-ca",
            "protocol=cfssl,url=https://ca2.example,extra=1",
        )
    )
    assert '"ExternalCAs":[{"Protocol":"cfssl","URL":"https://ca.example"' in _spec(engine)
    assert '"URL":"https://ca2.example","Options":{"extra":"1"}' in _spec(engine)
    assert '"TaskHistoryRetentionLimit":9' in _spec(engine)

    same_normalized(*both(engine, "swarm", "leave"))  # a lone manager refuses without --force
    oracle = harness.run_docker(engine, "swarm", "leave", "--force")
    harness.run_docker_ok(engine, "swarm", "init", "--advertise-addr", a.address)
    same_normalized(oracle, harness.run_dshell(engine, "-c", "swarm leave --force"))
    assert (
        harness.run_docker(engine, "info", "--format", "{{.Swarm.LocalNodeState}}").out
        == "inactive\n"
    )
    same_normalized(*both(engine, "swarm", "leave"))
    same_normalized(*both(engine, "swarm", "unlock"))


def _wait_for_managers(engine: harness.Engine, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = harness.run_docker(engine, "node", "ls", "--format", "{{.ManagerStatus}}").out
        if len([s for s in out.split() if s in ("Leader", "Reachable")]) == count:
            return
        time.sleep(0.5)
    raise AssertionError(f"not {count} managers after {timeout} s")


def test_join_promote_demote_leave_rm_and_ca_rotation(scratch):
    a, b = scratch.nodes
    harness.run_docker(a.engine, "swarm", "leave", "--force")
    harness.run_docker(b.engine, "swarm", "leave", "--force")
    harness.run_docker_ok(a.engine, "swarm", "init", "--advertise-addr", a.address)
    token = harness.run_docker_ok(a.engine, "swarm", "join-token", "-q", "worker").out.strip()
    join = ("swarm", "join", "--token", token, "--advertise-addr", b.address, f"{a.address}:2377")
    oracle, ours = both(
        b.engine,
        *join,
        between=lambda: (
            harness.run_docker_ok(b.engine, "swarm", "leave"),
            harness.run_docker_ok(a.engine, "node", "rm", "--force", "node-b"),
        ),
    )
    same_normalized(oracle, ours)
    assert ours.out == "This node joined a swarm as a worker.\n"
    swarm_engine.wait_for_nodes_ready(scratch)

    promoted = harness.run_dshell(a.engine, "-c", "node promote node-b")
    assert promoted.out == "Node node-b promoted to a manager in the swarm.\n", promoted.err
    _wait_for_managers(a.engine, 2)
    again = both(a.engine, "node", "promote", "node-b")
    same_normalized(*again)
    assert again[1].out.startswith("Node ") and "is already a manager." in again[1].out
    demoted = harness.run_dshell(a.engine, "-c", "node demote node-b", timeout=120)
    assert demoted.out == "Manager node-b demoted in the swarm.\n", demoted.err
    _wait_for_managers(a.engine, 1)

    rotation = both(a.engine, "swarm", "ca", "--rotate")
    same_normalized(*rotation)
    assert normalized(rotation[1].out).startswith(
        "desired root digest: \n  rotated TLS certificates: \n  rotated CA certificates:  \n"
        "desired root digest: DIGEST\n"
    )
    assert rotation[1].out.endswith(harness.run_docker_ok(a.engine, "swarm", "ca").out)
    same_normalized(*both(a.engine, "swarm", "ca", "--rotate", "--quiet"))
    detached = both(a.engine, "swarm", "ca", "--rotate", "-d")
    assert detached[1].out == detached[0].out == ""

    left = harness.run_dshell(b.engine, "-c", "swarm leave")
    assert (left.out, left.status) == ("Node left the swarm.\n", 0)
    removed = harness.run_dshell(a.engine, "-c", "node rm --force node-b")
    assert (removed.out, removed.status) == ("node-b\n", 0), removed.err


def test_unlock_a_locked_manager(scratch):
    a = scratch.nodes[0]
    engine = a.engine
    harness.run_docker(engine, "swarm", "leave", "--force")
    harness.run_docker_ok(engine, "swarm", "init", "--advertise-addr", a.address, "--autolock")
    key = harness.run_docker_ok(engine, "swarm", "unlock-key", "-q").out.strip()
    swarm_engine.restart_daemon(a)
    state = harness.run_docker(engine, "info", "--format", "{{.Swarm.LocalNodeState}}").out
    assert state == "locked\n"
    harness.assert_same(engine, "node", "ls", stderr=True)
    harness.assert_same(engine, "swarm", "unlock", input="SWMKEY-1-wrong\n", stderr=True)
    ours = harness.run_dshell(engine, "-c", "swarm unlock", input=key + "\n")
    assert (ours.out, ours.err, ours.status) == ("", "", 0)
    state = harness.run_docker(engine, "info", "--format", "{{.Swarm.LocalNodeState}}").out
    assert state == "active\n"
    harness.assert_same(engine, "swarm", "unlock", stderr=True)
    harness.run_docker_ok(engine, "swarm", "leave", "--force")
