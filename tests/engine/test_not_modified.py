"""The daemon answers ``304 Not Modified`` when a start or stop changes nothing: docker's
client takes it as success (Go's http.Client only treats 301/302/303/307/308 as redirects),
so ``start`` of a running container prints its name and exits 0."""

from __future__ import annotations

from tests.harness import assert_same, container, run_docker_ok


def test_start_of_a_running_container_and_stop_of_a_stopped_one(engine):
    with container(engine, "busybox", "sleep", "600") as running:
        pair = assert_same(engine, "start", running.name, stderr=True)
        assert (pair.docker.out, pair.docker.status) == (f"{running.name}\n", 0)
        run_docker_ok(engine, "stop", "-t", "0", running.name)
        pair = assert_same(engine, "stop", running.name, stderr=True)
        assert (pair.docker.out, pair.docker.status) == (f"{running.name}\n", 0)
