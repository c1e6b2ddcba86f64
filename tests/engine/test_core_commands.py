"""Differential tests: docker and dshell on the same daemon print the same bytes and status."""

from __future__ import annotations

import contextlib
import functools
import json
import time

import pytest

from tests import harness

# Listings show ages ("5 seconds ago") that may tick between the docker and the dshell run.
assert_same = functools.partial(harness.assert_same, tries=3)


@pytest.fixture(scope="module")
def scene(engine):
    """Containers in several states and a few tags, made with the docker CLI."""
    with contextlib.ExitStack() as stack:
        running = stack.enter_context(
            harness.container(
                engine,
                "--network",
                "none",
                "--label",
                "tier=web",
                "--label",
                "empty=",
                "busybox",
                "sleep",
                "3600",
            )
        )
        exited = stack.enter_context(
            harness.container(engine, "--network", "none", "busybox", "sh", "-c", "exit 3")
        )
        created = stack.enter_context(
            harness.container(
                engine,
                "--network",
                "none",
                "busybox",
                "echo",
                "a long command line to cut",
                start=False,
            )
        )
        harness.run_docker(engine, "wait", exited.name)
        # Each image gets one repository: docker orders the rows of an image with several
        # repositories by Go map iteration, which changes from run to run.
        tag = harness.unique_name("dsh-tag")
        harness.run_docker(engine, "commit", exited.name, f"{tag}:v1")
        harness.run_docker(engine, "tag", f"{tag}:v1", f"{tag}:v2")
        # The daemon orders images created in the same second at random on every call (an
        # unstable sort over a map): keep the scene's creation times a second apart.
        time.sleep(1.1)
        harness.run_docker(engine, "commit", created.name, f"127.0.0.1:5000/{tag}/sub:latest")
        try:
            yield {"running": running, "exited": exited, "created": created, "tag": tag}
        finally:
            harness.run_docker(engine, "rmi", f"{tag}:v1", f"{tag}:v2",
                               f"127.0.0.1:5000/{tag}/sub:latest")  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [
        ["ps"],
        ["ps", "-a"],
        ["ps", "-a", "--no-trunc"],
        ["ps", "-aq"],
        ["ps", "-a", "-s"],
        ["ps", "-n", "2"],
        ["ps", "-l"],
        ["ps", "-a", "--filter", "status=exited"],
        ["ps", "-a", "-f", "label=tier=web"],
        ["ps", "-a", "--format", "{{.Names}}\t{{.Status}}\t{{.Labels}}"],
        ["ps", "-a", "--format", "table {{.ID}}\t{{.Command}}\t{{.State}}"],
        ["ps", "-a", "--format", "json"],
        ["ps", "-a", "--format", '{{.Label "tier"}}|{{json .Names}}|{{upper .Image}}'],
        ["container", "ls", "-a"],
        ["container", "list", "-q"],
        ["container", "ps", "-a", "--format", "{{.Size}}"],
    ],
)
def test_ps(engine, scene, args):
    assert_same(engine, *args, tries=4)  # "12 seconds ago" may tick between the two tools


@pytest.mark.parametrize(
    "args",
    [
        ["images"],
        ["images", "-a"],
        ["images", "-q"],
        ["images", "--no-trunc"],
        ["images", "--digests"],
        ["images", "busybox"],
        ["images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
        ["images", "--format", "json"],
        ["image", "ls", "--format", "table {{.ID}}\t{{.Repository}}"],
        ["image", "list", "-f", "reference=busybox"],
    ],
)
def test_images(engine, scene, args):
    # Images other tests made within one second of each other come in random order from the
    # daemon (docker shows that order too): a few more tries absorb it.
    assert_same(engine, *args, tries=6)


def test_images_with_a_repository_argument(engine, scene):
    assert_same(engine, "images", scene["tag"])


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "{running}"],
        ["inspect", "{exited}", "busybox"],
        ["inspect", "-s", "{running}"],
        ["inspect", "--format", "{{.State.Status}} {{.Config.Labels}}", "{running}"],
        ["inspect", "-f", "{{json .Config}}", "{created}"],
        ["inspect", "-f", "json", "{exited}"],
        ["inspect", "-f", "{{.Id}}", "busybox", "nothere", "busybox"],
        ["inspect", "nothere"],
        ["inspect", "--type", "image", "nothere"],
        ["inspect", "--type", "container", "busybox"],
        ["inspect", "-f", "{{.Nope}}", "busybox"],
        ["inspect", "-f", "{{.Name", "busybox"],
        ["inspect", "host"],
        ["inspect", "--type", "network", "-f", "{{.Driver}}", "none"],
        ["container", "inspect", "-f", "{{.Name}} {{.State.ExitCode}}", "{exited}"],
        ["image", "inspect", "busybox"],
        ["image", "inspect", "-f", "{{.RepoTags}}", "{tag}:v1"],
    ],
)
def test_inspect(engine, scene, args):
    names = {key: value.name if hasattr(value, "name") else value for key, value in scene.items()}
    pair = assert_same(
        engine,
        *[
            arg.format(**names)
            if arg.startswith("{") and arg.endswith("}") and arg[1:-1].split(":")[0] in names
            else arg
            for arg in args
        ],
    )
    if pair.docker.status:
        assert pair.dshell.err.strip(), "a failure must say why on stderr"


