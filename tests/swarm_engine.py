"""Swarm test bed: dockerds inside network namespaces this suite creates, joined by veth pairs.

Swarm needs bridges and overlays with private addresses, which may exist only inside
namespaces a test made itself. Each node is a namespace with its own hostname (``node-a``…)
and its own daemon; a veth pair with private addresses set inside the namespaces links node
``a`` to node ``b``. Namespaces are named ``dshsw-<pid>-<node>``: parallel runs do not
collide, and a killed run's leftovers (pid gone) are removed by the next one.

Plain Python (no pytest), like harness.py: problems raise ``HarnessError``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests import harness

PREFIX = "dshsw"
SUBNET = "10.231.{index}.{host}/24"
LEAVE_TIMEOUT = 30


@dataclass
class Node:
    """One swarm node: its namespace, its address on the link, its daemon."""

    name: str
    netns: str
    address: str
    engine: harness.Engine


@dataclass
class Cluster:
    """Nodes started together; ``nodes[0]`` is the one that inits the swarm."""

    nodes: list[Node]
    links_before: set[str] = field(default_factory=set)

    @property
    def manager(self) -> Node:
        return self.nodes[0]


def _ip(*args: str, check: bool = True) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise harness.HarnessError(f"ip {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def host_links() -> set[str]:
    """The interface names in the machine's own namespace."""
    return {
        line.split(":")[1].strip().split("@")[0]
        for line in _ip("-o", "link").splitlines()
        if ":" in line
    }


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _delete_namespace(netns: str) -> None:
    """Stop whatever still runs in one of our namespaces (a killed run's daemons), delete it."""
    pids = _ip("netns", "pids", netns, check=False).split()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [int(p) for p in pids if p.isdigit() and _pid_alive(int(p))]
        for pid in alive:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + harness.STOP_TIMEOUT
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in alive if _pid_alive(pid)]
            time.sleep(0.1)
        if not alive:
            break
    _ip("netns", "del", netns, check=False)


def clean_stale_namespaces() -> None:
    """Remove namespaces a run that no longer exists left behind (ours only: our prefix)."""
    for line in _ip("netns", "list", check=False).splitlines():
        match = re.match(rf"({PREFIX}-(\d+)-\S+)", line)
        if match and int(match.group(2)) != os.getpid() and not _pid_alive(int(match.group(2))):
            _delete_namespace(match.group(1))


def _start_daemon(name: str, netns: str, tag: str) -> harness.Engine:
    """dockerd inside ``netns`` with ``name`` as its hostname (bridges allowed: the namespace
    has no route out)."""
    root = harness._short_temp_dir(f"dsw-{tag}{name[-1]}-")
    socket_path = str(root / "docker.sock")
    host = f"unix://{socket_path}"
    engine = harness.Engine(
        root=root,
        socket=socket_path,
        host=host,
        env=harness._engine_env(root, host),
        log=root / "dockerd.log",
        pidfile=root / "pid",
        process=None,
    )  # type: ignore[arg-type]
    engine.process = _spawn(engine, name, netns)
    return engine


def _spawn(engine: harness.Engine, name: str, netns: str) -> subprocess.Popen:
    command = harness._dockerd_command(engine.root, engine.socket, bridged=True)
    script = f'hostname {name} && exec "$@"'
    with open(engine.log, "ab") as log_file:
        return subprocess.Popen(
            ["nsenter", f"--net=/var/run/netns/{netns}", "unshare", "--uts",
             "sh", "-c", script, "sh", *command],
            stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True)  # fmt: skip


def restart_daemon(node: Node) -> None:
    """Stop the node's daemon (by its pid) and start it again on the same data: an autolocked
    manager comes back locked."""
    engine = node.engine
    harness._stop_process(engine.process)
    engine.process = _spawn(engine, node.name, node.netns)
    harness._wait_until(
        lambda: engine.api("GET", "/_ping", timeout=2)[::2] == (200, b"OK"),
        engine.process,
        "dockerd",
        engine.log,
    )


def _ready(engine: harness.Engine) -> None:
    try:
        harness._wait_until(
            lambda: engine.api("GET", "/_ping", timeout=2)[::2] == (200, b"OK"),
            engine.process,
            "dockerd",
            engine.log,
        )
        harness.import_busybox(engine)
    except BaseException:
        harness.stop_engine(engine)
        raise


