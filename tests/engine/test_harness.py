"""The harness itself works: engine, busybox image, registry, runners and helpers."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from tests import harness
from tests.harness import container, differential, run_docker, run_dshell, unique_name


def test_engine_answers_ping_on_its_private_socket(engine):
    status, headers, body = engine.api("GET", "/_ping")
    assert (status, body) == (200, b"OK")
    assert headers["Api-Version"] == "1.41"
    assert engine.host == f"unix://{engine.socket}"
    assert engine.socket.startswith("/tmp/")
    assert len(engine.socket.encode()) <= harness.MAX_UNIX_SOCKET_PATH
    assert engine.socket != "/var/run/docker.sock"


def test_engine_env_aims_at_the_private_engine_only(engine):
    env = engine.env
    assert env["DOCKER_HOST"] == engine.host
    assert not [key for key in env if key.startswith("DOCKER_TLS") or key == "DOCKER_CONTEXT"]
    assert Path(env["DOCKER_CONFIG"]).is_relative_to(engine.root)
    assert Path(env["HOME"]).is_relative_to(engine.root)
    assert env["HOME"] != os.environ.get("HOME")
    assert env is not os.environ


def test_docker_images_lists_busybox_latest(engine):
    result = run_docker(engine, "images")
    assert result.status == 0, result.err
    header, *rows = result.out.splitlines()
    assert header.split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"]
    assert ["busybox", "latest"] in [row.split()[:2] for row in rows]


def test_run_echo_prints_hi(engine):
    result = run_docker(engine, "run", "--rm", "--network", "none", "busybox", "echo", "hi")
    assert result == harness.Result("hi\n", "", 0)


def test_busybox_image_has_every_applet(engine):
    result = run_docker(engine, "run", "--rm", "--network", "none", "busybox", "ls", "/bin")
    assert result.status == 0, result.err
    assert sorted(result.out.split()) == sorted(["busybox", *harness.BUSYBOX_APPLETS])


def test_run_docker_passes_input_and_exit_status(engine):
    result = run_docker(engine, "run", "--rm", "-i", "--network", "none", "busybox",
                        "sh", "-c", "cat; exit 3", input="from stdin\n")
    assert result == harness.Result("from stdin\n", "", 3)


def test_registry_answers_v2(registry):
    host, port = registry.address.split(":")
    assert host == "127.0.0.1" and int(port) > 0
    status, headers = harness.registry_get(registry, "/v2/")
    assert status == 200
    assert headers["Docker-Distribution-Api-Version"] == "registry/2.0"


def test_busybox_round_trips_through_the_registry(engine, registry):
    reference = f"{registry.address}/{unique_name('harness')}:v1"
    original = run_docker(engine, "image", "inspect", "--format", "{{.Id}}", "busybox")
    assert original.status == 0, original.err
    try:
        assert run_docker(engine, "tag", "busybox", reference).status == 0
        pushed = run_docker(engine, "push", reference)
        assert pushed.status == 0, pushed.err
        assert "v1: digest: sha256:" in pushed.out
        removed = run_docker(engine, "rmi", reference)
        assert removed.status == 0, removed.err
        assert run_docker(engine, "image", "inspect", reference).status == 1
        pulled = run_docker(engine, "pull", reference)
        assert pulled.status == 0, pulled.err
        assert f"Downloaded newer image for {reference}" in pulled.out
        again = run_docker(engine, "image", "inspect", "--format", "{{.Id}}", reference)
        assert again.out == original.out
    finally:
        run_docker(engine, "rmi", reference)


def test_container_is_created_and_removed(engine):
    with container(engine, "--network", "none", "busybox", "sleep", "60") as running:
        state = run_docker(engine, "inspect", "--format", "{{.State.Running}} {{.Id}}",
                           running.name)
        assert state.out == f"true {running.id}\n"
    with container(engine, "busybox", "true", start=False) as created:
        state = run_docker(engine, "inspect", "--format", "{{.State.Status}}", created.name)
        assert state.out == "created\n"
    for name in (running.name, created.name):
        listed = run_docker(engine, "ps", "-aq", "--filter", f"name=^{name}$")
        assert listed == harness.Result("", "", 0)


def test_unique_names_differ_and_suit_images(engine):
    names = {unique_name("Img") for _ in range(50)}
    assert len(names) == 50
    assert all(name.startswith("img-") and name == name.lower() for name in names)


def test_differential_runs_docker_and_dshell_dash_c(engine, monkeypatch):
    echo_argv = "import json, os, sys; print(json.dumps([sys.argv[1:], os.environ['DOCKER_HOST']]))"
    monkeypatch.setattr(harness, "DSHELL_COMMAND", [sys.executable, "-c", echo_argv])
    both = differential(engine, "ps", "-a", "--format", "{{.Names}} x")
    assert both.docker.status == 0, both.docker.err
    assert both.dshell.status == 0, both.dshell.err
    assert json.loads(both.dshell.out) == [["-c", "ps -a --format '{{.Names}} x'"], engine.host]


def test_run_dshell_env_overrides_and_removes(engine, monkeypatch):
    show_env = "import os; print(os.environ.get('EXTRA'), os.environ.get('DOCKER_CONFIG'))"
    monkeypatch.setattr(harness, "DSHELL_COMMAND", [sys.executable, "-c", show_env])
    result = run_dshell(engine, env={"EXTRA": "1", "DOCKER_CONFIG": None})
    assert result == harness.Result("1 None\n", "", 0)