def test_inspect_of_a_volume(engine):
    name = harness.unique_name("dsh-vol")
    harness.run_docker(engine, "volume", "create", name)
    try:
        assert_same(engine, "inspect", name)
        assert_same(engine, "inspect", "--type", "volume", "-f", "{{.Name}}", name)
    finally:
        harness.run_docker(engine, "volume", "rm", name)


@pytest.mark.parametrize(
    "template",
    [
        "{{.Server.Version}}",
        "{{json .Server}}",
        "{{.Server.APIVersion}} {{.Server.Os}}",
        "{{range .Server.Components}}{{.Name}}={{.Version}} {{end}}",
        "{{.Server}}",
        "{{.Server.Platform}} {{.Server.Components}}",
    ],
)
def test_version_format_server_fields(engine, template):
    assert_same(engine, "version", "--format", template)


def test_version_blocks(engine):
    pair = harness.differential(engine, "version")
    assert pair.dshell.status == pair.docker.status == 0
    server = pair.docker.out[pair.docker.out.index("Server:") :]
    assert pair.dshell.out.endswith(server)
    assert pair.dshell.out.startswith("Client:\n Version:")


def unordered_runtimes(text: str) -> str:
    """docker lists runtimes in Go map order, which changes from run to run: sort that line."""
    lines = []
    for line in text.splitlines(keepends=True):
        label, sep, names = line.partition("Runtimes: ")
        lines.append(f"{label}{sep}{' '.join(sorted(names.split()))}\n" if sep else line)
    return "".join(lines)


def test_info_server_block_matches(engine):
    pair = harness.differential(engine, "info")
    assert pair.dshell.status == pair.docker.status == 0
    server = pair.docker.out[pair.docker.out.index("Server:"):]
    mine = pair.dshell.out[pair.dshell.out.index("Server:"):]
    assert unordered_runtimes(mine) == unordered_runtimes(server)
    assert pair.dshell.err == pair.docker.err


def test_info_format(engine):
    assert_same(engine, "info", "--format", "{{.ServerVersion}} {{.Containers}} {{.OSType}}")


def test_config_json_formats_are_honoured(engine, scene, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({
        "psFormat": "table {{.Names}}\t{{.Status}}",
        "imagesFormat": "{{.Repository}}/{{.Tag}}",
    }))  # fmt: skip
    env = {"DOCKER_CONFIG": str(tmp_path)}
    pair = assert_same(engine, "ps", "-a", env=env)
    assert pair.dshell.out.startswith("NAMES  ")
    pair = assert_same(engine, "images", env=env)
    assert "busybox/latest\n" in pair.dshell.out


def test_docker_api_version_pins_the_version(engine):
    env = {"DOCKER_API_VERSION": "1.40"}
    pair = assert_same(engine, "version", "--format", "{{.Client.APIVersion}}", env=env)
    assert pair.dshell.out == "1.40\n"


def test_one_connection_serves_a_whole_script(engine, tmp_path, monkeypatch):
    """Many commands over one session reuse one pooled connection to the socket."""
    import io

    from requests_unixsocket.adapters import UnixHTTPConnectionPool

    from dshell.engine.config import ConfigFile
    from dshell.engine.endpoint import ConnectionOptions
    from dshell.session import DockerSession
    from dshell.streams import Stream

    opened = []
    new_conn = UnixHTTPConnectionPool._new_conn
    monkeypatch.setattr(UnixHTTPConnectionPool, "_new_conn",
                        lambda pool: opened.append(pool) or new_conn(pool))  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    session = DockerSession(ConnectionOptions(hosts=[engine.host]), tmp_path,
                            ConfigFile(tmp_path / "config.json"),
                            streams=(Stream(io.StringIO()), Stream(out), Stream(err)))  # fmt: skip
    try:
        for _ in range(10):
            for line in (["ps", "-a"], ["images"], ["inspect", "busybox"], ["version"]):
                assert session.cmd(line) == 0, err.getvalue()
        assert len(opened) == 1, "one socket for 41 requests"
        assert out.getvalue().count("CONTAINER ID") == 10
    finally:
        session.close()