def start_nodes(count: int, tag: str = "") -> Cluster:
    """One or two namespaces with a daemon each (started in parallel, busybox imported),
    linked by a veth pair; no swarm yet. ``tag`` tells clusters apart."""
    if count not in (1, 2):
        raise harness.HarnessError("the test bed links one or two nodes")
    harness._check_can_run_dockerd()
    clean_stale_namespaces()
    cluster = Cluster(nodes=[], links_before=host_links())
    letters = "abcdefgh"[:count]
    netns = [f"{PREFIX}-{os.getpid()}-{tag}{letter}" for letter in letters]
    index = sum(map(ord, tag)) % 250 + 1
    created: list[str] = []
    engines: list[harness.Engine] = []
    try:
        for name in netns:
            _ip("netns", "add", name)
            created.append(name)
            _ip("-n", name, "link", "set", "lo", "up")
        addresses = [SUBNET.format(index=index, host=i + 1) for i in range(count)]
        if count == 2:
            # Created inside node a's namespace, the peer moved straight into b's: nothing
            # ever appears in the machine's own namespace.
            _ip(
                "-n",
                netns[0],
                "link",
                "add",
                "sw0",
                "type",
                "veth",
                "peer",
                "name",
                "sw0",
                "netns",
                netns[1],
            )
            for name, address in zip(netns, addresses, strict=True):
                _ip("-n", name, "addr", "add", address, "dev", "sw0")
                _ip("-n", name, "link", "set", "sw0", "up")
        for letter, name in zip(letters, netns, strict=True):
            engines.append(_start_daemon(f"node-{letter}", name, tag))
        with ThreadPoolExecutor(len(engines)) as pool:
            list(pool.map(_ready, engines))
        for i, (letter, name, engine) in enumerate(zip(letters, netns, engines, strict=True)):
            cluster.nodes.append(
                Node(
                    f"node-{letter}",
                    name,
                    addresses[i].split("/")[0] if count == 2 else "127.0.0.1",
                    engine,
                )
            )
    except BaseException:
        for engine in engines:
            with contextlib.suppress(Exception):
                harness.stop_engine(engine)
        for name in created:
            _delete_namespace(name)
        raise
    return cluster


def init_swarm(cluster: Cluster) -> None:
    """``swarm init`` on node a (advertising its link address), every other node joins as a
    worker."""
    manager = cluster.manager
    harness.run_docker_ok(manager.engine, "swarm", "init", "--advertise-addr", manager.address)
    token = harness.run_docker_ok(manager.engine, "swarm", "join-token", "-q", "worker").out.strip()
    for node in cluster.nodes[1:]:
        harness.run_docker_ok(
            node.engine,
            "swarm",
            "join",
            "--token",
            token,
            "--advertise-addr",
            node.address,
            f"{manager.address}:2377",
            timeout=90,
        )
    wait_for_nodes_ready(cluster)


def wait_for_nodes_ready(cluster: Cluster, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    expected = len(cluster.nodes)
    while time.monotonic() < deadline:
        out = harness.run_docker(
            cluster.manager.engine, "node", "ls", "--format", "{{.Status}}"
        ).out.split()
        if out.count("Ready") >= expected:
            return
        time.sleep(0.5)
    raise harness.HarnessError(f"the swarm's {expected} nodes were not Ready in {timeout} s")


def _our_interface_names(cluster: Cluster) -> set[str]:
    """Names our daemons' interfaces would have, were any to show up in the machine's own
    namespace: the link, docker's own bridges, each network's bridge, overlay devices."""
    names = {"sw0", "docker0", "docker_gwbridge"}
    for node in cluster.nodes:
        with contextlib.suppress(Exception):
            status, _, body = node.engine.api("GET", "/networks", timeout=10)
            if status == 200:
                names |= {f"br-{network['Id'][:12]}" for network in json.loads(body)}
    return names


def leftover_links(cluster: Cluster, ours: set[str]) -> list[str]:
    """Interfaces that appeared in the machine's namespace and are ours (other test runs on
    this machine make their own ``br-…`` bridges meanwhile: those are not counted)."""
    new = host_links() - cluster.links_before
    return sorted(name for name in new if name in ours or name.startswith(("vx-", "ov-")))


def stop_nodes(cluster: Cluster) -> None:
    """Leave the swarm, stop the daemons by pid, delete the namespaces; then check that no
    interface of ours was left in the machine's own namespace."""
    ours = _our_interface_names(cluster)
    try:
        for node in reversed(cluster.nodes):
            with contextlib.suppress(Exception):
                node.engine.api("POST", "/swarm/leave?force=1", timeout=LEAVE_TIMEOUT)
        for node in cluster.nodes:
            with contextlib.suppress(Exception):
                harness.stop_engine(node.engine)
    finally:
        for node in cluster.nodes:
            _delete_namespace(node.netns)
    left = leftover_links(cluster, ours)
    if left:
        raise harness.HarnessError(f"interfaces left in the machine's namespace: {left}")


@contextlib.contextmanager
def one_node(tag: str, swarm: bool = True) -> Iterator[harness.Engine]:
    """One daemon in a namespace of its own (a one-node swarm when ``swarm``), stopped and
    removed on leaving: what the benchmarks that need bridges or swarm run against."""
    cluster = start_nodes(1, tag)
    try:
        if swarm:
            init_swarm(cluster)
        yield cluster.manager.engine
    finally:
        stop_nodes(cluster)
