"""The REPL on the two-node swarm test bed: the resource cache filled from a real manager and
kept fresh by its service events, a worker's cache (swarm state only, no lists, no hang),
``service rm <TAB>`` in a pty, and the global ``inspect`` of swarm objects against docker 28."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from dshell.engine.endpoint import Endpoint
from dshell.repl.cache import ResourceCache
from dshell.repl.candidates import for_suggestion
from dshell.repl.suggest import Suggestion
from dshell.repl.toolbar import swarm_state
from dshell.session import DockerSession
from tests import harness
from tests.pty_session import PROMPT, interactive_dshell, session_env

SLEEP = ("busybox", "sleep", "100000")
STACK = "dshstk"


def _cache(engine: harness.Engine) -> ResourceCache:
    endpoint = Endpoint(f"unix://{engine.socket}", "unix", engine.socket)
    cache = ResourceCache(endpoint).start()
    assert cache.wait_loaded(20), "the cache never loaded"
    return cache


def _texts(cache: ResourceCache, kind: str) -> list[str]:
    found = for_suggestion(Suggestion(kind), cache.snapshot, DockerSession.registry, "")
    return [c.text for c in found]


def _until(predicate, timeout: float = 15) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.fixture(scope="module")
def objects(manager, tmp_path_factory) -> Iterator[dict[str, str]]:
    """A service in a stack (by its namespace label), a secret and a config."""
    data = tmp_path_factory.mktemp("repl-swarm") / "data.txt"
    data.write_text("payload\n")
    made = {
        "service": harness.unique_name("dsh-rs-svc"),
        "secret": harness.unique_name("dsh-rs-sec"),
        "config": harness.unique_name("dsh-rs-cfg"),
    }
    harness.run_docker_ok(manager, "service", "create", "-d", "--name", made["service"],
                          "-l", f"com.docker.stack.namespace={STACK}", *SLEEP)  # fmt: skip
    harness.run_docker_ok(manager, "secret", "create", made["secret"], str(data))
    harness.run_docker_ok(manager, "config", "create", made["config"], str(data))
    try:
        yield made
    finally:
        harness.run_docker(manager, "service", "rm", made["service"])
        harness.run_docker(manager, "secret", "rm", made["secret"])
        harness.run_docker(manager, "config", "rm", made["config"])


def _task_id(manager: harness.Engine, service: str) -> str:
    found = ""

    def listed() -> bool:
        nonlocal found
        out = harness.run_docker(manager, "service", "ps", "-q", "--no-trunc", service).out
        found = out.split()[0] if out.split() else ""
        return bool(found)

    assert _until(listed, 30), f"{service} has no task"
    return found


# --- the cache ---------------------------------------------------------------------------


def test_manager_cache_lists_the_swarm(manager, objects):
    cache = _cache(manager)
    try:
        assert _until(lambda: objects["service"] in _texts(cache, "service"))
        snapshot = cache.snapshot
        assert snapshot.swarm == "manager" and snapshot.node_id
        assert {"node-a", "node-b", "self"} <= set(_texts(cache, "node"))
        assert {n["ID"] for n in snapshot.nodes} <= set(_texts(cache, "node"))
        assert objects["secret"] in _texts(cache, "secret")
        assert objects["config"] in _texts(cache, "config")
        assert STACK in _texts(cache, "stack")
        task = _task_id(manager, objects["service"])
        assert _until(lambda: task in _texts(cache, "task"))
        assert _until(lambda: swarm_state(cache.snapshot) == "swarm: manager, 2/2 nodes ready")
        assert "node-b" in _texts(cache, "constraint-value:node.hostname")
    finally:
        cache.close()


def test_service_events_add_and_remove_candidates(manager):
    cache = _cache(manager)
    name = harness.unique_name("dsh-rs-event")
    try:
        assert name not in _texts(cache, "service")
        harness.run_docker_ok(manager, "service", "create", "-d", "--name", name, *SLEEP)
        assert _until(lambda: name in _texts(cache, "service"), 10), "create not seen"
        harness.run_docker_ok(manager, "service", "rm", name)
        assert _until(lambda: name not in _texts(cache, "service"), 10), "rm not seen"
    finally:
        harness.run_docker(manager, "service", "rm", name)
        cache.close()


def test_worker_cache_knows_its_role_and_asks_for_no_lists(worker):
    started = time.monotonic()
    cache = _cache(worker)
    try:
        snapshot = cache.snapshot
        assert time.monotonic() - started < 10
        assert snapshot.connected and not snapshot.unreachable
        assert snapshot.swarm == "worker"
        assert not snapshot.services and not snapshot.nodes and not snapshot.tasks
        assert _texts(cache, "service") == [] and _texts(cache, "node") == ["self"]
        assert swarm_state(snapshot) == "swarm: worker"
    finally:
        cache.close()


# --- the prompt --------------------------------------------------------------------------


def test_toolbar_and_service_rm_tab_on_a_manager(manager, objects, tmp_path):
    env = session_env(manager, tmp_path, XDG_CONFIG_HOME=str(tmp_path / "config"))
    with interactive_dshell(env, timeout=15) as child:
        time.sleep(1.5)  # the cache's first load: /info, then the swarm lists
        # prompt_toolkit draws the toolbar once the terminal answered its cursor position
        # request; the first toolbar painted is the loaded one, whole.
        child.send("\x1b[1;1R")
        child.send(" ")
        child.expect_exact("swarm: manager, 2/2 nodes ready")
        child.sendcontrol("c")
        child.expect(PROMPT)
        child.send("service rm dsh-rs-s\t")
        child.expect_exact(objects["service"][len("dsh-rs-s") :])
        child.sendcontrol("c")
        child.expect(PROMPT)


# --- inspect -----------------------------------------------------------------------------


def test_inspect_finds_swarm_objects_as_docker_does(manager, objects):
    task = _task_id(manager, objects["service"])
    for reference in (objects["service"], objects["secret"], objects["config"], "node-b",
                      task):  # fmt: skip
        harness.assert_same(manager, "inspect", reference, stderr=True)
        harness.assert_same(manager, "inspect", "-f", "{{.ID}}", reference, stderr=True)


@pytest.mark.parametrize("kind", ["service", "node", "secret", "config", "task"])
def test_inspect_type_swarm_kinds(manager, objects, kind):
    reference = {"node": "node-a", "task": None}.get(kind, objects.get(kind))
    if reference is None:
        reference = _task_id(manager, objects["service"])
    harness.assert_same(manager, "inspect", "--type", kind, "-f", "{{.ID}}", reference,
                        stderr=True)  # fmt: skip
    harness.assert_same(manager, "inspect", "--type", kind, "dsh-rs-missing", stderr=True)


def test_inspect_mixed_and_missing_references(manager, objects):
    harness.assert_same(manager, "inspect", "-f", "{{.ID}}", objects["secret"],
                        "dsh-rs-missing", "node-a", stderr=True)  # fmt: skip
    harness.assert_same(manager, "inspect", "-s", "-f", "{{.ID}}", objects["config"],
                        stderr=True)  # fmt: skip


def test_inspect_on_a_worker_skips_the_swarm_types(worker):
    harness.assert_same(worker, "inspect", "node-a", stderr=True)
    harness.assert_same(worker, "inspect", "--type", "node", "node-a", stderr=True)


@pytest.mark.parametrize("kind", ["service", "node", "secret", "config", "task"])
def test_inspect_templates_see_dockers_typed_objects(manager, objects, kind):
    reference = {"node": "node-a", "task": None}.get(kind, objects.get(kind))
    if reference is None:
        reference = _task_id(manager, objects["service"])
    for template in ("{{.CreatedAt}} {{.Version}}", "{{.Version.Index}} {{.UpdatedAt}}",
                     "{{.Nope}}", "{{json .Version}}", "{{.ID}} {{json .Spec}}"):
        harness.assert_same(manager, "inspect", "-f", template, reference, stderr=True)


def test_cache_follows_swarm_init_and_leave(scratch):
    """A node in no swarm: no swarm state, no lists. ``swarm init`` (the prompt marks the
    swarm state dirty after a line naming ``swarm``) makes it a manager with its node listed;
    a service created afterwards reaches the cache through the events stream opened before
    the swarm existed; ``swarm leave`` empties it all again."""
    node = scratch.nodes[0]
    cache = _cache(node.engine)
    name = harness.unique_name("dsh-rs-init")
    try:
        assert cache.snapshot.swarm == "" and not cache.snapshot.nodes
        harness.run_docker_ok(node.engine, "swarm", "init", "--advertise-addr", node.address)
        cache.mark_dirty("swarm")
        assert _until(lambda: cache.snapshot.swarm == "manager" and len(cache.snapshot.nodes) == 1)
        assert "self" in _texts(cache, "node")
        harness.run_docker_ok(node.engine, "service", "create", "-d", "--name", name, *SLEEP)
        assert _until(lambda: name in _texts(cache, "service"), 10), "no service event seen"
        harness.run_docker_ok(node.engine, "swarm", "leave", "--force")
        cache.mark_dirty("swarm")
        assert _until(lambda: cache.snapshot.swarm == "" and not cache.snapshot.services)
        assert cache.snapshot.connected
    finally:
        cache.close()
        harness.run_docker(node.engine, "swarm", "leave", "--force")
